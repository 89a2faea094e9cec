import { describe, expect, it } from 'vitest';
import type {
  CorrectionDocument,
  CorrectionInput,
  FiscalDocument,
  FnIdentity,
  ReceiptDocument,
} from '../../src/fiscal/document.ts';
import {
  applyOperation,
  type FnOperation,
  type FnPolicy,
  type FnState,
  register,
  replaceFn,
  withDefaults,
} from '../../src/fiscal/fn-core.ts';
import { toFnsJson } from '../../src/fiscal/fns-json.ts';
import { validateCorrection, validateReceipt } from '../../src/fiscal/receipt-validation.ts';
import { parseStoredDocument } from '../../src/fiscal/stored-document.ts';
import { identity, knownReceipt, REGISTERED_AT, receiptInput, refusal, SECRET } from './fixtures.ts';

const MIN = 60_000;
const T0 = REGISTERED_AT;
const CONTROL: FnPolicy = { cashControl: true, resetCashAtShiftClose: false };

function start(id: FnIdentity = identity()) {
  const step = register(id, SECRET);
  return { id, state: step.state, docs: [...step.documents] as FiscalDocument[] };
}

function run(fn: ReturnType<typeof start>, op: FnOperation, now: number, policy?: FnPolicy) {
  const step = applyOperation(fn.state, fn.id, SECRET, op, now, policy);
  fn.state = step.state;
  fn.docs.push(...step.documents);
  return step;
}

/** Refused with nothing changed. */
function refused(fn: ReturnType<typeof start>, op: FnOperation, now: number, policy?: FnPolicy) {
  const before = structuredClone(fn.state);
  const e = refusal(() => applyOperation(fn.state, fn.id, SECRET, op, now, policy));
  expect(fn.state).toStrictEqual(before);
  return e;
}

const correction = (c: CorrectionInput['correction'], price = 5_000): FnOperation => ({
  kind: 'correction',
  correction: { ...receiptInput(price), correction: c },
  autoOpenShift: true,
});

describe('correction receipts (form 31, ffd.md §5.4)', () => {
  it('by instruction without 1179 is refused at /correction/number', () => {
    const fn = start();
    const e = refused(fn, correction({ kind: 'instruction', date: '2026-01-09' }), T0 + MIN);
    expect(e.code).toBe('VALIDATION_FAILED');
    expect(e.errors.map((x) => x.path)).toEqual(['/correction/number']);
    const v = validateCorrection(
      {
        type: 'sale',
        items: [{ name: 'x', price: 1, quantity: 1 }],
        payments: [{ type: 'cash', amount: 1 }],
        correction: { kind: 'instruction', date: '2026-01-09' },
      },
      { defaultTaxation: 'osn', year: 2026 },
    );
    expect(v.ok ? [] : v.errors.map((x) => x.path)).toEqual(['/correction/number']);
  });

  it('counts in the shift receipt numbers and in the correction counters, not the receipt ones', () => {
    const fn = start();
    run(fn, { kind: 'receipt', receipt: receiptInput(10_000), autoOpenShift: true }, T0 + MIN);
    const step = run(fn, correction({ kind: 'self', date: '2026-01-09' }), T0 + 2 * MIN);
    const doc = step.documents[0] as CorrectionDocument;
    expect(doc).toMatchObject({ kind: 'correction', number: 4, receiptNumber: 2, total: 5_000 });
    const s = withDefaults(fn.state);
    expect(s.receiptsInShift).toBe(2);
    expect(s.shiftTotals.sale.count).toBe(1);
    expect(s.shiftCounters.corrections.sale).toMatchObject({
      count: 1,
      total: 5_000,
      byKind: { self: 1, instruction: 0 },
    });
    expect(s.fnTotals.corrections.sale.count).toBe(1);
    const json = toFnsJson(doc, 'Europe/Moscow');
    expect(json).toMatchObject({
      code: 31,
      correctionType: 0,
      correctionBase: { correctionDocumentDate: '2026-01-09T00:00:00' },
      operationType: 1,
      appliedTaxationType: 1,
      user: 'ООО "Ромашка"',
      retailPlaceAddress: 'г. Москва, ул. Тверская, д. 1',
    });
    const close = run(fn, { kind: 'closeShift' }, T0 + 3 * MIN).documents[0];
    expect(close).toMatchObject({ kind: 'shiftClose', receiptsCount: 2 });
    const z = toFnsJson(close as FiscalDocument, 'Europe/Moscow') as {
      shiftSumReports: { receiptCount: number; receiptCorrection: { receiptCorrectionCount: number } };
    };
    expect(z.shiftSumReports.receiptCount).toBe(2);
    expect(z.shiftSumReports.receiptCorrection.receiptCorrectionCount).toBe(1);
  });

  it('refuses a corrected date after the correction itself', () => {
    const fn = start();
    const e = refused(fn, correction({ kind: 'self', date: '2026-01-11' }), T0 + MIN);
    expect(e.errors.map((x) => x.path)).toEqual(['/correction/date']);
  });
});

