import type { AtolError } from './errors.ts';

/**
 * The HTTP shapes of ATOL's "Web Requests" API (`/api/v2`), after ATOL's OpenAPI description
 * 1.0.4.0 (`atol-dev/fptr-web-requests`, see docs/atol.md for the sources).
 */

/** `TaskResult.status`: the seven words of the real server. */
export const TASK_STATUSES = ['wait', 'inProgress', 'ready', 'error', 'interrupted', 'blocked', 'canceled'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

export interface TaskResult {
  status: TaskStatus;
  error: AtolError;
  /** The same error flat, as the spec's prose and a real 1C client read it. */
  errorCode: number;
  errorDescription: string;
  result: unknown;
}

/** `GET /api/v2/requests/{uuid}`. */
export interface RequestResult {
  results: TaskResult[];
}

/** `201` of `POST /api/v2/requests`. */
export interface RequestAddResult {
  number: number;
  uuid: string;
  isBlocked: boolean;
  blockedUUID: string;
}

/** `GET /api/v2/getRequestsQueueStatus`. */
export interface RequestsQueueStatus {
  number: number;
  canceled: number;
  ready: number;
  isBlocked: boolean;
  blockReason: '' | 'paperError' | 'connectionError' | 'fnError';
  blockedUUID: string;
}

/** An HTTP error body of the server: `{"error":{"code","description"}}`. */
export interface ErrorResult {
  error: AtolError;
}

export type ParsedRequest =
  | { ok: true; uuid: string; tasks: unknown[]; resultUrl?: string }
  | { ok: false; description: string };

const MAX_UUID_LENGTH = 128;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * A `POST /api/v2/requests` body: `uuid` (any non-empty string, as real servers accept) and
 * `request`, an array of tasks or one task object; `callbacks.resultUrl` optional (http/https).
 */
export function parseRequestBody(body: unknown): ParsedRequest {
  if (!isRecord(body)) return { ok: false, description: 'Тело запроса должно быть JSON-объектом' };
  const uuid = body.uuid;
  if (typeof uuid !== 'string' || uuid.trim() === '')
    return { ok: false, description: "Поле 'uuid' не задано или пустое" };
  if (uuid.length > MAX_UUID_LENGTH)
    return { ok: false, description: `Поле 'uuid' длиннее ${MAX_UUID_LENGTH} символов` };
  const request = body.request;
  const tasks = Array.isArray(request) ? request : isRecord(request) ? [request] : [];
  if (tasks.length === 0) return { ok: false, description: "Поле 'request' не задано или пустое" };
  const parsed: ParsedRequest = { ok: true, uuid, tasks };
  const callbacks = body.callbacks;
  if (callbacks !== undefined && callbacks !== null) {
    const url = isRecord(callbacks) ? callbacks.resultUrl : undefined;
    if (url !== undefined) {
      if (typeof url !== 'string' || !/^https?:\/\//i.test(url))
        return { ok: false, description: "Поле 'callbacks.resultUrl' должно быть http(s)-адресом" };
      parsed.resultUrl = url;
    }
  }
  return parsed;
}

export function taskResult(status: TaskStatus, error: AtolError, result: unknown = null): TaskResult {
  return { status, error, errorCode: error.code, errorDescription: error.description, result };
}
