import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, test } from 'vitest';
import type { KktDriver } from '../../src/device/driver.ts';
import { type Stack, startStack } from '../../src/entry/start-stack.ts';
import { API_T0 } from '../helpers/adapter.ts';
import { type Json, PosClient, sellTask } from './pos-client.ts';

/**
 * The run-time `blocked` path (docs/atol.md "Durable queue, crashes and blocked"): the link to
 * the device drops in the middle of a fiscal task, so the server cannot know whether the document
 * was made. As the real server does, the task becomes `blocked`, the queue stops (new requests
 * are accepted with `isBlocked: true` and wait), and the task is decided from the ФН once the
 * device answers again: `ready` with `warnings.recovered` when the document exists, else `error`
 * with the blocking error; the rest of its request stays `interrupted`.
 *
 * The lost link is simulated on the adapter's driver object (the one the queue and the
 * Fiscalizer share): an operation that reaches the device and then throws a non-refusal, and
 * look-ups that throw while the link is "down".
 */

const stacks: Stack[] = [];
async function start() {
  const stack = await startStack({ clockStart: API_T0, manualClock: true });
  stacks.push(stack);
  return { stack, pos: new PosClient(stack.atolUrl) };
}
afterEach(async () => {
  await Promise.all(stacks.splice(0).map((s) => s.stop()));
});

type Patchable = Record<string, (...args: unknown[]) => Promise<unknown>>;

/**
 * Cuts the link during the next call of `method`: with `reached`, the device does the operation
 * and the answer is lost; without, nothing reaches it. Until the test sets `down` back to false,
 * reading the archive fails too (the outcome stays unknown).
 */
function cutLink(driver: KktDriver, method: keyof KktDriver, reached: boolean) {
  const d = driver as unknown as Patchable;
  const original = d[method] as (...args: unknown[]) => Promise<unknown>;
  const findReceipt = d.findReceipt as (...args: unknown[]) => Promise<unknown>;
  const findCash = d.findCashMovement as (...args: unknown[]) => Promise<unknown>;
  const getDocument = d.getDocument as (...args: unknown[]) => Promise<unknown>;
  const link = { down: false };
  const lost = () => Promise.reject(new Error('link to the ККТ lost'));
  d[method] = async (...args: unknown[]) => {
    d[method] = original.bind(driver);
    link.down = true;
    if (reached) await original.apply(driver, args);
    return lost();
  };
  d.findReceipt = (...args) => (link.down ? lost() : findReceipt.apply(driver, args));
  d.findCashMovement = (...args) => (link.down ? lost() : findCash.apply(driver, args));
  d.getDocument = (...args) => (link.down ? lost() : getDocument.apply(driver, args));
  return link;
}

async function until(pos: PosClient, uuid: string, status: string): Promise<Json[]> {
  for (let i = 0; i < 400; i++) {
    const results = (await pos.results(uuid)).body.results as Json[];
    if (results[0].status === status) return results;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`request ${uuid} never became ${status}`);
}

const lastDoc = async (stack: Stack) => (await stack.device.status()).fn.lastFiscalDocNumber;

