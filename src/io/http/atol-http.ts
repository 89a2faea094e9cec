import { Pool } from 'undici';

export interface AtolHttpOptions {
  baseUrl: string;
  user?: string;
  password?: string;
  timeoutMs: number;
}

export interface AtolAnswer {
  status: number;
  /** The parsed JSON body, or undefined for an empty or non-JSON one. */
  body: unknown;
}

/**
 * The HTTP transport of the atol driver: JSON to and from an ATOL Web Requests server, HTTP
 * Basic when configured, one keep-alive pool. Network failures and timeouts reject.
 */
export class AtolHttp {
  readonly #pool: Pool;
  readonly #auth: string | undefined;
  readonly #prefix: string;

  constructor(private readonly o: AtolHttpOptions) {
    const url = new URL(o.baseUrl);
    this.#pool = new Pool(url.origin, { connections: 8, pipelining: 1 });
    this.#prefix = url.pathname.replace(/\/+$/, '');
    this.#auth =
      o.user !== undefined ? `Basic ${Buffer.from(`${o.user}:${o.password ?? ''}`).toString('base64')}` : undefined;
  }

  async request(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<AtolAnswer> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.#auth) headers.authorization = this.#auth;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await this.#pool.request({
      method,
      path: this.#prefix + path,
      headers,
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      headersTimeout: this.o.timeoutMs,
      bodyTimeout: this.o.timeoutMs,
    });
    const text = await res.body.text();
    let parsed: unknown;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    return { status: res.statusCode, body: parsed };
  }

  close(): Promise<void> {
    return this.#pool.close();
  }
}
