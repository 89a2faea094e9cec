import { afterEach, describe, expect, it } from 'vitest';
import { flkProblem } from '../../src/mocks/ofd-flk.ts';
import { eventually, type HttpStack, sampleReceipt, startHttpStack } from '../helpers/stack.ts';

/*
 * A day of a register over real HTTP (adapter, emulated ККТ, mock ОФД on loopback ports):
 * registration, shift open, sales, a refund, a correction, a settlement report and the shift
 * close. Every document reaches the mock ОФД exactly once, in document-number order, passes its
 * ФЛК, and the ФН ends with nothing unsent.
 */

let stack: HttpStack | undefined;
afterEach(async () => {
  await stack?.stop();
  stack = undefined;
});

describe('a day of documents at the ОФД', () => {
  it('each exactly once, in number order, all through the ФЛК', { timeout: 60_000 }, async () => {
    stack = await startHttpStack();
    const s = stack;
    const answers = [];
    for (let i = 0; i < 3; i++) answers.push(await s.receipt(`day-sale-${i}`));
    answers.push(await s.receipt('day-refund', sampleReceipt({ type: 'refund' })));
    for (const a of answers) expect(a.status).toBe(200);
    // A correction of a sale of the day (form 31), through its route and the buffer like a receipt.
    const corrected = await s.send(
      'POST',
      `${s.url}/v1/kkt/correction`,
      sampleReceipt({ correction: { kind: 'self', date: '2026-11-20' } }),
      { 'idempotency-key': 'day-correction' },
    );
    expect(corrected.status).toBe(200);
    for (let i = 3; i < 5; i++) expect((await s.receipt(`day-sale-${i}`)).status).toBe(200);
    expect((await s.send('POST', `${s.url}/v1/kkt/report/settlement`, { cashier: 'Иванов И.И.' })).status).toBe(200);
    expect((await s.send('POST', `${s.url}/v1/kkt/shift/close`, {})).status).toBe(200);

    const lastNumber = (await s.device.status()).fn.lastFiscalDocNumber;
    await eventually(async () => {
      await s.send('POST', `${s.url}/v1/kkt/buffer/sync`);
      return (await s.device.status()).fn.unsentCount === 0;
    }, 'the ФН to owe the ОФД nothing');

    const arrivals = s.ofd.arrivals();
    expect(arrivals.map((p) => p.fiscal_doc_number)).toEqual(Array.from({ length: lastNumber }, (_, i) => i + 1));
    expect(arrivals.map((p) => p.document_type)).toEqual([
      'registration',
      'shift_open',
      'receipt',
      'receipt',
      'receipt',
      'receipt',
      'correction',
      'receipt',
      'receipt',
      'settlement_report',
      'shift_close',
    ]);
    expect(s.ofd.duplicates).toBe(0);
    expect(s.ofd.flkRejections).toBe(0);
    for (const p of arrivals) {
      if (p.document_type === 'receipt' || p.document_type === 'correction')
        expect(flkProblem(p.document, p.document_type)).toBeNull();
    }
    expect(arrivals[5]?.document.operationType).toBe(2); // the refund
    expect(await s.bufferStatus()).toMatchObject({ pending: 0, synced: 7, failed: 0 });
    expect((await s.device.status()).fn).toMatchObject({ unsentCount: 0, firstUnsentNumber: null });
  });
});
