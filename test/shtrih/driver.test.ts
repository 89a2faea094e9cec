import fc from 'fast-check';
import { afterEach, describe, expect, test } from 'vitest';
import type { KktDriver } from '../../src/device/driver.ts';
import type { ReceiptInput } from '../../src/fiscal/document.ts';
import { validateReceipt } from '../../src/fiscal/receipt-validation.ts';
import { SerialLinkError } from '../../src/shtrih/protocol/errors.ts';
import { HOUR_MS, simpleSale } from '../helpers/kkt-fixtures.ts';
import { comparableDoc, comparableStatus, comparableXReport, outcome } from './equivalence.ts';
import { type Bench, dropAnswers, emulator, tapIncoming, wired } from './support.ts';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function bench(o: Parameters<typeof emulator>[0] = {}): Bench {
  const b = emulator(o);
  cleanups.push(() => b.close());
  return b;
}

function connect(b: Bench, o: Parameters<typeof wired>[1] = {}) {
  const w = wired(b, o);
  cleanups.push(() => w.close());
  return w;
}

function receipt(body: Record<string, unknown>, requestId?: string): ReceiptInput {
  const v = validateReceipt(body, { defaultTaxation: 'osn', year: 2026 });
  if (!v.ok) throw new Error(JSON.stringify(v.errors));
  return requestId ? { ...v.value, requestId } : v.value;
}

const RECEIPTS: ReceiptInput[] = [
  receipt(
    {
      type: 'sale',
      items: [
        { name: 'Линза', price: 100, quantity: 2, vat_rate: 22 },
        { name: 'Раствор 360 мл', price: 459.9, quantity: 1.5, vat_rate: '22/122', payment_object: 'commodity' },
        { name: 'Услуга', price: 0.01, quantity: 1, vat_rate: 'none', payment_object: 'service' },
      ],
      payments: [
        { type: 'card', amount: 300 },
        { type: 'cash', amount: 1000 },
      ],
      cashier: 'Иванов И.И.',
      customer_contact: 'buyer@example.com',
    },
    '0190b7d2-0000-7000-8000-000000000001',
  ),
  receipt({
    type: 'refund',
    items: [{ name: 'Линза', price: 100, quantity: 1, vat_rate: 20, payment_method: 'full_prepayment' }],
    payments: [{ type: 'cash', amount: 100 }],
    taxation_type: 'usn_income',
  }),
  receipt({
    type: 'purchase',
    items: [
      { name: 'A', price: 1, quantity: 0.005, vat_rate: 'none' },
      { name: 'B', price: 7, quantity: 3, vat_rate: '22/122' },
      { name: 'C', price: 10, quantity: 1, vat_rate: 10 },
      { name: 'D', price: 10, quantity: 1, vat_rate: '10/110' },
      { name: 'E', price: 10, quantity: 1, vat_rate: 0 },
      { name: 'F', price: 10, quantity: 1, vat_rate: 22 },
      { name: 'G', price: 10, quantity: 1, vat_rate: 20 },
      { name: 'H', price: 10, quantity: 1, vat_rate: '20/120' },
    ],
    payments: [
      { type: 'prepaid', amount: 10 },
      { type: 'credit', amount: 20 },
      { type: 'other', amount: 30 },
      { type: 'cash', amount: 50 },
    ],
    taxation_type: 'patent',
  }),
  receipt({
    type: 'purchase_refund',
    items: [{ name: 'X'.repeat(128), price: 99999.99, quantity: 99.999, vat_rate: 22 }],
    payments: [{ type: 'card', amount: 9999899 }],
    taxation_type: 'esn',
  }),
];

type Call = (d: KktDriver) => Promise<unknown>;

/** The same calls on an in-process emulator and on the driver over the wire, side by side. */
function pair() {
  // Cash control on both: the Shtrih-M front always refuses a payout beyond the drawer (46h).
  const policy = { cashControl: true, resetCashAtShiftClose: false };
  const a = bench({ policy });
  const b = bench({ policy });
  const w = connect(b);
  return {
    a,
    b,
    driver: w.driver,
    async both<T>(call: (d: KktDriver) => Promise<T>) {
      return { emulator: await outcome(call(a.kkt)), shtrih: await outcome(call(w.driver)) };
    },
    advance(ms: number) {
      a.clock.advance(ms);
      b.clock.advance(ms);
    },
  };
}

