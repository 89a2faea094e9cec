import { describeAnswer, JsonPoster } from './ofd-client.ts';

export const HEARTBEAT_PATH = '/api/v1/kkt/heartbeat';

export type OdooErrorCode =
  | 'ODOO_TIMEOUT'
  | 'ODOO_UNREACHABLE'
  | 'ODOO_SERVER_ERROR'
  | 'ODOO_REJECTED'
  | 'ODOO_BAD_ANSWER';

export type HeartbeatResult = { ok: true } | { ok: false; reason: string; code: OdooErrorCode; status?: number };

export interface OdooClientOptions {
  baseUrl: string;
  timeoutMs: number;
}

/** Posts the adapter's heartbeat to Odoo; a heartbeat is one small request every few seconds. */
export class OdooClient {
  readonly #poster: JsonPoster;

  constructor(options: OdooClientOptions) {
    this.#poster = new JsonPoster({ baseUrl: options.baseUrl, timeoutMs: options.timeoutMs, connections: 1 });
  }

  /** Never throws for network or HTTP problems; rejects only with the abort reason of `signal`. */
  async heartbeat(body: Record<string, unknown>, signal?: AbortSignal): Promise<HeartbeatResult> {
    const out = await this.#poster.post(HEARTBEAT_PATH, body, signal);
    if (out.kind === 'timeout') return { ok: false, reason: out.reason, code: 'ODOO_TIMEOUT' };
    if (out.kind === 'unreachable') return { ok: false, reason: out.reason, code: 'ODOO_UNREACHABLE' };
    const { status } = out;
    if (status >= 200 && status < 300) return { ok: true };
    const code: OdooErrorCode =
      status >= 500 || status === 408 || status === 429
        ? 'ODOO_SERVER_ERROR'
        : status >= 400
          ? 'ODOO_REJECTED'
          : 'ODOO_BAD_ANSWER';
    return { ok: false, reason: `Odoo answered ${status}: ${describeAnswer(out)}`, code, status };
  }

  close(): Promise<void> {
    return this.#poster.close();
  }
}
