import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CASH_SIGN } from '../../src/fiscal/cash-drawer.ts';
import { OPERATION_NAMES, type Operation } from '../../src/fiscal/codes.ts';
import { addToTotals, emptyCounters } from '../../src/fiscal/counters.ts';
import type {
  Counters,
  FiscalDocument,
  FnIdentity,
  ReceiptInput,
  SettlementDocument,
  ShiftCloseDocument,
} from '../../src/fiscal/document.ts';
import { FiscalError } from '../../src/fiscal/errors.ts';
import {
  applyOperation,
  type FnOperation,
  type FnPolicy,
  type FnState,
  register,
  replaceFn,
} from '../../src/fiscal/fn-core.ts';
import { generateRegNumber, isValidInn, isValidRegNumber, withInnCheckDigits } from '../../src/fiscal/registration.ts';
import { identity, REGISTERED_AT, SECRET } from './fixtures.ts';

const MIN = 60_000;
const POLICY: FnPolicy = { cashControl: true, resetCashAtShiftClose: false };

type Step =
  | { kind: 'settle'; correction: boolean; operation: Operation; price: number; cash: boolean; change: number }
  | { kind: 'cashIn' | 'cashOut'; amount: number }
  | { kind: 'openShift' | 'closeShift' | 'settlementReport' | 'replace' };

const step: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.record({
      kind: fc.constant('settle' as const),
      correction: fc.boolean(),
      operation: fc.constantFrom(...OPERATION_NAMES),
      price: fc.integer({ min: 1, max: 50_000 }),
      cash: fc.boolean(),
      change: fc.integer({ min: 0, max: 1_000 }),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constantFrom('cashIn' as const, 'cashOut' as const),
      amount: fc.integer({ min: 1, max: 60_000 }),
    }),
  },
  { weight: 3, arbitrary: fc.record({ kind: fc.constantFrom('openShift' as const, 'closeShift' as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constantFrom('settlementReport' as const, 'replace' as const) }) },
);

/** A fictional registration per ФН: a valid INN and a registration number generated from it. */
const registration = fc.record({
  leading: fc.stringMatching(/^[1-9]\d{8}$/),
  sequence: fc.stringMatching(/^\d{10}$/),
  serial: fc.stringMatching(/^\d{14}$/),
});

const VAT = ['22', '10', '0', 'none', '20/120'] as const;

function receipt(s: Extract<Step, { kind: 'settle' }>, i: number): ReceiptInput {
  const vatRate = VAT[i % VAT.length] as (typeof VAT)[number];
  const vatSum = vatRate === '22' ? Math.round((s.price * 22) / 122) : vatRate === '10' ? Math.round(s.price / 11) : 0;
  const card = s.cash ? 0 : s.price;
  return {
    operation: s.operation,
    items: [
      {
        name: 'Товар',
        price: s.price,
        quantityMicro: 1_000_000,
        sum: s.price,
        vatRate,
        vatSum: vatRate === '20/120' ? Math.round(s.price / 6) : vatSum,
        paymentMethod: 'full_payment',
        paymentObject: 'commodity',
      },
    ],
    payments: { cash: s.cash ? s.price + s.change : 0, card, prepaid: 0, credit: 0, other: 0 },
    taxation: 'osn',
  };
}

function toOperation(s: Step, i: number): FnOperation | undefined {
  switch (s.kind) {
    case 'settle': {
      const r = receipt(s, i);
      return s.correction
        ? {
            kind: 'correction',
            correction: {
              ...r,
              correction:
                i % 2
                  ? { kind: 'self', date: '2026-01-09' }
                  : { kind: 'instruction', date: '2026-01-09', number: `П-${i}` },
            },
            autoOpenShift: true,
          }
        : { kind: 'receipt', receipt: r, autoOpenShift: true };
    }
    case 'cashIn':
    case 'cashOut':
      return { kind: s.kind, amount: s.amount, autoOpenShift: i % 3 !== 0 };
    case 'openShift':
    case 'closeShift':
    case 'settlementReport':
      return { kind: s.kind };
    case 'replace':
      return undefined;
  }
}

const netCash = (d: SettlementDocument) => d.payments.cash - d.change;

