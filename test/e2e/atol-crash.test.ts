import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { PosClient, sellTask } from '../atol/pos-client.ts';
import { type AdapterChild, freePort, spawnAdapter } from '../helpers/adapter-child.ts';

/**
 * `kkt-emu up` is SIGKILLed while an ATOL `sell` is being printed (the document is in the ФН,
 * the queue has not heard back). After the restart the task is settled from the ФН archive, as
 * the real server settles a blocked task: exactly one document, and the result says so.
 */

const children: AdapterChild[] = [];
const dataDir = mkdtempSync(join(tmpdir(), 'kkt-atol-crash-'));
afterAll(async () => {
  await Promise.allSettled(children.map((c) => c.kill()));
  rmSync(dataDir, { recursive: true, force: true });
});

async function start(printDelay: string, atolPort: number): Promise<AdapterChild> {
  const child = await spawnAdapter({
    dataDir,
    printDelay,
    logLevel: 'silent',
    env: { KKT_ATOL_PORT: String(atolPort) },
  });
  children.push(child);
  return child;
}

test('a sell in flight at SIGKILL: one document after the restart, and the task tells the truth', async () => {
  const atolPort = await freePort();
  const first = await start('4000', atolPort);
  const pos = new PosClient(`http://127.0.0.1:${atolPort}`);
  const uuid = randomUUID();
  expect((await pos.post([sellTask(), { type: 'getDeviceStatus' }], uuid)).status).toBe(201);
  // Printing: the receipt is in the ФН before the paper comes out.
  for (let i = 0; i < 200 && (await pos.results(uuid)).body.results[0].status !== 'inProgress'; i++)
    await new Promise((r) => setTimeout(r, 10));
  expect((await pos.results(uuid)).body.results[0].status).toBe('inProgress');
  await new Promise((r) => setTimeout(r, 500));
  await first.kill();

  const second = await start('0', atolPort);
  const results = await pos.waitFor(uuid);
  expect(results[0].status).toBe('ready');
  expect(results[0].result.warnings).toMatchObject({ notPrinted: false, recovered: true });
  // The rest of the request stays interrupted, as on the original ATOL server.
  expect(results[1].status).toBe('interrupted');
  const status = await (await fetch(`${second.url}/v1/kkt/status`)).json();
  // 1 registration, 2 the auto-opened shift, 3 the receipt: exactly one.
  expect((status as { fn: { last_fiscal_doc_number: number } }).fn.last_fiscal_doc_number).toBe(3);
  expect(results[0].result.fiscalParams.fiscalDocumentNumber).toBe(3);
  const buffer = (await (await fetch(`${second.url}/v1/kkt/buffer/status`)).json()) as { total_receipts: number };
  expect(buffer.total_receipts).toBe(1);
  // The uuid is remembered across the crash: a replay is refused, nothing printed again.
  expect((await pos.post([sellTask()], uuid)).status).toBe(409);
  const [next] = await pos.run([sellTask()]);
  expect(next.result.fiscalParams.fiscalDocumentNumber).toBe(4);
  await second.stop();
});
