import { Pool } from 'undici';
import { type OfdPayload, ofdPath } from '../../fiscal/ofd-payload.ts';

/**
 * Shared by the ОФД and Odoo clients: one keep-alive pool per origin, a hard per-request
 * deadline, and every failure turned into a value. A sync worker handling thousands of documents
 * must never see a stray exception for what is just "the network is down".
 */

export type HttpClientErrorCode = 'INVALID_BASE_URL';

export class HttpClientError extends Error {
  override readonly name = 'HttpClientError';
  readonly code: HttpClientErrorCode;

  constructor(code: HttpClientErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

export type PostOutcome =
  | {
      kind: 'answer';
      status: number;
      text: string;
      json: unknown;
      /** The body was longer than `maxAnswerBytes`: it was cut off and not parsed. */
      tooLarge?: boolean;
      /** Retry-After, in ms, when the answer had one (seconds or an HTTP date). */
      retryAfterMs?: number;
    }
  | { kind: 'timeout'; reason: string }
  | { kind: 'unreachable'; reason: string };

export interface JsonPosterOptions {
  /** `http(s)://host[:port][/prefix]`; paths are appended to the prefix. */
  baseUrl: string;
  timeoutMs: number;
  connections?: number;
  /**
   * Requests in flight per connection (HTTP/1.1 pipelining, default 1). Above 1 the requests are
   * marked idempotent, which undici needs to pipeline a POST: only for peers that deduplicate.
   */
  pipelining?: number;
  /** Sent with every request (e.g. Authorization). */
  headers?: Record<string, string>;
  /** The longest answer body read (default 16 KiB): a peer cannot make the adapter buffer more. */
  maxAnswerBytes?: number;
}

/** An ОФД's answer about one document is a few hundred bytes; anything longer is not an answer. */
export const MAX_ANSWER_BYTES = 16 * 1024;

function retryAfterMs(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (v === undefined || v.trim() === '') return undefined;
  if (/^\d+$/.test(v.trim())) return Number(v.trim()) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

const TIMEOUT_CODES = new Set([
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CONNECT_TIMEOUT',
  'ETIMEDOUT',
]);

function errorCode(e: unknown): string | undefined {
  if (typeof e !== 'object' || e === null) return undefined;
  const code = (e as { code?: unknown }).code;
  if (typeof code === 'string') return code;
  // Node reports "localhost" refusing on both ::1 and 127.0.0.1 as an AggregateError.
  if (e instanceof AggregateError) return errorCode(e.errors[0]);
  return undefined;
}

function errorMessage(e: unknown): string {
  if (e instanceof AggregateError && !e.message) return errorMessage(e.errors[0]);
  return e instanceof Error ? e.message : String(e);
}

export class JsonPoster {
  readonly #pool: Pool;
  readonly #prefix: string;
  readonly #timeoutMs: number;
  readonly #headers: Record<string, string>;
  readonly #maxAnswerBytes: number;
  readonly #idempotent: boolean;
  readonly origin: string;

  constructor(options: JsonPosterOptions) {
    let url: URL;
    try {
      url = new URL(options.baseUrl);
    } catch {
      throw new HttpClientError('INVALID_BASE_URL', `not a URL: "${options.baseUrl}"`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new HttpClientError('INVALID_BASE_URL', `not an http(s) URL: "${options.baseUrl}"`);
    }
    this.origin = url.origin;
    this.#prefix = url.pathname.replace(/\/+$/, '');
    this.#timeoutMs = options.timeoutMs;
    this.#maxAnswerBytes = options.maxAnswerBytes ?? MAX_ANSWER_BYTES;
    this.#headers = { 'content-type': 'application/json', accept: 'application/json', ...options.headers };
    const pipelining = options.pipelining ?? 1;
    this.#idempotent = pipelining > 1;
    this.#pool = new Pool(url.origin, { connections: options.connections ?? 16, pipelining });
  }

  /**
   * Posts `body` as JSON to `{baseUrl}{path}`. Resolves with what happened; rejects only with the
   * caller's abort reason when `signal` aborts.
   */
  async post(path: string, body: unknown, signal?: AbortSignal): Promise<PostOutcome> {
    signal?.throwIfAborted();
    const ms = this.#timeoutMs;
    const controller = new AbortController();
    let timedOut = false;
    // One deadline over queueing, connecting, headers and body; undici's own timeouts each
    // cover only one phase.
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort(new Error(`no answer within ${ms} ms`));
    }, ms);
    const onAbort = () => controller.abort(signal?.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const res = await this.#pool.request({
        method: 'POST',
        path: `${this.#prefix}${path}`,
        headers: this.#headers,
        body: JSON.stringify(body),
        idempotent: this.#idempotent,
        // undici makes every request but HEAD "blocking" unless told otherwise: nothing more is
        // written on the connection until its answer's headers are in, so `pipelining` alone
        // never puts a second POST on the wire (lib/core/request.js, `blocking ?? method !== 'HEAD'`).
        blocking: !this.#idempotent,
        signal: controller.signal,
        headersTimeout: ms,
        bodyTimeout: ms,
      });
      const retry = retryAfterMs(res.headers['retry-after']);
      const extra = retry !== undefined ? { retryAfterMs: retry } : {};
      // Read at most maxAnswerBytes: a 300 MB answer is refused, never held in memory.
      const max = this.#maxAnswerBytes;
      const declared = Number(res.headers['content-length']);
      const chunks: Buffer[] = [];
      let size = 0;
      let tooLarge = Number.isFinite(declared) && declared > max;
      if (!tooLarge)
        for await (const chunk of res.body as AsyncIterable<Buffer>) {
          size += chunk.length;
          if (size > max) {
            tooLarge = true;
            break;
          }
          chunks.push(chunk);
        }
      if (tooLarge) {
        res.body.destroy();
        return { kind: 'answer', status: res.statusCode, text: '', json: undefined, tooLarge: true, ...extra };
      }
      const text = Buffer.concat(chunks).toString('utf8');
      let json: unknown;
      try {
        json = text === '' ? undefined : JSON.parse(text);
      } catch {
        // not JSON (a proxy's HTML page, say): callers report the raw text instead
      }
      return { kind: 'answer', status: res.statusCode, text, json, ...extra };
    } catch (e) {
      if (signal?.aborted) throw signal.reason;
      const code = errorCode(e);
      if (timedOut || (code !== undefined && TIMEOUT_CODES.has(code))) {
        return { kind: 'timeout', reason: `no answer from ${this.origin} within ${ms} ms` };
      }
      return {
        kind: 'unreachable',
        reason: `${this.origin} unreachable: ${code ? `${code} ` : ''}${errorMessage(e)}`.trim(),
      };
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    }
  }

