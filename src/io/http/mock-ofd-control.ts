import { request } from 'undici';

/** What the mock ОФД answered, or why it did not. */
export type MockOfdAnswer = { kind: 'answer'; status: number; body: unknown } | { kind: 'unreachable'; reason: string };

const TIMEOUT_MS = 5000;
/** The mock's answers to these routes are a few hundred bytes. */
const MAX_BYTES = 64 * 1024;

/**
 * The mock ОФД's test routes (`PUT /ofd/v1/_test/faults`, `GET /ofd/v1/health`), called by the
 * adapter for the console in mock mode: the page cannot reach another port without CORS, and the
 * adapter already knows the ОФД's URL (KKT_OFD_API_URL, or the embedded mock of `kkt-emu up`).
 */
export class MockOfdControl {
  private readonly base: string;

  constructor(readonly url: string) {
    this.base = url.replace(/\/+$/, '');
  }

  setFaults(body: unknown): Promise<MockOfdAnswer> {
    return this.call('PUT', '/ofd/v1/_test/faults', body);
  }

  health(): Promise<MockOfdAnswer> {
    return this.call('GET', '/ofd/v1/health');
  }

  private async call(method: 'GET' | 'PUT', path: string, body?: unknown): Promise<MockOfdAnswer> {
    try {
      const res = await request(`${this.base}${path}`, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        headersTimeout: TIMEOUT_MS,
        bodyTimeout: TIMEOUT_MS,
      });
      const text = await res.body.text();
      if (text.length > MAX_BYTES) return { kind: 'unreachable', reason: 'the ОФД answered more than 64 KiB' };
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        // Not JSON (a real ОФД's error page): relayed as text.
      }
      return { kind: 'answer', status: res.statusCode, body: parsed };
    } catch (e) {
      return { kind: 'unreachable', reason: e instanceof Error ? e.message : String(e) };
    }
  }
}
