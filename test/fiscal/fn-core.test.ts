import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type {
  FiscalDocument,
  FnIdentity,
  ReceiptDocument,
  ReceiptInput,
  ShiftCloseDocument,
  ShiftTotals,
} from '../../src/fiscal/document.ts';
import { FiscalError } from '../../src/fiscal/errors.ts';
import { verifyFiscalSign } from '../../src/fiscal/fiscal-sign.ts';
import {
  applyOperation,
  blockReason,
  emptyShiftTotals,
  type FnOperation,
  type FnState,
  type FnStep,
  initialFnState,
  isFull,
  OFD_WAIT_MAX_MS,
  ofdDeadline,
  register,
  SHIFT_MAX_MS,
  shiftDeadline,
  shiftState,
} from '../../src/fiscal/fn-core.ts';
import { truncateToMinute } from '../../src/fiscal/local-time.ts';
import { validateReceipt } from '../../src/fiscal/receipt-validation.ts';
import { DAY_MS, identity, REGISTERED_AT, receiptInput, refusal, SECRET } from './fixtures.ts';

const HOUR = 60 * 60 * 1000;
const MIN = 60 * 1000;
const T0 = REGISTERED_AT;

const OPEN: FnOperation = { kind: 'openShift', cashier: 'Иванов И.И.' };
const CLOSE: FnOperation = { kind: 'closeShift', cashier: 'Иванов И.И.' };
const sale = (input: ReceiptInput = receiptInput(), autoOpenShift = false): FnOperation => ({
  kind: 'receipt',
  receipt: input,
  autoOpenShift,
});

/** A little ФН driver for the tests: applies operations in order and keeps state and documents. */
class Fn {
  state: FnState;
  docs: FiscalDocument[];
  constructor(
    readonly id: FnIdentity = identity(),
    readonly secret = SECRET,
  ) {
    const step = register(this.id, this.secret);
    this.state = step.state;
    this.docs = [...step.documents];
  }
  apply(op: FnOperation, now: number): FnStep {
    const step = applyOperation(this.state, this.id, this.secret, op, now);
    this.state = step.state;
    this.docs.push(...step.documents);
    return step;
  }
  /** Runs an operation that must be refused, checks that nothing changed, returns the error. */
  refuse(op: FnOperation, now: number): FiscalError {
    const before = structuredClone(this.state);
    const frozen = this.state;
    const e = refusal(() => applyOperation(frozen, this.id, this.secret, op, now));
    expect(frozen).toStrictEqual(before);
    return e;
  }
  /** ОФД confirmed everything (what the fiscal archive does on a receipt of the operator). */
  ackAll(): void {
    this.state = { ...this.state, unsentCount: 0, firstUnsentNumber: null, firstUnsentAt: null };
  }
}

/** The one document of a step, which must be of the given kind. */
function only<K extends FiscalDocument['kind']>(step: FnStep, kind: K): Extract<FiscalDocument, { kind: K }> {
  expect(step.documents).toHaveLength(1);
  const doc = step.documents[0]!;
  expect(doc.kind).toBe(kind);
  return doc as Extract<FiscalDocument, { kind: K }>;
}

describe('register', () => {
  it('writes document 1, the registration report, from the identity', () => {
    const id = identity({ registeredAt: T0 + 42_123 });
    const { state, documents } = register(id, SECRET);
    expect(documents).toHaveLength(1);
    const doc = documents[0]!;
    expect(doc).toMatchObject({
      kind: 'registration',
      number: 1,
      dateTime: T0, // minute precision
      fnNumber: id.fnNumber,
      kktRegNumber: id.kktRegNumber,
      userInn: id.userInn,
      userName: id.userName,
      address: id.address,
      taxation: id.taxation,
      ofdName: id.ofdName,
      ofdInn: id.ofdInn,
      kktSerial: id.kktSerial,
      ffdVersion: '1.2',
    });
    expect(doc.fiscalSign).toMatch(/^\d{10}$/);
    expect(verifyFiscalSign(doc, SECRET)).toBe(true);
    expect(state).toStrictEqual({
      ...initialFnState(),
      lastDocNumber: 1,
      lastDocAt: T0,
      unsentCount: 1,
      firstUnsentNumber: 1,
      firstUnsentAt: T0,
    });
    expect(shiftState(state, T0)).toBe('closed');
  });

  it('is deterministic for one identity and secret', () => {
    expect(register(identity(), SECRET)).toStrictEqual(register(identity(), SECRET));
  });
});