  close(): Promise<void> {
    return this.#pool.close();
  }
}

/** What the peer said in an error answer: its `error` text and any `problems`, else the raw body. */
export function describeAnswer(answer: { status: number; text: string; json: unknown }): string {
  const j = answer.json;
  if (typeof j === 'object' && j !== null && !Array.isArray(j)) {
    const { error, detail, problems } = j as Record<string, unknown>;
    const text = typeof error === 'string' ? error : typeof detail === 'string' ? detail : undefined;
    const list = Array.isArray(problems) ? problems.map(String) : [];
    if (text !== undefined || list.length > 0) {
      return [text, list.length > 0 ? list.join('; ') : undefined].filter((s) => s !== undefined).join(': ');
    }
  }
  const raw = answer.text.trim();
  return raw === '' ? '(empty body)' : raw.length > 200 ? `${raw.slice(0, 200)}…` : raw;
}

export type OfdErrorCode =
  | 'OFD_TIMEOUT'
  | 'OFD_UNREACHABLE'
  | 'OFD_SERVER_ERROR'
  | 'OFD_UNAUTHORIZED'
  | 'OFD_NOT_FOUND'
  | 'OFD_REJECTED'
  | 'OFD_BAD_ANSWER';

export type OfdResult =
  | { ok: true; ofdId: string }
  | {
      ok: false;
      kind: 'transient' | 'permanent';
      reason: string;
      status?: number;
      code: OfdErrorCode;
      /** The ОФД's Retry-After: the sync pass waits at least this long before trying again. */
      retryAfterMs?: number;
    };

