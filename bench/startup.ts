import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { freePort, REPO_ROOT, spawnAdapter } from '../test/helpers/adapter-child.ts';
import { sampleReceipt } from '../test/helpers/sample-receipt.ts';

/**
 * Start-up with a full data dir: `count` receipts printed by `kkt-emu adapter` with no ОФД (so
 * all stay pending, and the ФН archive holds as many documents), then `kkt-emu up` started
 * `runs` times on that dir, each timed from spawn to the first answer of GET /v1/health. The ОФД
 * URL points at a closed port so the receipts stay pending from one start to the next.
 */
export interface StartupResult {
  pending: number;
  documents: number;
  dataDirBytes: number;
  /** ms per start, in run order. */
  runs: number[];
  median: number;
  /** Whether those starts ran the compiled build (dist/bundle) or the sources through tsx. */
  compiled: boolean;
}

const BODY = JSON.stringify(sampleReceipt());

function dirBytes(dir: string): number {
  return readdirSync(dir, { withFileTypes: true }).reduce(
    (n, e) => n + (e.isDirectory() ? dirBytes(join(dir, e.name)) : statSync(join(dir, e.name)).size),
    0,
  );
}

async function fill(dir: string, count: number): Promise<void> {
  const adapter = await spawnAdapter({
    dataDir: dir,
    command: 'adapter',
    logLevel: 'silent',
    env: { KKT_BUFFER_MAX_SIZE: String(count * 2) },
  });
  try {
    const load = await autocannon({
      url: adapter.url,
      connections: Math.min(50, count),
      amount: count,
      timeout: 30,
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
    if (load['2xx'] !== count) throw new Error(`startup: only ${load['2xx']} of ${count} receipts printed`);
  } finally {
    await adapter.stop(30_000);
  }
}

/** One `kkt-emu up` start: ms from spawn to the first answer of GET /v1/health. */
async function timeStart(dir: string, count: number, deadOfd: string): Promise<{ ms: number; pending: number }> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const started = performance.now();
  const child = spawn(process.execPath, ['bin/kkt-emu.js', 'up'], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      NODE_OPTIONS: '',
      KKT_DATA_DIR: dir,
      KKT_HTTP_HOST: '127.0.0.1',
      KKT_HTTP_PORT: String(port),
      KKT_OFD_PORT: '0',
      KKT_ODOO_PORT: '0',
      KKT_ATOL_PORT: '0',
      KKT_OFD_API_URL: deadOfd,
      KKT_BUFFER_MAX_SIZE: String(count * 2),
      LOG_LEVEL: 'silent',
    },
    stdio: 'ignore',
  });
  const exited = new Promise((r) => child.once('exit', r));
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`startup: kkt-emu up exited with ${child.exitCode}`);
      const res = await fetch(`${url}/v1/health`).catch(() => undefined);
      // A 404 is one of the child's own mocks that got this port first (the child then exits).
      if (res?.status === 404) await res.arrayBuffer();
      else if (res) {
        const ms = performance.now() - started;
        await res.arrayBuffer();
        const buffer = (await (await fetch(`${url}/v1/kkt/buffer/status`)).json()) as { pending: number };
        return { ms, pending: buffer.pending };
      }
      if (performance.now() - started > 60_000) throw new Error('startup: not serving after 60 s');
      await new Promise((r) => setTimeout(r, 5));
    }
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
}

export async function benchStartup(count: number, runs: number, compiled: boolean): Promise<StartupResult> {
  const dir = mkdtempSync(join(tmpdir(), 'kkt-bench-startup-'));
  try {
    await fill(dir, count);
    // A loopback port nobody listens on: every ОФД call is refused at once.
    const deadOfd = `http://127.0.0.1:${await freePort()}`;
    const times: number[] = [];
    let pending = 0;
    for (let i = 0; i < runs; i++) {
      const r = await timeStart(dir, count, deadOfd);
      times.push(r.ms);
      pending = r.pending;
    }
    const sorted = [...times].sort((a, b) => a - b);
    return {
      pending,
      documents: count,
      dataDirBytes: dirBytes(dir),
      runs: times,
      median: sorted[Math.floor(sorted.length / 2)] as number,
      compiled,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