describe('ShtrihDriver against the device front: the same results as the in-process emulator', () => {
  test('receipts of every kind, rate and payment; documents read back equal the device archive', async () => {
    const p = pair();
    for (const r of RECEIPTS) {
      const { emulator: e, shtrih: s } = await p.both((d) => d.printReceipt(r));
      expect('ok' in s, JSON.stringify(s)).toBe(true);
      if (!('ok' in e) || !('ok' in s)) continue;
      expect(comparableDoc(s.ok)).toEqual(comparableDoc(e.ok));
      // Exactly what the device's own ФН archive holds, fiscal sign included.
      expect(s.ok).toEqual(await p.b.kkt.getDocument(s.ok.number));
    }
    const last = (await p.a.kkt.status()).fn.lastFiscalDocNumber;
    for (let n = 1; n <= last + 1; n++) {
      const { emulator: e, shtrih: s } = await p.both((d) => d.getDocument(n));
      expect('ok' in s && comparableDoc(s.ok)).toEqual('ok' in e && comparableDoc(e.ok));
    }
    const { emulator: e, shtrih: s } = await p.both((d) => d.status());
    expect('ok' in s && comparableStatus(s.ok)).toEqual('ok' in e && comparableStatus(e.ok));
  });

  test('rates no source encodes (5 %, 7 %, 5/105, 7/107) are refused before anything is sent', async () => {
    const b = bench();
    const w = connect(b);
    for (const rate of [5, 7, '5/105', '7/107']) {
      const r = receipt({
        type: 'sale',
        items: [
          { name: 'A', price: 1, quantity: 1, vat_rate: 22 },
          { name: 'B', price: 1, quantity: 1, vat_rate: rate },
        ],
        payments: [{ type: 'cash', amount: 2 }],
      });
      const e = await w.driver.printReceipt(r).catch((x: unknown) => x);
      expect(e).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ path: '/items/1/vat_rate' }] });
      expect((e as Error).message).toContain(`VAT ${rate}:`);
    }
    // Nothing reached the ФН, and no receipt was left open.
    expect((await b.kkt.status()).fn.lastFiscalDocNumber).toBe(1);
    expect((await w.driver.printReceipt(simpleSale())).number).toBe(3);
  });

  test('22 % by table 17 field 71: row 11 when 2, row 1 (the ККТ substitutes) when 1, refused on old firmware', async () => {
    const b = bench();
    const w = connect(b);
    const sale22 = receipt({
      type: 'sale',
      items: [{ name: 'A', price: 10, quantity: 1, vat_rate: 22 }],
      payments: [{ type: 'cash', amount: 10 }],
    });
    const sale20 = receipt({
      type: 'sale',
      items: [{ name: 'A', price: 10, quantity: 1, vat_rate: 20 }],
      payments: [{ type: 'cash', amount: 10 }],
    });
    const rateOf = (d: { items: { vatRate: string }[] }) => d.items[0]?.vatRate;
    expect(rateOf(await w.driver.printReceipt(sale22))).toBe('22');
    expect(rateOf(await w.driver.printReceipt(sale20))).toBe('20');
    await w.driver.writeSetting(17, 1, 71, 1);
    expect(await w.driver.readSetting(17, 1, 71)).toBe(1);
    expect(rateOf(await w.driver.printReceipt(sale22))).toBe('22');
    await expect(w.driver.printReceipt(sale20)).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
  });

  test('shifts, X and Z reports, refusals with the same codes', async () => {
    const p = pair();
    const steps: [string, Call][] = [
      ['close a closed shift', (d) => d.closeShift()],
      ['x report before any shift', (d) => d.xReport()],
      ['open', (d) => d.openShift({ cashier: 'Петров П.П.' })],
      ['open again', (d) => d.openShift()],
      ['sale', (d) => d.printReceipt(simpleSale())],
      ['sale 2', (d) => d.printReceipt(RECEIPTS[0] as ReceiptInput)],
      ['x report', (d) => d.xReport()],
      ['shift totals, nothing printed', (d) => d.shiftTotals()],
      ['status', (d) => d.status()],
      ['close', (d) => d.closeShift({ cashier: 'Петров П.П.' })],
      ['x report after the Z', (d) => d.xReport()],
      ['status closed', (d) => d.status()],
      ['open plain', (d) => d.openShift()],
      ['close plain', (d) => d.closeShift()],
    ];
    for (const [name, call] of steps) {
      const { emulator: e, shtrih: s } = await p.both(call);
      expect(normalize(s), name).toEqual(normalize(e));
    }
  });

  test('24 hours later: SHIFT_EXPIRED for sales, the Z report still works; faults refuse with their codes', async () => {
    const p = pair();
    await p.both((d) => d.printReceipt(simpleSale()));
    p.advance(24 * HOUR_MS);
    const afterADay: Call[] = [
      (d) => d.status(),
      (d) => d.printReceipt(simpleSale()),
      (d) => d.openShift(),
      (d) => d.xReport(),
      (d) => d.closeShift(),
    ];
    for (const call of afterADay) {
      const { emulator: e, shtrih: s } = await p.both(call);
      expect(normalize(s)).toEqual(normalize(e));
    }
    for (const faults of [{ paperOut: true }, { paperOut: false, coverOpen: true }]) {
      p.a.kkt.setFaults(faults);
      p.b.kkt.setFaults(faults);
      // The counters are read, not printed: they answer with the paper out or the cover open.
      const withFaults: Call[] = [
        (d) => d.status(),
        (d) => d.printReceipt(simpleSale()),
        (d) => d.openShift(),
        (d) => d.shiftTotals(),
      ];
      for (const call of withFaults) {
        const { emulator: e, shtrih: s } = await p.both(call);
        expect(normalize(s)).toEqual(normalize(e));
      }
      const totals = await p.both((d) => d.shiftTotals());
      expect('ok' in totals.shtrih && 'ok' in totals.emulator).toBe(true);
    }
    p.a.kkt.setFaults({ coverOpen: false });
    p.b.kkt.setFaults({ coverOpen: false });
    const { emulator: e, shtrih: s } = await p.both((d) => d.printReceipt(simpleSale()));
    expect(normalize(s)).toEqual(normalize(e));
  });

  test('findReceipt, unconfirmedDocuments and confirmDelivered', async () => {
    const p = pair();
    const ids = ['0190b7d2-0000-7000-8000-00000000000a', '0190b7d2-0000-7000-8000-00000000000b'];
    for (const id of ids) await p.both((d) => d.printReceipt({ ...simpleSale(), requestId: id }));
    const calls: Call[] = [
      (d) => d.findReceipt(ids[0] as string, 0),
      (d) => d.findReceipt(ids[1] as string, 3),
      (d) => d.findReceipt(ids[0] as string, 3),
      (d) => d.findReceipt('no-such-request', 0),
      (d) => d.unconfirmedDocuments(1, 100),
      (d) => d.unconfirmedDocuments(3, 1),
      (d) => d.confirmDelivered([2, 1, 2, 99, 0, -1, 1.5]),
      (d) => d.confirmDelivered([1, 4]),
      (d) => d.unconfirmedDocuments(1, 100),
      (d) => d.status(),
      (d) => d.confirmDelivered([3]),
      (d) => d.unconfirmedDocuments(0, 10),
      (d) => d.confirmDelivered([]),
    ];
    for (const call of calls) {
      const { emulator: e, shtrih: s } = await p.both(call);
      expect(normalize(s)).toEqual(normalize(e));
    }
  });

  test('without an in-process ОФД exchange (a real ККТ), confirmDelivered reports the device view', async () => {
    const b = bench();
    const w = connect(b, { driver: { ofdExchange: undefined } });
    await w.driver.printReceipt(simpleSale());
    await b.kkt.confirmDelivered([1]);
    // 1 is confirmed (before FF39h's first unconfirmed, 2); 2 and 3 wait; 9 does not exist.
    expect(await w.driver.confirmDelivered([3, 1, 9, 2])).toEqual({
      confirmed: [],
      alreadyConfirmed: [1],
      unknown: [2, 3, 9],
    });
    await b.kkt.confirmDelivered([3]);
    expect(await w.driver.confirmDelivered([3, 2])).toEqual({ confirmed: [], alreadyConfirmed: [3], unknown: [2] });
    expect((await w.driver.unconfirmedDocuments(1, 10)).map((d) => d.number)).toEqual([2]);
  });

  test('random sequences of operations (model-based): the driver over the wire never differs', async () => {
    type Step =
      | { kind: 'receipt'; index: number; requestId: boolean }
      | { kind: 'open' | 'close'; cashier: boolean }
      | { kind: 'x' | 'status' }
      | { kind: 'advance'; hours: number }
      | { kind: 'confirm'; upTo: number }
      | { kind: 'fault'; paperOut: boolean }
      | { kind: 'cashIn' | 'cashOut'; amount: number }
      | { kind: 'correction'; index: number; byInstruction: boolean }
      | { kind: 'settlement'; cashier: boolean };
    const step: fc.Arbitrary<Step> = fc.oneof(
      {
        weight: 5,
        arbitrary: fc.record({
          kind: fc.constant('receipt' as const),
          index: fc.nat(RECEIPTS.length - 1),
          requestId: fc.boolean(),
        }),
      },
      {
        weight: 2,
        arbitrary: fc.record({ kind: fc.constantFrom('open' as const, 'close' as const), cashier: fc.boolean() }),
      },
      { weight: 1, arbitrary: fc.record({ kind: fc.constantFrom('x' as const, 'status' as const) }) },
      {
        weight: 1,
        arbitrary: fc.record({ kind: fc.constant('advance' as const), hours: fc.integer({ min: 1, max: 30 }) }),
      },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('confirm' as const), upTo: fc.nat(12) }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('fault' as const), paperOut: fc.boolean() }) },
      {
        weight: 2,
        arbitrary: fc.record({
          kind: fc.constantFrom('cashIn' as const, 'cashOut' as const),
          amount: fc.integer({ min: 1, max: 50_000 }),
        }),
      },
      {
        weight: 1,
        arbitrary: fc.record({
          kind: fc.constant('correction' as const),
          index: fc.nat(RECEIPTS.length - 1),
          byInstruction: fc.boolean(),
        }),
      },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('settlement' as const), cashier: fc.boolean() }) },
    );
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 10 }), async (steps) => {
        const p = pair();
        try {
          let n = 0;
          for (const s of steps) {
            if (s.kind === 'advance') {
              p.advance(s.hours * HOUR_MS);
              continue;
            }
            if (s.kind === 'fault') {
              p.a.kkt.setFaults({ paperOut: s.paperOut });
              p.b.kkt.setFaults({ paperOut: s.paperOut });
              continue;
            }
            const requestId = `req-${n++}`;
            const r = await p.both((d): Promise<unknown> => {
              switch (s.kind) {
                case 'receipt': {
                  const input = RECEIPTS[s.index] as ReceiptInput;
                  return d.printReceipt(s.requestId ? { ...input, requestId } : input);
                }
                case 'open':
                  return d.openShift(s.cashier ? { cashier: 'Кассир' } : {});
                case 'close':
                  return d.closeShift(s.cashier ? { cashier: 'Кассир' } : {});
                case 'x':
                  return d.xReport();
                case 'status':
                  return d.status();
                case 'confirm':
                  return d.confirmDelivered(Array.from({ length: s.upTo }, (_, i) => i + 1));
                case 'cashIn':
                  return d.cashIn({ amount: s.amount, requestId });
                case 'cashOut':
                  return d.cashOut({ amount: s.amount, requestId });
                case 'correction': {
                  const input = RECEIPTS[s.index] as ReceiptInput;
                  return d.printCorrection({
                    ...input,
                    requestId,
                    correction: s.byInstruction
                      ? { kind: 'instruction', date: '2026-11-20', number: 'ФНС-1' }
                      : { kind: 'self', date: '2026-11-20' },
                  });
                }
                case 'settlement':
                  return d.settlementReport(s.cashier ? { cashier: 'Кассир' } : {});
              }
            });
            expect(normalize(r.shtrih)).toEqual(normalize(r.emulator));
          }
          const last = (await p.a.kkt.status()).fn.lastFiscalDocNumber;
          const both = await p.both((d) => d.unconfirmedDocuments(1, last + 5));
          expect(normalize(both.shtrih)).toEqual(normalize(both.emulator));
        } finally {
          await cleanups.pop()?.();
          await cleanups.pop()?.();
          await cleanups.pop()?.();
        }
      }),
      {
        numRuns: Number(process.env.SERIAL_RUNS ?? 12),
        ...(process.env.FC_SEED ? { seed: Number(process.env.FC_SEED), path: process.env.FC_PATH } : {}),
      },
    );
  });
});

