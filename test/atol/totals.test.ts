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

  test('incomeTotals / outcomeTotals are the shift cash-ins and cash-outs ("Итоги по внесениям / по выплатам")', async () => {
    const { stack, pos } = await start();
    for (const task of [
      sellTask(),
      { type: 'cashIn', cashSum: 500 },
      { type: 'cashIn', cashSum: 250.5 },
      { type: 'cashOut', cashSum: 100 },
      sellTask({ type: 'sellReturn' }),
    ])
      expect((await pos.run([task]))[0].status).toBe('ready');
    const income = { sum: 750.5, count: 2 };
    const outcome = { sum: 100, count: 1 };
    const q = (await pos.call('POST', '/api/v2/operations/queryShiftTotals')).body.shiftTotals;
    expect(q).toMatchObject({ incomeTotals: income, outcomeTotals: outcome });
    expect(q.receiptsTotals.sell).toMatchObject({ count: 1, sum: 146.3 });
    expect((await pos.call('POST', '/api/v2/operations/queryIncomeTotals')).body).toEqual({ incomeTotals: income });
    expect((await pos.call('POST', '/api/v2/operations/queryOutcomeTotals')).body).toEqual({ outcomeTotals: outcome });
    const [task] = await pos.run([{ type: 'getShiftTotals' }]);
    expect(task.result.shiftTotals).toMatchObject({ incomeTotals: income, outcomeTotals: outcome });
    // A new shift starts from nothing.
    expect((await pos.run([{ type: 'closeShift' }]))[0].status).toBe('ready');
    // The emulator tells shifts apart by time: the manual clock moves on before the next one.
    stack.clock.advance(60_000);
    expect((await pos.run([{ type: 'openShift' }]))[0].status).toBe('ready');
    expect((await pos.call('POST', '/api/v2/operations/queryIncomeTotals')).body).toEqual({
      incomeTotals: { sum: 0, count: 0 },
    });
  });
});

describe('clientInfo', () => {
  test('name and vatin reach the document as 1227 / 1228; a bad vatin is refused, nothing printed', async () => {
    const { stack, pos } = await start();
    const [r] = await pos.run([
      sellTask({ clientInfo: { emailOrPhone: 'buyer@example.com', name: 'ООО Покупатель', vatin: '7707083893' } }),
    ]);
    expect(r.status, JSON.stringify(r)).toBe('ready');
    const doc = await stack.device.getDocument(r.result.fiscalParams.fiscalDocumentNumber);
    expect(doc?.kind === 'receipt' ? doc.customer : undefined).toEqual({ name: 'ООО Покупатель', inn: '7707083893' });
    const before = await lastDoc(stack);
    const [bad] = await pos.run([sellTask({ clientInfo: { vatin: '7707083890' } })]);
    expect(bad.status).toBe('error');
    expect(bad.error.description).toContain('clientInfo.vatin');
    expect(await lastDoc(stack)).toBe(before);
  });
});
