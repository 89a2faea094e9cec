import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, test } from 'vitest';
import { type Stack, startStack } from '../../src/entry/start-stack.ts';
import { API_T0 } from '../helpers/adapter.ts';
import { type Json, PosClient, sellTask } from './pos-client.ts';

/**
 * The FFD 1.2 tasks over /api/v2 (issue 12, second phase): corrections, cash in and out, the
 * drawer, the settlement report, measurementUnit and operator.vatin in the document. Each goes
 * the /v1 path (the Fiscalizer, the CashService, the driver), so the document and the refusals
 * are those of /v1. Every answer is checked against schemas written from ATOL's OpenAPI (schemas.ts).
 */

const stacks: Stack[] = [];
async function start(env: Record<string, string> = {}) {
  const stack = await startStack({ env, clockStart: API_T0, manualClock: true });
  stacks.push(stack);
  return { stack, pos: new PosClient(stack.atolUrl) };
}
afterEach(async () => {
  await Promise.all(stacks.splice(0).map((s) => s.stop()));
});

const lastDoc = async (stack: Stack) => (await stack.device.status()).fn.lastFiscalDocNumber;
const v1 = async (stack: Stack, path: string): Promise<Json> => (await fetch(stack.url + path)).json();

const correctionTask = (type: string, extra: Record<string, unknown> = {}) =>
  sellTask({ type, correctionType: 'self', correctionBaseDate: '2026.11.20', correctionBaseNumber: '', ...extra });

describe('correction tasks (Correction1.1v1.2 → POST /v1/kkt/correction)', () => {
  test('the four types print form 31 with its basis, numbered with the receipts, exactly once per uuid', async () => {
    const { stack, pos } = await start();
    const [sale] = await pos.run([sellTask()]);
    const types: [string, string][] = [
      ['sellCorrection', 'sale'],
      ['sellReturnCorrection', 'refund'],
      ['buyCorrection', 'purchase'],
      ['buyReturnCorrection', 'purchase_refund'],
    ];
    const uuids: string[] = [];
    for (const [i, [type, operation]] of types.entries()) {
      const uuid = randomUUID();
      uuids.push(uuid);
      const extra = i === 1 ? { correctionType: 'instruction', correctionBaseNumber: 'ФНС-77/1' } : {};
      const [r] = await pos.run([correctionTask(type, extra)], uuid);
      expect(r.status, JSON.stringify(r)).toBe('ready');
      expect(r.result.fiscalParams).toMatchObject({
        fiscalDocumentNumber: sale.result.fiscalParams.fiscalDocumentNumber + 1 + i,
        fiscalReceiptNumber: 2 + i,
        total: 146.3,
      });
      const doc = await stack.device.getDocument(r.result.fiscalParams.fiscalDocumentNumber);
      expect(doc?.kind).toBe('correction');
      if (doc?.kind === 'correction') {
        expect(doc.operation).toBe(operation);
        expect(doc.correction).toEqual(
          i === 1
            ? { kind: 'instruction', date: '2026-11-20', number: 'ФНС-77/1' }
            : { kind: 'self', date: '2026-11-20' },
        );
      }
    }
    const before = await lastDoc(stack);
    expect((await pos.post([correctionTask('sellCorrection')], uuids[0])).status).toBe(409);
    expect(await lastDoc(stack)).toBe(before);
    // The FNS view of /v1 shows the basis (1173, 1178, 1179).
    const docs: Json = await v1(stack, `/v1/kkt/documents?from=${before - 2}`);
    expect(docs.documents.map((d: Json) => d.type)).toEqual([31, 31, 31]);
    expect(docs.documents[0].fns).toMatchObject({
      code: 31,
      correctionType: 1,
      correctionBase: { correctionDocumentDate: '2026-11-20T00:00:00', correctionDocumentNumber: 'ФНС-77/1' },
    });
    // In the buffer, and to the ОФД, like a receipt.
    expect((await v1(stack, '/v1/kkt/buffer/status')).total_receipts).toBe(5);
  });

  test.each([
    ['no correctionType', { correctionType: undefined }, 8, /'correctionType'/],
    ['an unknown correctionType', { correctionType: 'later' }, 13, /'correctionType'/],
    ['no correctionBaseDate', { correctionBaseDate: undefined }, 8, /'correctionBaseDate'/],
    ['a date not in ГГГГ.ММ.ДД', { correctionBaseDate: '20.11.2026' }, 13, /'correctionBaseDate'/],
    ['no such day', { correctionBaseDate: '2026.02.30' }, 13, /'correctionBaseDate'/],
    ['a date after the correction', { correctionBaseDate: '2026.12.01' }, 13, /'correctionBaseDate'/],
    ['by instruction without a number', { correctionType: 'instruction' }, 13, /'correctionBaseNumber'/],
  ])('%s → its driver code, nothing printed', async (_label, extra, code, text) => {
    const { stack, pos } = await start();
    const before = await lastDoc(stack);
    const [r] = await pos.run([correctionTask('sellCorrection', extra)]);
    expect(r.status).toBe('error');
    expect(r.error.code).toBe(code);
    expect(r.error.description).toMatch(text);
    expect(await lastDoc(stack)).toBe(before);
  });
});

