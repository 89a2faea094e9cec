import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/entry/config.ts';
import { type RunningAdapter, startAdapter } from '../../src/entry/start-adapter.ts';
import { VirtualClock } from '../../src/io/clock.ts';
import { type AdapterChild, freePort, retryOnTakenPort, spawnAdapter } from './adapter-child.ts';

/** A minute-aligned instant in 2026 (11:00 Moscow time), so document times equal the clock. */
export const API_T0 = Date.UTC(2026, 10, 25, 8, 0);

/** A parsed JSON answer; tests read it freely and assert its shape. */
// biome-ignore lint/suspicious/noExplicitAny: answers are free-form JSON checked by the assertions
export type Json = any;

export interface HttpAnswer<T = Json> {
  status: number;
  headers: Headers;
  contentType: string;
  text: string;
  body: T;
}

export interface TestAdapter {
  running: RunningAdapter;
  url: string;
  dir: string;
  clock: VirtualClock;
  request<T = Json>(method: string, path: string, options?: RequestOptions): Promise<HttpAnswer<T>>;
  get<T = Json>(path: string, headers?: Record<string, string>): Promise<HttpAnswer<T>>;
  post<T = Json>(path: string, body?: unknown, headers?: Record<string, string>): Promise<HttpAnswer<T>>;
  put<T = Json>(path: string, body?: unknown, headers?: Record<string, string>): Promise<HttpAnswer<T>>;
  /** POST /v1/kkt/receipt with an Idempotency-Key. */
  receipt<T = Json>(key: string, body: unknown, headers?: Record<string, string>): Promise<HttpAnswer<T>>;
  /** fn.last_fiscal_doc_number from GET /v1/kkt/status. */
  lastDocNumber(): Promise<number>;
  close(): Promise<void>;
}

export interface RequestOptions {
  headers?: Record<string, string>;
  /** JSON-encoded unless `raw` is given. */
  json?: unknown;
  /** Sent as is (with content-type application/json unless headers say otherwise). */
  raw?: string;
}

/** Default headers every request carries (e.g. the bearer token). */
export interface StartTestOptions {
  headers?: Record<string, string>;
  clockStart?: number;
}

export { sampleReceipt } from './sample-receipt.ts';

/**
 * Settings a whole test file can put under every adapter it starts: test/shtrih/api-over-wire
 * runs the test/api suites again with the adapter speaking Shtrih-M to the emulated device.
 */
const driverEnv = (): Record<string, string> =>
  process.env.KKT_TEST_DRIVER_ENV ? JSON.parse(process.env.KKT_TEST_DRIVER_ENV) : {};

/**
 * Whether the adapters of this file drive kkt-emu's ATOL server in another process: the few
 * checks that need the device in-process (its clock, documents the driver did not make) skip then.
 */
export const overAtol = (): boolean => Boolean(driverEnv().KKT_TEST_ATOL_CHILD);

/** Settings that belong to the adapter under test, not to the ATOL server's process behind it. */
const ADAPTER_ONLY = /^KKT_(MODE|API_TOKEN|BUFFER_|HTTP_|DATA_DIR|DRIVER_TYPE|TEST_)/;

/**
 * With `KKT_TEST_ATOL_CHILD` in KKT_TEST_DRIVER_ENV, the device is kkt-emu's own ATOL Web
 * Requests server in another process (`node bin/kkt-emu.js up`, fiscal clock at `start`,
 * manual), and the adapter drives it with KKT_DRIVER_TYPE=atol.
 */
async function atolChild(
  dir: string,
  env: Record<string, string>,
  start: number,
): Promise<{ child: AdapterChild; env: Record<string, string> }> {
  const deviceEnv = Object.fromEntries(Object.entries(env).filter(([k]) => !ADAPTER_ONLY.test(k)));
  return retryOnTakenPort(async () => {
    const atolPort = await freePort();
    const child = await spawnAdapter({
      dataDir: join(dir, 'atol-server'),
      logLevel: 'silent',
      env: {
        ...deviceEnv,
        KKT_ATOL_PORT: String(atolPort),
        KKT_CLOCK_START: new Date(start).toISOString(),
        KKT_CLOCK_MANUAL: 'true',
        KKT_HLC_SYNC_INTERVAL: '3600',
      },
    });
    return { child, env: { KKT_DRIVER_TYPE: 'atol', KKT_ATOL_URL: `http://127.0.0.1:${atolPort}` } };
  });
}

