import { afterEach, describe, expect, test } from 'vitest';
import { isValidRegNumber } from '../../src/fiscal/registration.ts';
import { overAtol, sampleReceipt, startTestAdapter, type TestAdapter } from '../helpers/adapter.ts';

/**
 * Issue 11 over HTTP: corrections, the cash drawer, the settlement report, the registration and
 * the ФН archive, with the refusals a real register makes (API.md "Corrections, cash, reports
 * and the fiscal archive"; facts in ffd.md §5).
 */
const running: TestAdapter[] = [];
async function start(env: Record<string, string> = {}): Promise<TestAdapter> {
  const t = await startTestAdapter(env);
  running.push(t);
  return t;
}
afterEach(async () => {
  await Promise.all(running.splice(0).map((t) => t.close()));
});

const correction = (kind: 'self' | 'instruction', extra: Record<string, unknown> = {}) =>
  sampleReceipt({ correction: { kind, date: '2026-11-20', ...extra } });

describe('corrections (form 31)', () => {
  test('a correction is printed exactly once, numbered in the shift with the receipts', async () => {
    const t = await start();
    const sale = await t.receipt('sale-1', sampleReceipt());
    const c = await t.post('/v1/kkt/correction', correction('self'), { 'idempotency-key': 'corr-1' });
    expect(c.status, c.text).toBe(200);
    expect(c.body.fiscal_doc).toMatchObject({
      document_type: 31,
      receipt_number: 2,
      fiscal_doc_number: sale.body.fiscal_doc.fiscal_doc_number + 1,
    });
    expect(c.body.fiscal_doc.qr_code_data).toMatch(/&n=1$/);
    const again = await t.post('/v1/kkt/correction', correction('self'), { 'idempotency-key': 'corr-1' });
    expect(again.status).toBe(200);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toEqual(c.body);
    expect(await t.lastDocNumber()).toBe(c.body.fiscal_doc.fiscal_doc_number);
    // The same key on the receipt route is another request: 422, nothing printed.
    const crossed = await t.receipt('corr-1', correction('self'));
    expect(crossed.status).toBe(422);
    // It is in the buffer like a receipt.
    const stored = await t.get(`/v1/kkt/receipt/${c.body.receipt_id}`);
    expect(stored.body).toMatchObject({ sync_status: 'pending', fiscal_doc: { document_type: 31 } });
  });

  test('a correction by instruction without a number: 400 naming /correction/number, nothing printed', async () => {
    const t = await start();
    const before = await t.lastDocNumber();
    const r = await t.post('/v1/kkt/correction', correction('instruction'), { 'idempotency-key': 'corr-2' });
    expect(r.status).toBe(400);
    expect(r.body.errors.map((e: { path: string }) => e.path)).toContain('/correction/number');
    expect(await t.lastDocNumber()).toBe(before);
    const ok = await t.post('/v1/kkt/correction', correction('instruction', { number: 'ФНС-42' }), {
      'idempotency-key': 'corr-3',
    });
    expect(ok.status, ok.text).toBe(200);
  });
});

describe('registration', () => {
  test('an unregistered tax system: 400 at /taxation_type, nothing printed', async () => {
    const t = await start({ KKT_TAXATION_TYPES: 'osn,patent' });
    const before = await t.lastDocNumber();
    const r = await t.receipt('usn', sampleReceipt({ taxation_type: 'usn_income' }));
    expect(r.status).toBe(400);
    expect(r.body.errors).toEqual([expect.objectContaining({ path: '/taxation_type' })]);
    expect(await t.lastDocNumber()).toBe(before);
    expect((await t.receipt('patent', sampleReceipt({ taxation_type: 'patent' }))).status).toBe(200);
  });

  // Over ATOL: Web Requests names no place (1187) and cannot read back document 1, which the driver did not make.
  test.skipIf(overAtol())(
    'the status shows the registration; its number passes the CRC and the registration report names 1062',
    async () => {
      const t = await start({ KKT_TAXATION_TYPES: 'osn,usn_income', KKT_PLACE: 'Касса 3' });
      const s = (await t.get('/v1/kkt/status')).body;
      expect(s.registration).toMatchObject({
        inn: '7700000009',
        kkt_serial: '00000000000001',
        taxation_types: ['osn', 'usn_income'],
        place: 'Касса 3',
      });
      expect(isValidRegNumber(s.registration.reg_number, s.registration.inn, s.registration.kkt_serial)).toBe(true);
      const reg = (await t.get('/v1/kkt/documents/1')).body;
      expect(reg).toMatchObject({ number: 1, type: 1, fns: { code: 1, kktRegId: expect.any(String) } });
      expect(reg.fns.taxationType).toBe(1 | 2);
      expect(reg.fns.appliedTaxationType).toBeUndefined();
    },
  );
});

