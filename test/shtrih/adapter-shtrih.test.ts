import { afterAll, afterEach, describe, expect, test } from 'vitest';
import { problemShape, sampleReceipt, startTestAdapter, type TestAdapter } from '../helpers/adapter.ts';
import { HAS_SOCAT, PTY_SKIP_MESSAGE } from '../helpers/pty.ts';

/**
 * The adapter with KKT_DRIVER_TYPE=shtrih, talking to the emulated device through a socat pty
 * pair (KKT_SERIAL_PAIR): the receipt, shift and idempotency checks of test/api, which the
 * in-process emulator passes, must give the same answers over the wire.
 */
const SHTRIH = { KKT_DRIVER_TYPE: 'shtrih', KKT_SERIAL_PAIR: 'true' };

const running: TestAdapter[] = [];
async function start(env: Record<string, string> = {}): Promise<TestAdapter> {
  const t = await startTestAdapter({ ...SHTRIH, ...env });
  running.push(t);
  return t;
}
afterEach(async () => {
  await Promise.all(running.splice(0).map((t) => t.close()));
});
afterAll(async () => {
  await Promise.all(running.splice(0).map((t) => t.close()));
});

describe.skipIf(!HAS_SOCAT)('the adapter over the Shtrih-M wire (pty pair)', () => {
  test('a receipt: the answer of API.md, stored, and the device status', async () => {
    const t = await start();
    expect(t.running.driver.kind).toBe('shtrih');
    const body = sampleReceipt();
    const r = await t.receipt('happy-1', body);
    expect(r.status, r.text).toBe(200);
    const doc = r.body.fiscal_doc;
    expect(doc.fiscal_doc_number).toBe(3);
    expect(doc.fiscal_datetime).toBe('2026-11-25T11:00:00+03:00');
    expect(doc).toMatchObject({ shift_number: 1, receipt_number: 1, total: 200 });
    expect(doc.qr_code_data).toBe(`t=20261125T1100&s=200.00&fn=${doc.fn_number}&i=3&fp=${Number(doc.fiscal_sign)}&n=1`);
    const g = await t.get(`/v1/kkt/receipt/${r.body.receipt_id}`);
    expect(g.body.fiscal_doc).toEqual(doc);
    expect(g.body.request).toEqual(body);
    const status = await t.get('/v1/kkt/status');
    expect(status.body.fn.last_fiscal_doc_number).toBe(3);
    expect(status.body.shift).toMatchObject({ state: 'opened', number: 1, receipts: 1 });
    // What the device's own archive holds is what the adapter stored.
    const archived = await t.running.emulator?.getDocument(3);
    expect(archived?.fiscalSign).toBe(doc.fiscal_sign);
  });

  test('idempotency: replay, mismatch and in flight, exactly one document', async () => {
    const t = await start({ KKT_PRINT_DELAY_MS: '300' });
    const [a, b] = await Promise.all([t.receipt('idem', sampleReceipt()), t.receipt('idem', sampleReceipt())]);
    expect([a.status, b.status].sort()).toEqual([200, 409]);
    const ok = a.status === 200 ? a : b;
    const again = await t.receipt('idem', sampleReceipt());
    expect(again.status).toBe(200);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toEqual(ok.body);
    const other = await t.receipt('idem', sampleReceipt({ payments: [{ type: 'cash', amount: 500 }] }));
    expect(other.status).toBe(422);
    expect(await t.lastDocNumber()).toBe(3);
  });

  test('concurrent receipts: numbers unique and contiguous', async () => {
    const t = await start();
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => t.receipt(`c-${i}`, sampleReceipt())));
    for (const a of answers) expect(a.status, a.text).toBe(200);
    const numbers = answers.map((a) => a.body.fiscal_doc.fiscal_doc_number as number).sort((x, y) => x - y);
    expect(numbers).toEqual(Array.from({ length: 20 }, (_, i) => i + 3));
  });

  test('refusals keep their codes: paper out, shift over 24 h; shift routes and the X report work', async () => {
    const t = await start();
    expect((await t.put('/v1/_emulator/faults', { paper_out: true })).status).toBe(200);
    const paper = await t.receipt('p-1', sampleReceipt());
    expect(paper.status).toBe(503);
    expect(problemShape(paper).code).toBe('PAPER_OUT');
    expect((await t.put('/v1/_emulator/faults', { paper_out: false })).status).toBe(200);
    expect((await t.receipt('p-1', sampleReceipt())).status).toBe(200);

    expect((await t.post('/v1/_emulator/clock', { advance_seconds: 86400 })).status).toBe(200);
    const expired = await t.receipt('s-2', sampleReceipt());
    expect(expired.status).toBe(409);
    expect(problemShape(expired).code).toBe('SHIFT_EXPIRED');
    const z = await t.post('/v1/kkt/shift/close', { cashier: 'Иванов И.И.' });
    expect(z.status, z.text).toBe(200);
    expect(z.body).toMatchObject({ type: 'shift_close', shift_number: 1, receipts_count: 1 });
    const open = await t.post('/v1/kkt/shift/open');
    expect(open.body).toMatchObject({ type: 'shift_open', shift_number: 2 });
    const x = await t.post('/v1/kkt/report/x');
    expect(x.body).toMatchObject({ type: 'x_report', shift_number: 2, shift_state: 'opened', receipts: 0 });
    const again = await t.receipt('s-2', sampleReceipt());
    expect(again.body.fiscal_doc).toMatchObject({ shift_number: 2, receipt_number: 1 });
  });

  test('the emulator reset gives a fresh ФН behind the wire', async () => {
    const t = await start();
    const first = await t.receipt('r-1', sampleReceipt());
    const reset = await t.post('/v1/_emulator/reset');
    expect(reset.status, reset.text).toBe(200);
    expect(await t.lastDocNumber()).toBe(1);
    const second = await t.receipt('r-2', sampleReceipt());
    expect(second.body.fiscal_doc.fiscal_doc_number).toBe(3);
    expect(second.body.fiscal_doc.fn_number).not.toBe(first.body.fiscal_doc.fn_number);
  });
});

if (!HAS_SOCAT) test.skip(PTY_SKIP_MESSAGE, () => {});
