import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/entry/config.ts';
import { type StackCore, startThreadedStack } from '../../src/entry/start-stack.ts';
import { sampleReceipt } from '../helpers/sample-receipt.ts';

const dirs: string[] = [];
const stacks: StackCore[] = [];
afterEach(async () => {
  for (const s of stacks.splice(0)) await s.stop();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function config(extra: Record<string, string> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'kkt-threaded-'));
  dirs.push(dir);
  return loadConfig({
    KKT_DATA_DIR: dir,
    KKT_HTTP_HOST: '127.0.0.1',
    KKT_HTTP_PORT: '0',
    KKT_OFD_PORT: '0',
    KKT_ODOO_PORT: '0',
    KKT_ATOL_PORT: '0',
    KKT_PRINT_DELAY_MS: '0',
    ...extra,
  });
}

/** Asks `url` from another thread; resolves with when (Date.now()) the answer arrived there. */
function fetchFromThread(url: string): Promise<{ status: number; at: number }> {
  const worker = new Worker(
    `const { parentPort, workerData } = require('node:worker_threads');
     fetch(workerData).then((r) => parentPort.postMessage({ status: r.status, at: Date.now() }));`,
    { eval: true, workerData: url },
  );
  return new Promise((resolve, reject) => {
    worker.once('message', (m) => {
      resolve(m);
      void worker.terminate();
    });
    worker.once('error', reject);
  });
}

describe('kkt-emu up: the mock ОФД and Odoo in worker threads', () => {
  it('delivers receipts to the mock ОФД in its thread', async () => {
    const stack = await startThreadedStack({}, config());
    stacks.push(stack);
    const res = await fetch(`${stack.url}/v1/kkt/receipt`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': 'threaded-1' },
      body: JSON.stringify(sampleReceipt()),
    });
    expect(res.status).toBe(200);
    const sync = (await (await fetch(`${stack.url}/v1/kkt/buffer/sync`, { method: 'POST' })).json()) as {
      synced: number;
    };
    expect(sync.synced).toBe(1);
    const held = (await (await fetch(`${stack.ofdUrl}/ofd/v1/_test/receipts`)).json()) as {
      receipts: { fiscal_doc_number: number }[];
    };
    expect(held.receipts).toHaveLength(1);
    const beats = await fetch(`${stack.odooUrl}/health`);
    expect(beats.status).toBe(200);
  });

  it('keeps serving the mocks while the adapter thread is busy', async () => {
    const stack = await startThreadedStack({}, config());
    stacks.push(stack);
    const answered = fetchFromThread(`${stack.ofdUrl}/ofd/v1/health`);
    // Hold the adapter's event loop: an in-process mock could not answer until this ends.
    const until = Date.now() + 1_500;
    while (Date.now() < until) {
      /* busy */
    }
    const { status, at } = await answered;
    expect(status).toBe(200);
    expect(at).toBeLessThan(until);
  });

  it('names the setting when a mock port is taken, and leaves nothing running', async () => {
    const first = await startThreadedStack({}, config());
    stacks.push(first);
    const taken = new URL(first.odooUrl).port;
    const err = await startThreadedStack({}, config({ KKT_ODOO_PORT: taken })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect(String((err as Error).message)).toContain(`KKT_ODOO_PORT (--odoo-port): port ${taken} is already in use`);
  });
});