describe('the clock', () => {
  // Over ATOL the device's clock is in the server's process, not the adapter's.
  test.skipIf(overAtol())(
    'a host clock stepped back behind the last document: 409 CLOCK_BEHIND_LAST_DOCUMENT, no document',
    async () => {
      const t = await start();
      expect((await t.receipt('before', sampleReceipt())).status).toBe(200);
      const before = await t.lastDocNumber();
      t.clock.set(t.clock.now() - 10 * 60_000);
      const r = await t.receipt('after-step', sampleReceipt());
      expect(r.status).toBe(409);
      expect(r.body.code).toBe('CLOCK_BEHIND_LAST_DOCUMENT');
      expect(await t.lastDocNumber()).toBe(before);
      // Time catches up: the same key prints then.
      t.clock.advance(11 * 60_000);
      expect((await t.receipt('after-step', sampleReceipt())).status).toBe(200);
    },
  );
});

describe('the cash drawer', () => {
  test('cash in and out move the balance exactly once per key; beyond the balance is refused', async () => {
    const t = await start();
    const cashIn = await t.post(
      '/v1/kkt/cash/in',
      { amount: 500.5, cashier: 'Иванов И.И.' },
      { 'idempotency-key': 'in-1' },
    );
    expect(cashIn.status, cashIn.text).toBe(200);
    expect(cashIn.body).toMatchObject({ status: 'done', kind: 'in', amount: 500.5, cash_balance: 500.5 });
    const replay = await t.post(
      '/v1/kkt/cash/in',
      { amount: 500.5, cashier: 'Иванов И.И.' },
      { 'idempotency-key': 'in-1' },
    );
    expect(replay.body).toEqual(cashIn.body);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    const mismatch = await t.post('/v1/kkt/cash/out', { amount: 500.5 }, { 'idempotency-key': 'in-1' });
    expect(mismatch.status).toBe(422);
    const tooMuch = await t.post('/v1/kkt/cash/out', { amount: 600 }, { 'idempotency-key': 'out-1' });
    expect(tooMuch.status).toBe(409);
    expect(tooMuch.body.code).toBe('INSUFFICIENT_CASH');
    const out = await t.post('/v1/kkt/cash/out', { amount: 100 }, { 'idempotency-key': 'out-2' });
    expect(out.body.cash_balance).toBe(400.5);
    expect((await t.get('/v1/kkt/status')).body.cash_balance).toBe(400.5);
    // Cash movements are not fiscal documents (over ATOL the list holds only what the driver made: none).
    const types = (await t.get('/v1/kkt/documents')).body.documents.map((d: { type: number }) => d.type);
    expect(types).toEqual(overAtol() ? [] : [1, 2]);
  });

  test('a cash refund larger than the drawer: 409 INSUFFICIENT_CASH and nothing printed; by card it prints', async () => {
    const t = await start();
    expect((await t.receipt('sale', sampleReceipt())).status).toBe(200); // 200.00 in cash
    const before = await t.lastDocNumber();
    const big = sampleReceipt({
      type: 'refund',
      items: [{ name: 'Lens', price: 300, quantity: 1, vat_rate: 22 }],
      payments: [{ type: 'cash', amount: 300 }],
    });
    const refused = await t.receipt('refund-big', big);
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('INSUFFICIENT_CASH');
    expect(await t.lastDocNumber()).toBe(before);
    expect((await t.receipt('refund-card', { ...big, payments: [{ type: 'card', amount: 300 }] })).status).toBe(200);
  });

  test('cash routes need an Idempotency-Key and a positive amount', async () => {
    const t = await start();
    expect((await t.post('/v1/kkt/cash/in', { amount: 10 })).status).toBe(400);
    const bad = await t.post('/v1/kkt/cash/in', { amount: -1, till: 2 }, { 'idempotency-key': 'bad' });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['/amount', '/till']);
  });
});