describe('lost replies never print twice', () => {
  test('the FF45h answer lost once: recovered with ENQ, one receipt, the archive agrees', async () => {
    const b = bench();
    const drop = dropAnswers(0xff45, 1);
    const w = connect(b, { hostSide: (s) => tapIncoming(s, drop.decide) });
    const before = (await b.kkt.status()).fn.lastFiscalDocNumber;
    const doc = await w.driver.printReceipt({ ...simpleSale(), requestId: 'lost-once' });
    expect(drop.dropped).toHaveLength(1);
    // Shift opened automatically (1 document) plus the receipt: nothing else.
    expect((await b.kkt.status()).fn.lastFiscalDocNumber).toBe(before + 2);
    expect(doc).toEqual(await b.kkt.getDocument(doc.number));
    expect(await b.kkt.unconfirmedDocuments(1, 100)).toHaveLength(3);
  });

  test('every FF45h answer lost: the driver gives up with DEVICE_STOPPED, and findReceipt finds the one receipt', async () => {
    const b = bench();
    let lineDown = true;
    const drop = dropAnswers(0xff45, 1000);
    const w = connect(b, {
      hostSide: (s) => tapIncoming(s, (e, raw) => (lineDown ? drop.decide(e, raw) : 'pass')),
      driver: { answerTimeoutMs: 600 },
    });
    const e = await w.driver.printReceipt({ ...simpleSale(), requestId: 'lost-forever' }).catch((x: unknown) => x);
    lineDown = false;
    expect(drop.dropped.length).toBeGreaterThan(1);
    expect(e).toBeInstanceOf(SerialLinkError);
    expect((e as SerialLinkError).code).toBe('DEVICE_STOPPED');
    const found = await w.driver.findReceipt('lost-forever', 0);
    expect(found?.requestId).toBe('lost-forever');
    expect(found).toEqual(await b.kkt.getDocument(found?.number ?? 0));
    expect((await b.kkt.status()).fn.lastFiscalDocNumber).toBe(3);
    // The next receipt prints normally once the answers come through again.
    const next = await w.driver.printReceipt(simpleSale());
    expect(next.number).toBe(4);
  });

  test('a receipt left open by a lost connection is cancelled before the next one', async () => {
    const b = bench();
    const first = connect(b);
    // Items and properties reach the device, then the host goes away before FF45h.
    const s = first.front.session;
    const { commandPayload } = await import('../../src/shtrih/protocol/frame.ts');
    const { operationV2 } = await import('../../src/shtrih/protocol/commands/index.ts');
    await s.execute(
      commandPayload(
        0xff46,
        operationV2.encodeRequest({
          password: 30,
          operation: 1,
          quantity: 1000,
          price: 999,
          sum: null,
          taxAmount: null,
          tax: 0x08,
          department: 1,
          paymentMethod: 4,
          paymentObject: 1,
          name: 'stale',
        }),
      ),
    );
    const second = connect(b);
    const doc = await second.driver.printReceipt(simpleSale());
    expect(doc.items.map((i) => i.name)).toEqual(['Item 1']);
  });
});

/** Outcomes with what the wire cannot carry exactly made equal. */
function normalize(o: unknown): unknown {
  if (o && typeof o === 'object' && 'ok' in o) return { ok: normalizeValue((o as { ok: unknown }).ok) };
  return o;
}

function normalizeValue(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(normalizeValue);
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if ('fiscalSign' in o && 'kind' in o) return comparableDoc(o as never);
    if ('blockedReason' in o && 'fn' in o) return comparableStatus(o as never);
    if ('totals' in o && 'at' in o) return comparableXReport(o as never);
    // A cash movement's time comes from 11h, to the second.
    if ('balance' in o && 'at' in o) return { ...o, at: Math.floor((o.at as number) / 1000) * 1000 };
  }
  return v;
}