describe('cash tasks (CashMovement → POST /v1/kkt/cash/in|out)', () => {
  test('cashIn and cashOut move the drawer once per uuid; beyond the balance is 80 and nothing moves', async () => {
    const { stack, pos } = await start();
    const inUuid = randomUUID();
    const [cashIn] = await pos.run([{ type: 'cashIn', cashSum: 1000, operator: { name: 'Иванов' } }], inUuid);
    expect(cashIn).toMatchObject({ status: 'ready', result: { counters: { cashSum: 1000 } } });
    expect((await pos.post([{ type: 'cashIn', cashSum: 1000 }], inUuid)).status).toBe(409);
    const [out] = await pos.run([{ type: 'cashOut', cashSum: 250.5 }]);
    expect(out.result.counters.cashSum).toBe(749.5);
    // KKT_CASH_CONTROL (default on): the /v1 refusal, as the driver's "В ККТ нет денег для выплаты".
    const [tooMuch, after] = await pos.run([{ type: 'cashOut', cashSum: 5000 }, { type: 'getCashDrawerStatus' }]);
    expect(tooMuch.status).toBe('error');
    expect(tooMuch.error).toEqual({ code: 80, description: 'В ККТ нет денег для выплаты' });
    expect(after.status).toBe('interrupted');
    const [drawer, totals] = await pos.run([{ type: 'getCashDrawerStatus' }, { type: 'getShiftTotals' }]);
    expect(drawer.result).toEqual({ counters: { cashSum: 749.5 }, cashDrawerStatus: { cashDrawerOpened: false } });
    expect(totals.result.shiftTotals.cashDrawerTotals.sum).toBe(749.5);
    expect((await v1(stack, '/v1/kkt/status')).cash_balance).toBe(749.5);
    const op = await pos.call('POST', '/api/v2/operations/queryShiftTotals');
    expect(op.body.shiftTotals.cashDrawerTotals.sum).toBe(749.5);
  });

  test('a cash sale refunded beyond the drawer is 80 as well (the same rule as /v1)', async () => {
    const { stack, pos } = await start();
    await pos.run([sellTask()]);
    const before = await lastDoc(stack);
    const [r] = await pos.run([
      sellTask(
        { type: 'sellReturn', payments: [{ type: 'cash', sum: 292.6 }], total: 292.6 },
        { quantity: 4, amount: 292.6 },
      ),
    ]);
    expect(r.error.code).toBe(80);
    expect(await lastDoc(stack)).toBe(before);
  });
});

describe('reportOfdExchangeStatus (form 21)', () => {
  test('prints the settlement report and answers its fiscal params and the ОФД exchange status', async () => {
    const { stack, pos } = await start();
    await pos.run([sellTask()]);
    const [r] = await pos.run([{ type: 'reportOfdExchangeStatus', operator: { name: 'Иванов' } }]);
    expect(r.status, JSON.stringify(r)).toBe('ready');
    const number = r.result.fiscalParams.fiscalDocumentNumber;
    expect(number).toBe(await lastDoc(stack));
    const doc = await stack.device.getDocument(number);
    expect(doc?.kind).toBe('settlementReport');
    expect(r.result.status).toEqual({
      notSentCount: 3,
      notSentFirstDocNumber: 1,
      notSentFirstDocDateTime: expect.stringMatching(/^2026-11-25T/),
    });
    expect(r.result.errors.network).toEqual({ code: 0, description: 'Ошибок нет' });
  });
});

describe('measurementUnit (2108) and operator.vatin (1203) reach the document', () => {
  test('a name, a code, a designation and free text; the cashier INN; in the FNS view of /v1', async () => {
    const { stack, pos } = await start();
    const task = sellTask({ operator: { name: 'Петров', vatin: '272210689013' } });
    const base = task.items[0];
    task.items = [
      { ...base, measurementUnit: 'kilogram' },
      { ...base, measurementUnit: 41 },
      { ...base, measurementUnit: 'кв. м' },
      { ...base, measurementUnit: 'упак' },
      { ...base, measurementUnit: undefined },
    ];
    task.payments = [{ type: 'cash', sum: 731.5 }];
    const [r] = await pos.run([task]);
    expect(r.status, JSON.stringify(r)).toBe('ready');
    expect(r.result.warnings.messages).toEqual([
      'items[3]: measurementUnit "упак" is not a 2108 measure; recorded as 255 (иные единицы измерения)',
    ]);
    const number = r.result.fiscalParams.fiscalDocumentNumber;
    const fns: Json = (await v1(stack, `/v1/kkt/documents/${number}`)).fns;
    expect(fns.operatorInn).toBe('272210689013');
    expect(fns.items.map((it: Json) => it.itemsQuantityMeasure)).toEqual([11, 41, 32, 255, 0]);
  });

  test('an INN with wrong check digits is 13 naming operator.vatin; nothing printed', async () => {
    const { stack, pos } = await start();
    const before = await lastDoc(stack);
    const [r] = await pos.run([sellTask({ operator: { name: 'Петров', vatin: '272210689014' } })]);
    expect(r.error.code).toBe(13);
    expect(r.error.description).toMatch(/'operator\.vatin'/);
    expect(await lastDoc(stack)).toBe(before);
  });
});