describe('applyOperation: numbering', () => {
  it('numbers shift open, receipts and shift close from one sequence', () => {
    const fn = new Fn();
    const open = only(fn.apply(OPEN, T0 + HOUR), 'shiftOpen');
    expect(open).toMatchObject({ number: 2, shiftNumber: 1, cashier: 'Иванов И.И.', dateTime: T0 + HOUR });
    expect(fn.state).toMatchObject({ shiftOpen: true, shiftNumber: 1, shiftOpenedAt: T0 + HOUR, documentsInShift: 1 });
    expect(shiftState(fn.state, T0 + HOUR)).toBe('opened');

    const r1 = only(fn.apply(sale(), T0 + HOUR + 30_500), 'receipt');
    expect(r1).toMatchObject({ number: 3, shiftNumber: 1, receiptNumber: 1, total: 10_000, change: 0 });
    expect(r1.dateTime).toBe(T0 + HOUR); // truncated to the minute
    const r2 = only(fn.apply(sale(receiptInput(5_000, { cash: 10_000 })), T0 + 2 * HOUR), 'receipt');
    expect(r2).toMatchObject({ number: 4, receiptNumber: 2, total: 5_000, change: 5_000 });
    expect(fn.state).toMatchObject({ lastDocNumber: 4, receiptsInShift: 2, documentsInShift: 3 });

    const close = only(fn.apply(CLOSE, T0 + 3 * HOUR), 'shiftClose');
    expect(close).toMatchObject({ number: 5, shiftNumber: 1, receiptsCount: 2, documentsCount: 4 });
    expect(fn.state).toMatchObject({ shiftOpen: false, shiftOpenedAt: null, shiftNumber: 1, lastDocNumber: 5 });
    expect(shiftState(fn.state, T0 + 3 * HOUR)).toBe('closed');

    const open2 = only(fn.apply({ kind: 'openShift' }, T0 + DAY_MS), 'shiftOpen');
    expect(open2).toMatchObject({ number: 6, shiftNumber: 2 });
    expect(open2).not.toHaveProperty('cashier');
    const r3 = only(fn.apply(sale(), T0 + DAY_MS + MIN), 'receipt');
    expect(r3).toMatchObject({ number: 7, shiftNumber: 2, receiptNumber: 1 });

    expect(fn.docs.map((d) => d.number)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    for (const d of fn.docs) expect(verifyFiscalSign(d, SECRET)).toBe(true);
  });

  it('copies the receipt into the document with its totals and VAT per rate', () => {
    const fn = new Fn();
    fn.apply(OPEN, T0);
    const v = validateReceipt(
      {
        type: 'sale',
        items: [
          { name: 'A', price: 122, quantity: 1, vat_rate: 22 },
          { name: 'B', price: 110, quantity: 1, vat_rate: 10 },
          { name: 'C', price: 61, quantity: 2, vat_rate: '22/122' },
        ],
        payments: [
          { type: 'card', amount: 300 },
          { type: 'cash', amount: 100 },
        ],
        cashier: 'Петров',
        customer_contact: 'buyer@example.com',
      },
      { defaultTaxation: 'osn', year: 2026 },
    );
    if (!v.ok) throw new Error(JSON.stringify(v.errors));
    const doc = only(fn.apply(sale(v.value), T0 + MIN), 'receipt');
    expect(doc).toMatchObject({
      operation: 'sale',
      items: v.value.items,
      payments: v.value.payments,
      taxation: 'osn',
      cashier: 'Петров',
      customerContact: 'buyer@example.com',
      total: 35_400, // 122 + 110 + 122
      change: 4_600, // 300 + 100 − 354
      vatTotals: { '22': 2_200, '10': 1_000, '22/122': 2_200 },
    });
  });

  it('refuses a document dated before the last one (clock stepped back) and changes nothing', () => {
    const fn = new Fn();
    fn.apply(OPEN, T0 + HOUR);
    const e = fn.refuse(sale(), T0 + 10 * MIN);
    expect(e.code).toBe('CLOCK_BEHIND_LAST_DOCUMENT');
    expect(fn.state.lastDocAt).toBe(T0 + HOUR);
    // the same minute is not "behind": the ФН keeps minutes
    const r = only(fn.apply(sale(), T0 + HOUR + 59_000), 'receipt');
    expect(r.dateTime).toBe(T0 + HOUR);
  });

  it('counts unsent documents and remembers the first one', () => {
    const fn = new Fn();
    fn.apply(OPEN, T0 + HOUR);
    fn.apply(sale(), T0 + 2 * HOUR);
    expect(fn.state).toMatchObject({ unsentCount: 3, firstUnsentNumber: 1, firstUnsentAt: T0 });
    fn.ackAll();
    fn.apply(sale(), T0 + 3 * HOUR);
    expect(fn.state).toMatchObject({ unsentCount: 1, firstUnsentNumber: 4, firstUnsentAt: T0 + 3 * HOUR });
    const close = only(fn.apply(CLOSE, T0 + 4 * HOUR), 'shiftClose');
    expect(close).toMatchObject({ unsentCount: 1, firstUnsentNumber: 4, firstUnsentAt: T0 + 3 * HOUR });
  });
});

describe('applyOperation: shift totals', () => {
  it('adds each receipt to its operation, keeping only the cash that stays in the drawer', () => {
    const fn = new Fn();
    fn.apply(OPEN, T0);
    fn.apply(sale(receiptInput(20_000, { cash: 25_000 })), T0 + MIN); // 50.00 change
    fn.apply(sale(receiptInput(10_000, { card: 6_000, cash: 5_000 })), T0 + 2 * MIN); // 10.00 change
    fn.apply(sale(receiptInput(3_000, { prepaid: 1_000, credit: 1_000, other: 1_000 })), T0 + 3 * MIN);
    fn.apply(sale(receiptInput(4_000, { card: 4_000 }, 'refund')), T0 + 4 * MIN);
    fn.apply(sale(receiptInput(700, { cash: 700 }, 'purchase')), T0 + 5 * MIN);
    const expected: ShiftTotals = {
      sale: {
        count: 3,
        total: 33_000,
        payments: { cash: 24_000, card: 6_000, prepaid: 1_000, credit: 1_000, other: 1_000 },
      },
      refund: { count: 1, total: 4_000, payments: { cash: 0, card: 4_000, prepaid: 0, credit: 0, other: 0 } },
      purchase: { count: 1, total: 700, payments: { cash: 700, card: 0, prepaid: 0, credit: 0, other: 0 } },
      purchase_refund: { count: 0, total: 0, payments: { cash: 0, card: 0, prepaid: 0, credit: 0, other: 0 } },
    };
    expect(fn.state.shiftTotals).toStrictEqual(expected);
    const close = only(fn.apply(CLOSE, T0 + HOUR), 'shiftClose');
    expect(close.totals).toStrictEqual(expected);
    expect(close.receiptsCount).toBe(5);
    expect(close.documentsCount).toBe(7);
    // a new shift starts from zero
    fn.apply(OPEN, T0 + 2 * HOUR);
    expect(fn.state.shiftTotals).toStrictEqual(emptyShiftTotals());
    expect(fn.state.receiptsInShift).toBe(0);
  });
});

describe('applyOperation: automatic shift opening', () => {
  it('writes a shift open report and then the receipt', () => {
    const fn = new Fn();
    const input = { ...receiptInput(), cashier: 'Сидоров' };
    const step = fn.apply(sale(input, true), T0 + HOUR + 5_000);
    expect(step.documents.map((d) => [d.kind, d.number])).toEqual([
      ['shiftOpen', 2],
      ['receipt', 3],
    ]);
    expect(step.documents[0]).toMatchObject({ shiftNumber: 1, cashier: 'Сидоров', dateTime: T0 + HOUR });
    expect(step.documents[1]).toMatchObject({ shiftNumber: 1, receiptNumber: 1, dateTime: T0 + HOUR });
    expect(step.state).toMatchObject({
      shiftOpen: true,
      shiftNumber: 1,
      shiftOpenedAt: T0 + HOUR,
      receiptsInShift: 1,
      documentsInShift: 2,
      lastDocNumber: 3,
      unsentCount: 3,
    });
    expect(step.state.shiftTotals.sale.count).toBe(1);
    for (const d of step.documents) expect(verifyFiscalSign(d, SECRET)).toBe(true);
  });

  it('does not open a second shift when one is open', () => {
    const fn = new Fn();
    fn.apply(OPEN, T0);
    const step = fn.apply(sale(receiptInput(), true), T0 + MIN);
    expect(step.documents.map((d) => d.kind)).toEqual(['receipt']);
  });
});

describe('applyOperation: refusals change nothing', () => {
  it('SHIFT_CLOSED: a receipt without an open shift and no auto-open; closing a closed shift', () => {
    const fn = new Fn();
    const e = fn.refuse(sale(), T0 + MIN);
    expect([e.code, e.fnCode]).toEqual(['SHIFT_CLOSED', 0x02]);
    expect(e).toBeInstanceOf(FiscalError);
    expect(fn.refuse(CLOSE, T0 + MIN).code).toBe('SHIFT_CLOSED');
  });

  it('SHIFT_ALREADY_OPEN', () => {
    const fn = new Fn();
    fn.apply(OPEN, T0);
    const e = fn.refuse(OPEN, T0 + MIN);
    expect([e.code, e.fnCode]).toEqual(['SHIFT_ALREADY_OPEN', 0x02]);
  });

  it('SHIFT_EXPIRED (ФН 0x16) from 24 h after the shift opened; closing is still allowed', () => {
    const fn = new Fn();
    fn.apply(OPEN, T0 + 30_000); // opened at T0 (minute precision)
    expect(shiftDeadline(fn.state)).toBe(T0 + SHIFT_MAX_MS);
    fn.apply(sale(), T0 + SHIFT_MAX_MS - 1);
    expect(shiftState(fn.state, T0 + SHIFT_MAX_MS - 1)).toBe('opened');
    expect(shiftState(fn.state, T0 + SHIFT_MAX_MS)).toBe('expired');
    for (const op of [sale(), sale(receiptInput(), true), OPEN]) {
      const e = fn.refuse(op, T0 + SHIFT_MAX_MS);
      expect([e.code, e.fnCode]).toEqual(['SHIFT_EXPIRED', 0x16]);
    }
    const close = only(fn.apply(CLOSE, T0 + 2 * SHIFT_MAX_MS), 'shiftClose');
    expect(close).toMatchObject({ shiftNumber: 1, receiptsCount: 1 });
    expect(shiftDeadline(fn.state)).toBeNull();
    expect(only(fn.apply(OPEN, T0 + 2 * SHIFT_MAX_MS), 'shiftOpen').shiftNumber).toBe(2);
  });

  it('OFD_TIMEOUT (ФН 0x15) once a document waited 30 days for the ОФД; closing is allowed', () => {
    const fn = new Fn();
    expect(ofdDeadline(fn.state)).toBe(T0 + OFD_WAIT_MAX_MS);
    const justBefore = T0 + OFD_WAIT_MAX_MS - 1;
    fn.apply(sale(receiptInput(), true), justBefore);
    expect(blockReason(fn.state, fn.id, justBefore)).toBeNull();
    expect(blockReason(fn.state, fn.id, T0 + OFD_WAIT_MAX_MS)).toBe('ofdTimeout');
    for (const op of [sale(), sale(receiptInput(), true)]) {
      const e = fn.refuse(op, T0 + OFD_WAIT_MAX_MS);
      expect([e.code, e.fnCode]).toEqual(['OFD_TIMEOUT', 0x15]);
    }
    fn.apply(CLOSE, T0 + OFD_WAIT_MAX_MS + HOUR);
    expect(fn.refuse(OPEN, T0 + OFD_WAIT_MAX_MS + HOUR).code).toBe('OFD_TIMEOUT');
    // delivering the documents unblocks the drive
    fn.ackAll();
    expect(ofdDeadline(fn.state)).toBeNull();
    fn.apply(OPEN, T0 + OFD_WAIT_MAX_MS + 2 * HOUR);
  });

  it('OFD_TIMEOUT wins over an expired shift for receipts', () => {
    const fn = new Fn();
    fn.apply(OPEN, T0);
    expect(fn.refuse(sale(), T0 + OFD_WAIT_MAX_MS).code).toBe('OFD_TIMEOUT');
  });

  it('FN_EXPIRED (ФН 0x12) from validUntil; closing is allowed', () => {
    const validUntil = T0 + 10 * DAY_MS;
    const fn = new Fn(identity({ validUntil }));
    fn.apply(OPEN, validUntil - HOUR);
    fn.ackAll();
    fn.apply(sale(), validUntil - 1);
    for (const op of [sale(), sale(receiptInput(), true)]) {
      const e = fn.refuse(op, validUntil);
      expect([e.code, e.fnCode]).toEqual(['FN_EXPIRED', 0x12]);
    }
    fn.apply(CLOSE, validUntil + MIN);
    expect(fn.refuse(OPEN, validUntil + HOUR).code).toBe('FN_EXPIRED');
  });

  it('FN_FULL (ФН 0x14) with one slot kept for closing the shift', () => {
    const fn = new Fn(identity({ capacity: 4 }));
    fn.apply(OPEN, T0); // 2
    fn.apply(sale(), T0 + MIN); // 3
    expect(isFull(fn.state, fn.id)).toBe(true);
    const e = fn.refuse(sale(), T0 + 2 * MIN);
    expect([e.code, e.fnCode]).toEqual(['FN_FULL', 0x14]);
    const close = only(fn.apply(CLOSE, T0 + 3 * MIN), 'shiftClose');
    expect(close.number).toBe(4);
    expect(fn.refuse(OPEN, T0 + HOUR).code).toBe('FN_FULL');
    expect(fn.refuse(sale(receiptInput(), true), T0 + HOUR).code).toBe('FN_FULL');
  });

  it('FN_FULL before auto-opening a shift that would leave no room for the receipt', () => {
    const fn = new Fn(identity({ capacity: 3 }));
    const e = fn.refuse(sale(receiptInput(), true), T0 + MIN);
    expect([e.code, e.fnCode]).toEqual(['FN_FULL', 0x14]);
    // an explicit open still fits (document 2), but then no receipt does
    fn.apply(OPEN, T0 + MIN);
    expect(fn.refuse(sale(), T0 + 2 * MIN).code).toBe('FN_FULL');
    expect(only(fn.apply(CLOSE, T0 + 3 * MIN), 'shiftClose').number).toBe(3);
  });
});

// ---------------------------------------------------------------- model-based property

type Action =
  | { kind: 'wait'; ms: number }
  | { kind: 'ack' }
  | { kind: 'open' }
  | { kind: 'close' }
  | { kind: 'receipt'; input: ReceiptInput; auto: boolean };

const inputArb: fc.Arbitrary<ReceiptInput> = fc
  .record({
    operation: fc.constantFrom('sale', 'refund', 'purchase', 'purchase_refund'),
    price: fc.integer({ min: 1, max: 1_000_000 }),
    card: fc.double({ min: 0, max: 1, noNaN: true }),
    change: fc.integer({ min: 0, max: 10_000 }),
    name: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 10 }),
  })
  .map(({ operation, price, card, change, name }) => {
    const cardPart = Math.floor(price * card);
    const r = receiptInput(price, { card: cardPart, cash: price - cardPart + change }, operation);
    r.items[0]!.name = name;
    return r;
  });