describe('registered taxation systems (1055 ∈ 1062)', () => {
  it('refuses an unregistered 1055 at /taxation_type, in the ФН and in validation', () => {
    const fn = start(identity({ taxationTypes: ['osn'] }));
    const e = refused(
      fn,
      { kind: 'receipt', receipt: { ...receiptInput(), taxation: 'usn_income' }, autoOpenShift: true },
      T0 + MIN,
    );
    expect(e.code).toBe('VALIDATION_FAILED');
    expect(e.errors.map((x) => x.path)).toEqual(['/taxation_type']);
    const v = validateReceipt(
      {
        type: 'sale',
        items: [{ name: 'x', price: 1, quantity: 1 }],
        payments: [{ type: 'cash', amount: 1 }],
        taxation_type: 'usn_income',
      },
      { defaultTaxation: 'osn', year: 2026, registeredTaxation: ['osn'] },
    );
    expect(v.ok ? [] : v.errors.map((x) => x.path)).toEqual(['/taxation_type']);
  });

  it('an identity stored without 1062 accepts all five (what it accepted before)', () => {
    const fn = start();
    run(fn, { kind: 'receipt', receipt: { ...receiptInput(), taxation: 'patent' }, autoOpenShift: true }, T0 + MIN);
    expect(fn.docs.at(-1)).toMatchObject({ kind: 'receipt', taxation: 'patent' });
  });

  it('the registration names 1062 as the `taxationType` mask', () => {
    const fn = start(identity({ taxationTypes: ['osn', 'usn_income', 'patent'], place: 'Магазин №1' }));
    expect(toFnsJson(fn.docs[0] as FiscalDocument, 'Europe/Moscow')).toMatchObject({
      code: 1,
      taxationType: 1 | 2 | 32,
      retailPlace: 'Магазин №1',
    });
  });
});

describe('the clock rule', () => {
  it('a clock stepped back is CLOCK_BEHIND_LAST_DOCUMENT for every document kind, nothing written', () => {
    const fn = start();
    run(fn, { kind: 'openShift' }, T0 + 60 * MIN);
    for (const op of [
      { kind: 'receipt', receipt: receiptInput(), autoOpenShift: true },
      correction({ kind: 'self', date: '2026-01-09' }),
      { kind: 'closeShift' },
      { kind: 'settlementReport' },
    ] as FnOperation[])
      expect(refused(fn, op, T0 + 30 * MIN).code).toBe('CLOCK_BEHIND_LAST_DOCUMENT');
  });
});