/** The ОФД's own verdict on a document: a JSON object with an `error` text (API.md, mock ОФД). */
function isOfdVerdict(json: unknown): boolean {
  return (
    typeof json === 'object' &&
    json !== null &&
    !Array.isArray(json) &&
    typeof (json as { error?: unknown }).error === 'string'
  );
}

/**
 * Calls on the wire at once on the ОФД connection. Measured with `bench/drain.ts`-style runs
 * (6,000 pending, batch 500, mock ОФД in its thread): 16 → 2,000–2,670/s, 32 → 2,570–3,030,
 * 64 → 2,620–3,300, 128 → 2,590–2,650, 256 → 2,420–2,520; see docs/sync.md.
 */
export const OFD_PIPELINING = 64;

export interface OfdClientOptions {
  baseUrl: string;
  token?: string;
  timeoutMs: number;
  /** Keep-alive connections to the ОФД (default 1). */
  connections?: number;
  /**
   * Calls pipelined on a connection (default 64). One connection with pipelining keeps the
   * documents in the order they were sent, which the ОФД needs (ffd.md §7); it deduplicates by
   * (ФН, number), so a resend is safe.
   */
  pipelining?: number;
}

/**
 * Sends fiscal documents to the ОФД. `permanent` means "this document will never be accepted
 * as sent" (the ОФД refused its content); everything else, including a wrong token or URL, is
 * `transient`: fixing the configuration must let buffered documents through, not lose them.
 */
export class OfdClient {
  readonly #poster: JsonPoster;

  constructor(options: OfdClientOptions) {
    this.#poster = new JsonPoster({
      baseUrl: options.baseUrl,
      timeoutMs: options.timeoutMs,
      connections: options.connections ?? 1,
      pipelining: options.pipelining ?? OFD_PIPELINING,
      headers: options.token ? { authorization: `Bearer ${options.token}` } : {},
    });
  }

  async send(payload: OfdPayload, signal?: AbortSignal): Promise<OfdResult> {
    const out = await this.#poster.post(ofdPath(payload), payload, signal);
    if (out.kind === 'timeout') return { ok: false, kind: 'transient', reason: out.reason, code: 'OFD_TIMEOUT' };
    if (out.kind === 'unreachable') {
      return { ok: false, kind: 'transient', reason: out.reason, code: 'OFD_UNREACHABLE' };
    }
    const { status } = out;
    const fail = (kind: 'transient' | 'permanent', code: OfdErrorCode, what: string): OfdResult => ({
      ok: false,
      kind,
      reason: `ОФД ${what} (${status})${out.tooLarge ? '' : `: ${describeAnswer(out)}`}`,
      status,
      code,
      ...(out.retryAfterMs !== undefined ? { retryAfterMs: out.retryAfterMs } : {}),
    });
    if (out.tooLarge) return fail('transient', 'OFD_BAD_ANSWER', `answered with more than ${MAX_ANSWER_BYTES} bytes`);
    if (status >= 200 && status < 300) {
      const id = (out.json as { ofd_id?: unknown } | undefined)?.ofd_id;
      if (typeof id === 'string' && id !== '') return { ok: true, ofdId: id };
      return fail('transient', 'OFD_BAD_ANSWER', 'answered success without an ofd_id');
    }
    if (status >= 500 || status === 408 || status === 429 || status === 413)
      return fail('transient', 'OFD_SERVER_ERROR', 'failed');
    if (status === 401 || status === 403) {
      return fail('transient', 'OFD_UNAUTHORIZED', 'refused the credentials (check KKT_OFD_API_TOKEN)');
    }
    if (status === 404 || status === 405) {
      return fail('transient', 'OFD_NOT_FOUND', `has no ${ofdPath(payload)} (check KKT_OFD_API_URL)`);
    }
    // Only the ОФД's own verdict fails a receipt for good. A 4xx without it (a proxy's HTML
    // page, an empty body) says nothing about the document: it stays pending.
    if (status >= 400 && isOfdVerdict(out.json)) return fail('permanent', 'OFD_REJECTED', 'rejected the document');
    if (status >= 400) return fail('transient', 'OFD_BAD_ANSWER', 'answered without a verdict on the document');
    return fail('transient', 'OFD_BAD_ANSWER', 'gave an unexpected answer');
  }

  close(): Promise<void> {
    return this.#poster.close();
  }
}
