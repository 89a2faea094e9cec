import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { spawnAdapter } from '../test/helpers/adapter-child.ts';
import { sampleReceipt } from '../test/helpers/sample-receipt.ts';

/**
 * The ОФД drain: `kkt-emu up` (adapter + device + mock ОФД in one process) with the ОФД down
 * collects `count` receipts; then the ОФД recovers, one manual sync forces the breaker's probe,
 * and the worker chains passes until the buffer is empty. Measured from the recovery to
 * `pending = 0`.
 */
export interface DrainResult {
  count: number;
  seconds: number;
  rate: number;
  ofdCalls: number;
  duplicates: number;
  documents: number;
  batchSize: number;
  /** CPU of the adapter's main thread (its event loop) per drained receipt, µs (Linux only). */
  mainThreadCpuUs?: number;
  /** CPU of the whole process per drained receipt, µs (Linux only). */
  processCpuUs?: number;
}

/** CPU seconds of a process, or of one of its threads (`/proc/<pid>/task/<tid>/stat`). */
function cpuSeconds(pid: number | undefined, tid?: number): number | undefined {
  if (pid === undefined) return undefined;
  const path = tid === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${tid}/stat`;
  if (!existsSync(path)) return undefined;
  const fields = readFileSync(path, 'utf8')
    .replace(/^.*\) /, '')
    .split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

const BODY = JSON.stringify(sampleReceipt());

async function json<T>(url: string, init?: RequestInit): Promise<T> {
  const res = await fetch(url, init);
  return (await res.json()) as T;
}

export async function benchDrain(count: number, batchSize: number): Promise<DrainResult> {
  const dir = mkdtempSync(join(tmpdir(), 'kkt-bench-drain-'));
  const adapter = await spawnAdapter({
    dataDir: dir,
    logLevel: 'silent',
    env: {
      KKT_BUFFER_MAX_SIZE: String(count * 2),
      KKT_SYNC_BATCH_SIZE: String(batchSize),
      KKT_CIRCUIT_BREAKER_TIMEOUT: '3600',
      KKT_HLC_SYNC_INTERVAL: '3600',
    },
  });
  try {
    const health = await json<{ components: { ofd: { url: string } } }>(`${adapter.url}/v1/health`);
    const ofd = health.components.ofd.url;
    await fetch(`${ofd}/ofd/v1/_test/faults`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ permanent_failure: true }),
    });
    const load = await autocannon({
      url: adapter.url,
      connections: 20,
      amount: count,
      requests: [
        {
          method: 'POST',
          path: '/v1/kkt/receipt',
          headers: { 'content-type': 'application/json' },
          body: BODY,
          setupRequest: (r) => ({ ...r, headers: { ...r.headers, 'idempotency-key': randomUUID() } }),
        },
      ],
    });
    if (load['2xx'] !== count) throw new Error(`drain: only ${load['2xx']} of ${count} receipts printed`);
    const buffer = () => json<{ pending: number; synced: number }>(`${adapter.url}/v1/kkt/buffer/status`);
    if ((await buffer()).pending !== count) throw new Error('drain: receipts did not wait in the buffer');
    await fetch(`${ofd}/ofd/v1/_test/faults`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    const pid = adapter.child.pid;
    const cpuBefore = { main: cpuSeconds(pid, pid), all: cpuSeconds(pid) };
    const start = performance.now();
    await fetch(`${adapter.url}/v1/kkt/buffer/sync`, { method: 'POST' });
    for (;;) {
      if ((await buffer()).pending === 0) break;
      if (performance.now() - start > 120_000) throw new Error('drain: gave up after 120 s');
      await new Promise((r) => setTimeout(r, 5));
    }
    const seconds = (performance.now() - start) / 1000;
    const cpuAfter = { main: cpuSeconds(pid, pid), all: cpuSeconds(pid) };
    const perReceipt = (a?: number, b?: number) =>
      a === undefined || b === undefined ? undefined : Math.round(((b - a) * 1e6) / count);
    const mainThreadCpuUs = perReceipt(cpuBefore.main, cpuAfter.main);
    const processCpuUs = perReceipt(cpuBefore.all, cpuAfter.all);
    const at = await json<{ receipts: unknown[]; documents: unknown[]; call_count: number; duplicates: number }>(
      `${ofd}/ofd/v1/_test/receipts`,
    );
    if (at.receipts.length !== count) throw new Error(`drain: the ОФД holds ${at.receipts.length} of ${count}`);
    return {
      count,
      seconds,
      rate: count / seconds,
      ofdCalls: at.call_count,
      duplicates: at.duplicates,
      documents: at.documents.length,
      batchSize,
      ...(mainThreadCpuUs !== undefined ? { mainThreadCpuUs } : {}),
      ...(processCpuUs !== undefined ? { processCpuUs } : {}),
    };
  } finally {
    await adapter.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await benchDrain(Number(process.env.DRAIN_COUNT ?? 10_000), Number(process.env.DRAIN_BATCH ?? 50));
  console.log(JSON.stringify(r));
}
