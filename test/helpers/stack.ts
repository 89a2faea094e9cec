import { type Stack, type StackOptions, startStack } from '../../src/entry/start-stack.ts';
import type { Json } from './adapter.ts';
import { callJson } from './http.ts';
import { sampleReceipt } from './sample-receipt.ts';

export { sampleReceipt };

/** Settings that make the ОФД scenarios quick: short intervals, small backoff. */
export const FAST_SYNC_ENV: Record<string, string> = {
  KKT_HLC_SYNC_INTERVAL: '0.2',
  KKT_CIRCUIT_BREAKER_THRESHOLD: '5',
  KKT_CIRCUIT_BREAKER_TIMEOUT: '60',
  KKT_OFD_RETRY_ATTEMPTS: '3',
  KKT_OFD_TIMEOUT: '5',
  KKT_HEARTBEAT_INTERVAL: '0.2',
};

export interface HttpStack extends Stack {
  get(url: string): Promise<{ status: number; body: Json }>;
  send(
    method: string,
    url: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<{ status: number; body: Json }>;
  receipt(key: string, body?: unknown): Promise<{ status: number; body: Json }>;
  bufferStatus(): Promise<Json>;
  health(): Promise<Json>;
  ofdState(): Promise<Json>;
}

/** The whole stack on loopback ports, spoken to over real HTTP only. */
export async function startHttpStack(env: Record<string, string> = {}, options: StackOptions = {}): Promise<HttpStack> {
  const stack = await startStack({
    env: { ...FAST_SYNC_ENV, ...env },
    sync: { kickMs: 10, backoffBaseMs: 5, backoffMaxMs: 20 },
    ...options,
  });
  const send = callJson;
  const get = (url: string) => send('GET', url);
  return Object.assign(stack, {
    get,
    send,
    receipt: (key: string, body: unknown = sampleReceipt()) =>
      send('POST', `${stack.url}/v1/kkt/receipt`, body, { 'idempotency-key': key }),
    bufferStatus: async () => (await get(`${stack.url}/v1/kkt/buffer/status`)).body,
    health: async () => (await get(`${stack.url}/v1/health`)).body,
    ofdState: async () => (await get(`${stack.ofdUrl}/ofd/v1/_test/receipts`)).body,
  });
}

/**
 * Polls until `check` returns a truthy value. The bound is a liveness guard (a hung worker
 * fails the test instead of hanging CI), not a speed assertion.
 */
export async function eventually<T>(
  check: () => Promise<T | undefined | false>,
  what: string,
  boundMs = 15000,
): Promise<T> {
  const until = Date.now() + boundMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return v;
      last = v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > until) throw new Error(`gave up waiting for ${what} (last: ${String(last)})`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