describe('a fiscal task whose outcome the link lost', () => {
  test('sell printed, answer lost: blocked, the queue waits, then ready (recovered) from the ФН', async () => {
    const { stack, pos } = await start();
    await pos.run([{ type: 'openShift' }]);
    const before = await lastDoc(stack);
    const link = cutLink(stack.adapter.driver, 'printReceipt', true);
    const uuid = randomUUID();
    expect((await pos.post([sellTask(), { type: 'getDeviceStatus' }], uuid)).status).toBe(201);
    const blocked = await until(pos, uuid, 'blocked');
    expect(blocked[0].error).toEqual({ code: 2, description: 'Нет связи' });
    expect(blocked[0].result).toBeNull();
    expect((await pos.call('GET', '/api/v2/getRequestsQueueStatus')).body).toMatchObject({
      isBlocked: true,
      blockReason: 'connectionError',
      blockedUUID: uuid,
    });
    // New requests are accepted and told the queue is blocked; they wait.
    const next = randomUUID();
    const added = await pos.post([{ type: 'getShiftStatus' }], next);
    expect(added.status).toBe(201);
    expect(added.body).toMatchObject({ isBlocked: true, blockedUUID: uuid });
    await new Promise((r) => setTimeout(r, 1200));
    expect((await pos.results(next)).body.results[0].status).toBe('wait');
    expect((await pos.results(uuid)).body.results[0].status).toBe('blocked');
    const health: Json = await (await fetch(`${stack.url}/v1/health`)).json();
    expect(health.components.atol).toMatchObject({ status: 'blocked', blocked_uuid: uuid });

    link.down = false;
    const [sold, status] = await pos.waitFor(uuid);
    expect(sold.status).toBe('ready');
    expect(sold.error).toEqual({ code: 0, description: 'Ошибок нет' });
    expect(sold.result.warnings.recovered).toBe(true);
    expect(sold.result.fiscalParams.fiscalDocumentNumber).toBe(before + 1);
    expect(status.status).toBe('interrupted');
    expect(await lastDoc(stack)).toBe(before + 1);
    const doc = await stack.device.getDocument(before + 1);
    expect(doc?.kind === 'receipt' && doc.total).toBe(14630);
    expect((await pos.waitFor(next))[0].status).toBe('ready');
    expect((await pos.call('GET', '/api/v2/getRequestsQueueStatus')).body).toMatchObject({ isBlocked: false });
  });

  test('sell never reached the device: blocked, then error with the blocking code; nothing printed', async () => {
    const { stack, pos } = await start();
    await pos.run([{ type: 'openShift' }]);
    const before = await lastDoc(stack);
    const link = cutLink(stack.adapter.driver, 'printReceipt', false);
    const uuid = randomUUID();
    await pos.post([sellTask(), sellTask()], uuid);
    await until(pos, uuid, 'blocked');
    link.down = false;
    const results = await pos.waitFor(uuid);
    expect(results.map((r) => r.status)).toEqual(['error', 'interrupted']);
    expect(results[0].error).toEqual({ code: 2, description: 'Нет связи' });
    expect(await lastDoc(stack)).toBe(before);
    // The POS sends it again under a new uuid: printed once.
    const [again] = await pos.run([sellTask()]);
    expect(again.result.fiscalParams.fiscalDocumentNumber).toBe(before + 1);
  });

  test('cashOut paid, answer lost: blocked, then ready with the drawer the device kept; paid once', async () => {
    const { stack, pos } = await start();
    await pos.run([{ type: 'cashIn', cashSum: 1000 }]);
    const link = cutLink(stack.adapter.driver, 'cashOut', true);
    const uuid = randomUUID();
    await pos.post([{ type: 'cashOut', cashSum: 300 }], uuid);
    await until(pos, uuid, 'blocked');
    link.down = false;
    const [out] = await pos.waitFor(uuid);
    expect(out).toMatchObject({ status: 'ready', result: { counters: { cashSum: 700 } } });
    expect((await stack.device.status()).cashBalance).toBe(70000);
  });

  test('reportOfdExchangeStatus printed, answer lost: decided by the ФН documents after the saved number', async () => {
    const { stack, pos } = await start();
    await pos.run([sellTask()]);
    const before = await lastDoc(stack);
    const link = cutLink(stack.adapter.driver, 'settlementReport', true);
    const uuid = randomUUID();
    await pos.post([{ type: 'reportOfdExchangeStatus' }], uuid);
    await until(pos, uuid, 'blocked');
    // A look while the archive cannot be read leaves it blocked (and the server running).
    await new Promise((r) => setTimeout(r, 1200));
    expect((await pos.results(uuid)).body.results[0].status).toBe('blocked');
    link.down = false;
    const [report] = await pos.waitFor(uuid);
    expect(report.status).toBe('ready');
    expect(report.result.warnings.recovered).toBe(true);
    expect(report.result.fiscalParams.fiscalDocumentNumber).toBe(before + 1);
    expect((await stack.device.getDocument(before + 1))?.kind).toBe('settlementReport');
  });
});