describe('the ФН archive', () => {
  test("a day's work: every document in number order, in the tax service's field names", async () => {
    const t = await start({ KKT_PLACE: 'Торговый зал № 1' });
    expect((await t.post('/v1/kkt/shift/open', { cashier: 'Иванов И.И.' })).status).toBe(200);
    expect((await t.receipt('s1', sampleReceipt({ cashier_inn: '272210689013' }))).status).toBe(200);
    const measured = sampleReceipt({
      items: [{ name: 'Сыр', price: 899.9, quantity: 0.123456, vat_rate: 10, measure: 'kilogram' }],
      payments: [{ type: 'card', amount: 111.1 }],
      customer: { name: 'ООО «Покупатель»', inn: '7700000009' },
    });
    const sold = await t.receipt('s2', measured);
    expect(sold.status, sold.text).toBe(200);
    expect((await t.receipt('r1', sampleReceipt({ type: 'refund' }))).status).toBe(200);
    expect((await t.post('/v1/kkt/correction', correction('self'), { 'idempotency-key': 'c1' })).status).toBe(200);
    const settlement = await t.post('/v1/kkt/report/settlement');
    expect(settlement.status).toBe(200);
    expect(settlement.body).toMatchObject({ type: 'settlement_report', document_type: 21 });
    expect((await t.post('/v1/kkt/shift/close')).status).toBe(200);

    const list = await t.get('/v1/kkt/documents');
    expect(list.status, list.text).toBe(200);
    expect(list.body.next).toBeNull();
    const docs = list.body.documents as { number: number; type: number; fns: Record<string, unknown> }[];
    // Over ATOL the archive is the driver's journal: the registration (document 1) was not made through it.
    if (overAtol()) docs.unshift({ number: 1, type: 1, fns: {} });
    expect(docs.map((d) => d.type)).toEqual([1, 2, 3, 3, 3, 31, 21, 5]);
    expect(docs.map((d) => d.number)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    const [, , first, second, refund, corr, , close] = docs;
    expect(first?.fns).toMatchObject({
      code: 3,
      user: expect.any(String),
      userInn: expect.stringMatching(/^7700000009/),
      // Web Requests' registration info names no place of settlement (1187).
      ...(overAtol() ? {} : { retailPlace: 'Торговый зал № 1' }),
      retailPlaceAddress: expect.any(String),
      operationType: 1,
      appliedTaxationType: 1,
      operatorInn: '272210689013',
    });
    expect(second?.fns).toMatchObject({
      buyer: 'ООО «Покупатель»',
      items: [expect.objectContaining({ quantity: 0.123456, itemsQuantityMeasure: 11, sum: 11110 })],
    });
    expect(refund?.fns.operationType).toBe(2);
    expect(corr?.fns).toMatchObject({
      code: 31,
      correctionType: 0,
      correctionBase: { correctionDocumentDate: '2026-11-20T00:00:00' },
    });
    expect(close?.fns).toMatchObject({ code: 5, receiptsQuantity: 4 });
    // Paging: `next` says where to go on.
    const page = await t.get('/v1/kkt/documents?from=3&limit=2');
    expect(page.body.documents.map((d: { number: number }) => d.number)).toEqual([3, 4]);
    expect(page.body.next).toBe(5);
    expect((await t.get('/v1/kkt/documents/99')).status).toBe(404);
    expect((await t.get('/v1/kkt/documents?limit=5000')).status).toBe(400);
  });
});