describe('cash drawer', () => {
  it('a cash refund beyond the drawer is INSUFFICIENT_CASH with cash control, and nothing changes', () => {
    const fn = start();
    run(
      fn,
      { kind: 'receipt', receipt: receiptInput(10_000, { cash: 15_000 }), autoOpenShift: true },
      T0 + MIN,
      CONTROL,
    );
    expect(fn.state.cashBalance).toBe(10_000); // 150 tendered, 50 change
    const refund = { kind: 'receipt', receipt: receiptInput(10_001, { cash: 10_001 }, 'refund'), autoOpenShift: true };
    expect(refused(fn, refund as FnOperation, T0 + 2 * MIN, CONTROL).code).toBe('INSUFFICIENT_CASH');
    // without cash control the same refund goes through (the lenient default of the pure core)
    run(fn, refund as FnOperation, T0 + 2 * MIN);
    expect(fn.state.cashBalance).toBe(-1);
  });

  it('cash in / out are non-fiscal, need a shift and respect the balance', () => {
    const fn = start();
    expect(refused(fn, { kind: 'cashIn', amount: 100, autoOpenShift: false }, T0 + MIN).code).toBe('SHIFT_CLOSED');
    const opened = run(fn, { kind: 'cashIn', amount: 5_000, autoOpenShift: true }, T0 + MIN, CONTROL);
    expect(opened.documents.map((d) => d.kind)).toEqual(['shiftOpen']);
    expect(opened.cash).toMatchObject({ kind: 'in', amount: 5_000, balance: 5_000 });
    const last = fn.state.lastDocNumber;
    const out = run(fn, { kind: 'cashOut', amount: 2_000, autoOpenShift: true }, T0 + 2 * MIN, CONTROL);
    expect(out.documents).toEqual([]);
    expect(fn.state.lastDocNumber).toBe(last);
    expect(fn.state.cashBalance).toBe(3_000);
    const e = refused(fn, { kind: 'cashOut', amount: 3_001, autoOpenShift: true }, T0 + 3 * MIN, CONTROL);
    expect(e.code).toBe('INSUFFICIENT_CASH');
  });

  it('carries the balance over a shift close unless the reset is configured', () => {
    const fn = start();
    run(fn, { kind: 'cashIn', amount: 5_000, autoOpenShift: true }, T0 + MIN);
    run(fn, { kind: 'closeShift' }, T0 + 2 * MIN);
    expect(fn.state.cashBalance).toBe(5_000);
    run(fn, { kind: 'openShift' }, T0 + 3 * MIN);
    run(fn, { kind: 'closeShift' }, T0 + 4 * MIN, { cashControl: true, resetCashAtShiftClose: true });
    expect(fn.state.cashBalance).toBe(0);
  });
});

describe('settlement report (21), ФН closure (6) and replacement (11)', () => {
  it('form 21 with the shift open or closed', () => {
    const fn = start();
    const closed = run(fn, { kind: 'settlementReport' }, T0 + MIN).documents[0];
    expect(closed).toMatchObject({ kind: 'settlementReport', number: 2, unsentCount: 1, firstUnsentNumber: 1 });
    expect(closed).not.toHaveProperty('shiftNumber');
    run(fn, { kind: 'openShift' }, T0 + 2 * MIN);
    const open = run(fn, { kind: 'settlementReport' }, T0 + 3 * MIN).documents[0] as FiscalDocument;
    expect(open).toMatchObject({ kind: 'settlementReport', shiftNumber: 1, unsentCount: 3 });
    expect(toFnsJson(open, 'Europe/Moscow')).toMatchObject({
      code: 21,
      shiftNumber: 1,
      offlineMode: 0,
      notTransmittedDocumentsQuantity: 3,
      notTransmittedDocumentNumber: 1,
    });
  });

  it('replacing the ФН: form 6 on the old one (shift closed), form 11 as document 1 of the new one', () => {
    const fn = start();
    run(fn, { kind: 'cashIn', amount: 700, autoOpenShift: true }, T0 + MIN);
    const newId = identity({ fnNumber: '9999078900000002', registeredAt: T0 + 3 * MIN });
    const old = { state: fn.state, identity: fn.id, secret: SECRET };
    expect(refusal(() => replaceFn(old, { identity: newId, secret: SECRET }, T0 + 2 * MIN)).code).toBe(
      'SHIFT_ALREADY_OPEN',
    );
    run(fn, { kind: 'closeShift' }, T0 + 2 * MIN);
    const r = replaceFn({ ...old, state: fn.state }, { identity: newId, secret: SECRET }, T0 + 3 * MIN);
    expect(r.closure.documents[0]).toMatchObject({ kind: 'fnClosure', number: 4, shiftNumber: 1 });
    expect(r.registration.documents[0]).toMatchObject({
      kind: 'reregistration',
      number: 1,
      fnNumber: '9999078900000002',
      reasons: ['fn_replacement'],
      previousFnNumber: fn.id.fnNumber,
    });
    expect(r.registration.state).toMatchObject({ lastDocNumber: 1, shiftNumber: 0, cashBalance: 700 });
    expect(toFnsJson(r.registration.documents[0] as FiscalDocument, 'Europe/Moscow')).toMatchObject({
      code: 11,
      correctionReasonCode: [1],
    });
    expect(toFnsJson(r.closure.documents[0] as FiscalDocument, 'Europe/Moscow')).toMatchObject({ code: 6 });
    // the closed ФН writes nothing more
    const e = refusal(() => applyOperation(r.closure.state, fn.id, SECRET, { kind: 'openShift' }, T0 + 4 * MIN));
    expect(e.code).toBe('FN_CLOSED');
  });
});