/** The counters of a set of receipts and corrections, summed independently of fn-core's state. */
function countersOf(docs: SettlementDocument[]): Counters {
  let c = emptyCounters();
  for (const d of docs) {
    const a = {
      operation: d.operation,
      total: d.total,
      payments: { ...d.payments, cash: netCash(d) },
      items: d.items,
      ...(d.kind === 'correction' ? { correctionKind: d.correction.kind } : {}),
    };
    c =
      d.kind === 'receipt'
        ? { ...c, receipts: addToTotals(c.receipts, a) }
        : { ...c, corrections: addToTotals(c.corrections, a) };
  }
  return c;
}

const plain = (c: Counters['receipts']) =>
  Object.fromEntries(
    OPERATION_NAMES.map((op) => [op, { count: c[op].count, total: c[op].total, payments: c[op].payments }]),
  );

describe('the ФН over any sequence of operations (with ФН replacements)', () => {
  it('numbers, receipt numbers, drawer, Z counters and registration data stay consistent', () => {
    fc.assert(
      fc.property(
        fc.array(step, { maxLength: 40 }),
        fc.array(registration, { minLength: 4, maxLength: 4 }),
        (steps, regs) => {
          let fnIndex = 0;
          const identityOf = (k: number, at: number): FnIdentity => {
            const r = regs[k % regs.length] as (typeof regs)[number];
            const inn = withInnCheckDigits(r.leading);
            const id = identity({
              userInn: inn,
              kktSerial: r.serial,
              kktRegNumber: generateRegNumber({ sequence: r.sequence, inn, kktSerial: r.serial }),
              fnNumber: `99990789${String(k).padStart(8, '0')}`,
              registeredAt: at,
            });
            expect(isValidInn(id.userInn)).toBe(true);
            expect(isValidRegNumber(id.kktRegNumber, id.userInn, id.kktSerial)).toBe(true);
            return id;
          };
          let now = REGISTERED_AT;
          let id = identityOf(0, now);
          let first = register(id, SECRET);
          let state: FnState = first.state;
          let docs: FiscalDocument[] = [...first.documents]; // this ФН's documents
          let drawer = 0; // sum of every cash movement
          let fnSettlements: SettlementDocument[] = []; // this ФН's receipts and corrections
          let shift: SettlementDocument[] = [];

          steps.forEach((s, i) => {
            now += 3 * MIN;
            try {
              if (s.kind === 'replace') {
                const next = identityOf(++fnIndex, now);
                const r = replaceFn({ state, identity: id, secret: SECRET }, { identity: next, secret: SECRET }, now);
                expect(r.closure.documents[0]?.number).toBe(state.lastDocNumber + 1);
                id = next;
                first = r.registration;
                state = first.state;
                docs = [...first.documents];
                expect(docs.map((d) => [d.kind, d.number])).toEqual([['reregistration', 1]]);
                fnSettlements = [];
                shift = [];
                return;
              }
              const op = toOperation(s, i) as FnOperation;
              const result = applyOperation(state, id, SECRET, op, now, POLICY);
              for (const d of result.documents) {
                // one contiguous sequence across every document type
                expect(d.number).toBe((docs.at(-1)?.number ?? 0) + 1);
                docs.push(d);
                if (d.kind === 'shiftOpen') shift = [];
                if (d.kind === 'receipt' || d.kind === 'correction') {
                  // 1042 counts receipts and corrections in the shift
                  expect(d.receiptNumber).toBe(shift.length + 1);
                  shift.push(d);
                  fnSettlements.push(d);
                  drawer += CASH_SIGN[d.operation] * netCash(d);
                }
                if (d.kind === 'shiftClose') {
                  const z = d as ShiftCloseDocument;
                  const expected = countersOf(shift);
                  expect(z.receiptsCount).toBe(shift.length);
                  expect(z.counters).toEqual(expected);
                  expect(z.totals).toEqual(plain(expected.receipts));
                  expect(z.fnTotals).toEqual(countersOf(fnSettlements));
                }
              }
              if (result.cash) drawer += result.cash.kind === 'in' ? result.cash.amount : -result.cash.amount;
              state = result.state;
            } catch (e) {
              if (!(e instanceof FiscalError)) throw e;
              expect(['INSUFFICIENT_CASH', 'SHIFT_CLOSED', 'SHIFT_ALREADY_OPEN']).toContain(e.code);
            }
            // the drawer equals the sum of cash movements and, with cash control, never goes negative
            expect(state.cashBalance ?? 0).toBe(drawer);
            expect(drawer).toBeGreaterThanOrEqual(0);
          });
        },
      ),
      { numRuns: 150 },
    );
  });
});