/**
 * Starts the adapter with its emulated device on a loopback port, a fresh data dir, no print
 * delay and a manual virtual clock (time moves only through `clock.advance` or the emulator API).
 */
export async function startTestAdapter(
  env: Record<string, string> = {},
  options: StartTestOptions = {},
): Promise<TestAdapter> {
  const dir = mkdtempSync(join(tmpdir(), 'kkt-api-'));
  const clock = new VirtualClock({ manual: true, start: options.clockStart ?? API_T0 });
  let running: RunningAdapter;
  let child: AdapterChild | undefined;
  try {
    let base = driverEnv();
    if (base.KKT_TEST_ATOL_CHILD) {
      const atol = await atolChild(dir, env, options.clockStart ?? API_T0);
      child = atol.child;
      base = atol.env;
    }
    const config = loadConfig({
      KKT_DATA_DIR: dir,
      KKT_HTTP_HOST: '127.0.0.1',
      KKT_HTTP_PORT: '0',
      KKT_PRINT_DELAY_MS: '0',
      ...base,
      ...env,
    });
    running = await startAdapter(config, { clock });
  } catch (e) {
    await child?.kill();
    clock.dispose();
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  const url = running.url;
  const defaults = options.headers ?? {};

  async function request<T>(method: string, path: string, o: RequestOptions = {}): Promise<HttpAnswer<T>> {
    const headers: Record<string, string> = { ...defaults, ...(o.headers ?? {}) };
    let body: string | undefined;
    if (o.raw !== undefined) body = o.raw;
    else if (o.json !== undefined) body = JSON.stringify(o.json);
    if (body !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type'))
      headers['content-type'] = 'application/json';
    const res = await fetch(url + path, { method, headers, ...(body !== undefined ? { body } : {}) });
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    return {
      status: res.status,
      headers: res.headers,
      contentType: res.headers.get('content-type') ?? '',
      text,
      body: parsed as T,
    };
  }

  const t: TestAdapter = {
    running,
    url,
    dir,
    clock,
    request,
    get: (path, headers) => request('GET', path, headers ? { headers } : {}),
    post: (path, json, headers) =>
      request('POST', path, { ...(json !== undefined ? { json } : {}), ...(headers ? { headers } : {}) }),
    put: (path, json, headers) =>
      request('PUT', path, { ...(json !== undefined ? { json } : {}), ...(headers ? { headers } : {}) }),
    receipt: (key, json, headers) =>
      request('POST', '/v1/kkt/receipt', { json, headers: { 'idempotency-key': key, ...(headers ?? {}) } }),
    async lastDocNumber() {
      const s = await request<{ fn: { last_fiscal_doc_number: number } }>('GET', '/v1/kkt/status');
      if (s.status !== 200) throw new Error(`GET /v1/kkt/status answered ${s.status}: ${s.text}`);
      return s.body.fn.last_fiscal_doc_number;
    },
    async close() {
      try {
        await running.close();
        await child?.stop();
      } finally {
        clock.dispose();
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
  return t;
}

/** Asserts the RFC 9457 shape API.md requires of every error; returns the body. */
export function problemShape(a: HttpAnswer): {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  errors?: { path: string; message: string }[];
} {
  const b = a.body as Record<string, unknown> | undefined;
  const ok =
    a.contentType.startsWith('application/problem+json') &&
    b !== undefined &&
    typeof b.type === 'string' &&
    typeof b.title === 'string' &&
    b.status === a.status &&
    typeof b.detail === 'string' &&
    typeof b.code === 'string';
  if (!ok) throw new Error(`not a problem+json answer (${a.status}, ${a.contentType}): ${a.text.slice(0, 500)}`);
  return b as never;
}