describe('receipt fields 1048, 1009, 1187, 1203, 1227/1228, 2108 and 6-decimal quantities', () => {
  const CTX = { defaultTaxation: 'osn' as const, year: 2026 };

  it('validates and carries them into the document and its FNS JSON', () => {
    const v = validateReceipt(
      {
        type: 'sale',
        items: [{ name: 'Тыква', price: 99.99, quantity: 2.474001, measure: 'kilogram' }],
        payments: [{ type: 'card', amount: 247.38 }],
        cashier_inn: '272210689013',
        customer: { name: 'ООО "Агроторг"', inn: '7825706086' },
      },
      CTX,
    );
    expect(v.ok).toBe(true);
    if (!v.ok) return;
    expect(v.value.items[0]).toMatchObject({ quantityMicro: 2_474_001, sum: 24_738, measure: 'kilogram' });
    const fn = start(identity({ place: 'Магазин №1' }));
    const doc = run(fn, { kind: 'receipt', receipt: v.value, autoOpenShift: true }, T0 + MIN).documents[1];
    const json = toFnsJson(doc as ReceiptDocument, 'Europe/Moscow');
    expect(json).toMatchObject({
      user: 'ООО "Ромашка"',
      retailPlaceAddress: 'г. Москва, ул. Тверская, д. 1',
      retailPlace: 'Магазин №1',
      operatorInn: '272210689013',
      buyer: 'ООО "Агроторг"',
      buyerInn: '7825706086  ',
      items: [{ quantity: 2.474001, itemsQuantityMeasure: 11 }],
    });
  });

  it('refuses bad INNs and unknown measures with their paths', () => {
    const v = validateReceipt(
      {
        type: 'sale',
        items: [{ name: 'x', price: 1, quantity: 1, measure: 'furlong' }],
        payments: [{ type: 'cash', amount: 1 }],
        cashier_inn: '272210689014',
        customer: { inn: '7825706087' },
      },
      CTX,
    );
    expect(v.ok ? [] : v.errors.map((e) => e.path).sort()).toEqual(
      ['/cashier_inn', '/customer/inn', '/items/0/measure'].sort(),
    );
    const byCode = validateReceipt(
      {
        type: 'sale',
        items: [{ name: 'x', price: 1, quantity: 1, measure: 41 }],
        payments: [{ type: 'cash', amount: 1 }],
      },
      CTX,
    );
    expect(byCode.ok && byCode.value.items[0]?.measure).toBe('liter');
  });

  it('reads a stored 0.1 document whose quantities are thousandths', () => {
    const { quantityMicro: _m, ...legacyItem } = knownReceipt().items[0] as ReceiptDocument['items'][number];
    const stored = JSON.stringify({ ...knownReceipt(), items: [{ ...legacyItem, quantity: 2_474 }] });
    const doc = parseStoredDocument(stored) as ReceiptDocument;
    expect(doc.items[0]?.quantityMicro).toBe(2_474_000);
    expect(doc.items[0]).not.toHaveProperty('quantity');
    expect((toFnsJson(doc, 'Europe/Moscow').items as { quantity: number }[])[0]?.quantity).toBe(2.474);
  });

  it('a state stored without the new fields still works (balance 0, empty counters)', () => {
    const fn = start();
    const { shiftCounters: _a, fnTotals: _b, cashBalance: _c, fnClosed: _d, ...legacy } = fn.state;
    const step = applyOperation(
      legacy as FnState,
      fn.id,
      SECRET,
      { kind: 'cashIn', amount: 1, autoOpenShift: true },
      T0 + MIN,
    );
    expect(step.state.cashBalance).toBe(1);
  });
});
