import { randomUUID } from 'node:crypto';
import { checkAnswer } from './schemas.ts';

/** A parsed JSON answer. */
// biome-ignore lint/suspicious/noExplicitAny: answers are free-form JSON checked by the assertions
export type Json = any;

export interface Answer {
  status: number;
  headers: Headers;
  body: Json;
}

const FINAL = new Set(['ready', 'error', 'interrupted', 'canceled']);

/**
 * What a POS written for ATOL registers does against a Web Requests server: a fresh uuid,
 * POST /api/v2/requests, then GET /api/v2/requests/{uuid} until every task is final.
 */
export class PosClient {
  /** The tasks posted under each uuid, for checking each result against its task's schema. */
  private readonly posted = new Map<string, unknown[]>();

  constructor(
    readonly url: string,
    private readonly auth?: { user: string; password: string },
  ) {}

  async call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> {
    const h: Record<string, string> = { ...headers };
    if (this.auth && !('authorization' in h))
      h.authorization = `Basic ${Buffer.from(`${this.auth.user}:${this.auth.password}`).toString('base64')}`;
    if (body !== undefined) h['content-type'] = 'application/json';
    const res = await fetch(this.url + path, {
      method,
      headers: h,
      ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      parsed = text;
    }
    // Every answer is checked against the schemas written from ATOL's OpenAPI description.
    if (path.startsWith('/api/v2/')) {
      const uuid = /^\/api\/v2\/requests\/([^?]+)/.exec(path)?.[1];
      checkAnswer(method, path, res.status, parsed, uuid ? this.posted.get(decodeURIComponent(uuid)) : undefined);
    }
    if (method === 'POST' && path.startsWith('/api/v2/requests') && res.status === 201) {
      const b = typeof body === 'string' ? JSON.parse(body) : (body as { uuid: string; request: unknown });
      this.posted.set(b.uuid, Array.isArray(b.request) ? b.request : [b.request]);
    }
    return { status: res.status, headers: res.headers, body: parsed };
  }

  post(request: unknown, uuid: string = randomUUID(), extra: Record<string, unknown> = {}): Promise<Answer> {
    return this.call('POST', '/api/v2/requests', { uuid, request, ...extra });
  }

  results(uuid: string): Promise<Answer> {
    return this.call('GET', `/api/v2/requests/${uuid}`);
  }

  /** Polls until every task is final (ready, error, interrupted, canceled); returns the results. */
  async waitFor(uuid: string, timeoutMs = 15_000): Promise<Json[]> {
    const deadline = Date.now() + timeoutMs;
    let wait = 5;
    for (;;) {
      const a = await this.results(uuid);
      if (a.status !== 200) throw new Error(`GET results of ${uuid}: ${a.status} ${JSON.stringify(a.body)}`);
      const results = a.body.results as Json[];
      if (results.every((r) => FINAL.has(r.status))) return results;
      if (Date.now() > deadline) throw new Error(`request ${uuid} not final: ${JSON.stringify(results)}`);
      await new Promise((r) => setTimeout(r, wait));
      wait = Math.min(wait * 2, 100);
    }
  }

  /** POST then poll: the whole round trip of one request. */
  async run(request: unknown, uuid: string = randomUUID()): Promise<Json[]> {
    const a = await this.post(request, uuid);
    if (a.status !== 201) throw new Error(`POST ${uuid}: ${a.status} ${JSON.stringify(a.body)}`);
    return this.waitFor(uuid);
  }
}

/** A sell task as ATOL's spec example writes it. */
export function sellTask(overrides: Record<string, unknown> = {}, item: Record<string, unknown> = {}): Json {
  return {
    type: 'sell',
    taxationType: 'osn',
    operator: { name: 'Иванов', vatin: '123654789507' },
    items: [
      {
        type: 'position',
        name: 'Бананы',
        price: 73.15,
        quantity: 2,
        amount: 146.3,
        infoDiscountAmount: 0,
        department: 1,
        measurementUnit: 'кг',
        paymentMethod: 'fullPayment',
        paymentObject: 'commodity',
        tax: { type: 'vat22' },
        ...item,
      },
    ],
    payments: [{ type: 'cash', sum: 146.3 }],
    total: 146.3,
    ...overrides,
  };
}