const actionArb: fc.Arbitrary<Action> = fc.oneof(
  { weight: 3, arbitrary: fc.integer({ min: -HOUR, max: 3 * DAY_MS }).map((ms) => ({ kind: 'wait' as const, ms })) },
  { weight: 1, arbitrary: fc.constant({ kind: 'ack' as const }) },
  { weight: 2, arbitrary: fc.constant({ kind: 'open' as const }) },
  { weight: 2, arbitrary: fc.constant({ kind: 'close' as const }) },
  {
    weight: 6,
    arbitrary: fc.record({ kind: fc.constant('receipt' as const), input: inputArb, auto: fc.boolean() }),
  },
);

function addReceipt(totals: ShiftTotals, doc: ReceiptDocument): void {
  const t = totals[doc.operation];
  t.count += 1;
  t.total += doc.total;
  t.payments.cash += doc.payments.cash - doc.change;
  t.payments.card += doc.payments.card;
  t.payments.prepaid += doc.payments.prepaid;
  t.payments.credit += doc.payments.credit;
  t.payments.other += doc.payments.other;
}

describe('applyOperation: any sequence of operations', () => {
  it('either refuses with a FiscalError and changes nothing, or writes consistent signed documents', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 3, max: 40 }),
        fc.integer({ min: 5, max: 120 }),
        fc.array(actionArb, { minLength: 1, maxLength: 60 }),
        (capacity, validDays, actions) => {
          const fn = new Fn(identity({ capacity, validUntil: T0 + validDays * DAY_MS }));
          let now = T0;
          let model = emptyShiftTotals();
          let shiftDocs = 0;
          let shiftReceipts = 0;
          for (const a of actions) {
            if (a.kind === 'wait') {
              now += a.ms;
              continue;
            }
            if (a.kind === 'ack') {
              fn.ackAll();
              continue;
            }
            const op: FnOperation =
              a.kind === 'open'
                ? { kind: 'openShift' }
                : a.kind === 'close'
                  ? { kind: 'closeShift' }
                  : { kind: 'receipt', receipt: a.input, autoOpenShift: a.auto };
            const before = structuredClone(fn.state);
            let step: FnStep;
            try {
              step = applyOperation(fn.state, fn.id, fn.secret, op, now);
            } catch (e) {
              if (!(e instanceof FiscalError)) throw e;
              expect(fn.state).toStrictEqual(before);
              continue;
            }
            // numbering, time, signatures
            expect(step.documents.length).toBeGreaterThan(0);
            step.documents.forEach((d, i) => {
              expect(d.number).toBe(before.lastDocNumber + 1 + i);
              expect(d.number).toBeLessThanOrEqual(capacity);
              expect(d.dateTime).toBe(Math.max(truncateToMinute(now), before.lastDocAt));
              expect(verifyFiscalSign(d, SECRET)).toBe(true);
              expect(verifyFiscalSign(JSON.parse(JSON.stringify(d)), SECRET)).toBe(true);
            });
            expect(step.state.lastDocNumber).toBe(step.documents.at(-1)!.number);
            expect(step.state.unsentCount).toBe(before.unsentCount + step.documents.length);
            // the model of the shift
            for (const d of step.documents) {
              if (d.kind === 'shiftOpen') {
                expect(before.shiftOpen).toBe(false);
                expect(d.shiftNumber).toBe(before.shiftNumber + 1);
                model = emptyShiftTotals();
                shiftDocs = 1;
                shiftReceipts = 0;
              } else if (d.kind === 'receipt') {
                expect(now - (step.state.shiftOpenedAt ?? Number.NaN)).toBeLessThan(SHIFT_MAX_MS);
                expect(now).toBeLessThan(fn.id.validUntil);
                shiftDocs += 1;
                shiftReceipts += 1;
                expect(d.receiptNumber).toBe(shiftReceipts);
                expect(d.total).toBe(d.items.reduce((s, it) => s + it.sum, 0));
                addReceipt(model, d);
              } else if (d.kind === 'shiftClose') {
                shiftDocs += 1;
                const close = d as ShiftCloseDocument;
                expect(close.receiptsCount).toBe(shiftReceipts);
                expect(close.documentsCount).toBe(shiftDocs);
                expect(close.totals).toStrictEqual(model);
              }
            }
            fn.state = step.state;
            if (step.state.shiftOpen) expect(step.state.shiftTotals).toStrictEqual(model);
          }
        },
      ),
      { numRuns: 150 },
    );
  });
});
