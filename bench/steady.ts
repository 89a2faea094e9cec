import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { spawnAdapter } from '../test/helpers/adapter-child.ts';
import { sampleReceipt } from '../test/helpers/sample-receipt.ts';

/**
 * Does the ОФД keep pace? `kkt-emu up` takes receipts at a fixed `rate` for `seconds` while the
 * worker delivers them to the mock ОФД; pending receipts are sampled every `sampleMs`. Bounded
 * means the second half of the run does not grow: its least-squares slope is under 1 % of the
 * intake (a backlog that grows by less than that is within sampling noise).
 */
export interface SteadyResult {
  rate: number;
  seconds: number;
  accepted: number;
  samples: { t: number; pending: number }[];
  maxPending: number;
  /** Pending receipts per second over the second half (least squares). */
  slope: number;
  bounded: boolean;
  p99: number;
}

const BODY = JSON.stringify(sampleReceipt());

function slopeOf(points: { t: number; pending: number }[]): number {
  const n = points.length;
  if (n < 2) return 0;
  const mt = points.reduce((s, p) => s + p.t, 0) / n;
  const mp = points.reduce((s, p) => s + p.pending, 0) / n;
  const num = points.reduce((s, p) => s + (p.t - mt) * (p.pending - mp), 0);
  const den = points.reduce((s, p) => s + (p.t - mt) ** 2, 0);
  return den === 0 ? 0 : num / den;
}

export async function benchSteady(rate: number, seconds: number, sampleMs = 2_000): Promise<SteadyResult> {
  const dir = mkdtempSync(join(tmpdir(), 'kkt-bench-steady-'));
  const adapter = await spawnAdapter({
    dataDir: dir,
    logLevel: 'silent',
    env: { KKT_BUFFER_MAX_SIZE: String(Math.max(10_000, Math.ceil(rate * seconds * 1.5))) },
  });
  const samples: { t: number; pending: number }[] = [];
  const start = performance.now();
  const timer = setInterval(() => {
    void fetch(`${adapter.url}/v1/kkt/buffer/status`)
      .then((r) => r.json() as Promise<{ pending: number }>)
      .then((b) => samples.push({ t: (performance.now() - start) / 1000, pending: b.pending }))
      .catch(() => undefined);
  }, sampleMs);
  try {
    const load = await autocannon({
      url: adapter.url,
      connections: 50,
      overallRate: rate,
      duration: seconds,
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
    clearInterval(timer);
    const secondHalf = samples.filter((s) => s.t >= seconds / 2);
    const slope = slopeOf(secondHalf);
    return {
      rate,
      seconds,
      accepted: load['2xx'],
      samples,
      maxPending: Math.max(0, ...samples.map((s) => s.pending)),
      slope,
      bounded: slope < rate * 0.01,
      p99: load.latency.p99,
    };
  } finally {
    clearInterval(timer);
    await adapter.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
