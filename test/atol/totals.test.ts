import { afterEach, describe, expect, test } from 'vitest';
import { type Stack, startStack } from '../../src/entry/start-stack.ts';
import { API_T0 } from '../helpers/adapter.ts';
import { PosClient, sellTask } from './pos-client.ts';

/**
 * The shift's totals are read from the register's counters, as a real ATOL server reads them:
 * nothing is printed, so they answer with the paper out and add no document.
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

const lastDoc = async (stack: Stack) => (await stack.device.status()).fn.lastFiscalDocNumber;

describe('shift totals', () => {
  test('queryShiftTotals and getShiftTotals print nothing: they answer with the paper out', async () => {
    const { stack, pos } = await start();
    expect((await pos.run([sellTask()]))[0].status).toBe('ready');
    const before = await lastDoc(stack);
    stack.device.setFaults({ paperOut: true });
    const q = await pos.call('POST', '/api/v2/operations/queryShiftTotals');
    expect(q.status).toBe(200);
    expect(q.body.shiftTotals.receiptsTotals.sell).toMatchObject({ count: 1, sum: 146.3 });
    const [task] = await pos.run([{ type: 'getShiftTotals' }]);
    expect(task.status).toBe('ready');
    expect(task.result.shiftTotals.receiptsTotals.sell).toMatchObject({ count: 1, sum: 146.3 });
    // An X report still needs paper.
    expect((await pos.run([{ type: 'reportX' }]))[0].error.code).not.toBe(0);
    expect(await lastDoc(stack)).toBe(before);
  });
});
