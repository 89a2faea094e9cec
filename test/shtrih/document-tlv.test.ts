import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import {
  OPERATION_NAMES,
  PAYMENT_METHODS,
  PAYMENT_OBJECTS,
  type PaymentMethod,
  type PaymentObject,
  TAXATION_NAMES,
  TAXATION_TYPES,
  type TaxationType,
} from '../../src/fiscal/codes.ts';
import type { FiscalDocument, OperationTotals, ReceiptInput, ReceiptItem } from '../../src/fiscal/document.ts';
import { applyOperation, type FnOperation, register } from '../../src/fiscal/fn-core.ts';
import { lineSum } from '../../src/fiscal/quantity.ts';
import { VAT_RATES, vatAmount } from '../../src/fiscal/vat.ts';
import { decodeDocument, encodeDocument } from '../../src/shtrih/protocol/document-tlv.ts';
import { decodeTlvs, encodeTlvs } from '../../src/shtrih/protocol/tlv.ts';
import { identity, REGISTERED_AT, SECRET } from '../fiscal/fixtures.ts';
import { digits, trimmedText } from './arbitraries.ts';

const MIN = 60_000;
const ZONES = ['Europe/Moscow', 'Asia/Vladivostok', 'Europe/Kaliningrad', 'UTC'];

const item: fc.Arbitrary<ReceiptItem> = fc
  .record({
    name: trimmedText(128),
    price: fc.integer({ min: 1, max: 10_000_000 }),
    // Millionths: whole thousandths (written with 3 decimals) and finer ones (6 decimals).
    quantityMicro: fc.oneof(
      fc.integer({ min: 1, max: 1_000_000 }).map((q) => q * 1000),
      fc.integer({ min: 1, max: 1e9 }),
    ),
    vatRate: fc.constantFrom(...VAT_RATES),
    paymentMethod: fc.constantFrom(...(Object.keys(PAYMENT_METHODS) as PaymentMethod[])),
    paymentObject: fc.constantFrom(...(Object.keys(PAYMENT_OBJECTS) as PaymentObject[])),
  })
  .map((r) => {
    const sum = Math.max(1, lineSum(r.price, r.quantityMicro));
    return { ...r, sum, vatSum: vatAmount(sum, r.vatRate) };
  });

const receipt: fc.Arbitrary<ReceiptInput> = fc
  .record({
    operation: fc.constantFrom(...OPERATION_NAMES),
    items: fc.array(item, { minLength: 1, maxLength: 8 }),
    taxation: fc.constantFrom(...(Object.keys(TAXATION_TYPES) as TaxationType[])),
    card: fc.nat(),
    change: fc.integer({ min: 0, max: 100_000 }),
    cashier: fc.option(trimmedText(64), { nil: undefined }),
    customerContact: fc.option(
      digits(11).map((d) => `+${d}`),
      { nil: undefined },
    ),
    requestId: fc.option(fc.uuid(), { nil: undefined }),
  })
  .map(({ card, change, cashier, customerContact, requestId, ...r }) => {
    const total = r.items.reduce((s, it) => s + it.sum, 0);
    const cardPaid = total === 0 ? 0 : card % (total + 1);
    const input: ReceiptInput = {
      ...r,
      payments: { cash: total - cardPaid + change, card: cardPaid, prepaid: 0, credit: 0, other: 0 },
    };
    if (cashier !== undefined) input.cashier = cashier;
    if (customerContact !== undefined) input.customerContact = customerContact;
    if (requestId !== undefined) input.requestId = requestId;
    return input;
  });

const operation: fc.Arbitrary<FnOperation> = fc.oneof(
  { weight: 6, arbitrary: receipt.map((r) => ({ kind: 'receipt' as const, receipt: r, autoOpenShift: true })) },
  {
    weight: 1,
    arbitrary: fc
      .option(trimmedText(64), { nil: undefined })
      .map((cashier) => ({ kind: 'closeShift' as const, ...(cashier ? { cashier } : {}) })),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'openShift' as const }) },
  {
    weight: 2,
    arbitrary: fc
      .tuple(
        receipt,
        fc.constantFrom('self' as const, 'instruction' as const),
        fc.option(trimmedText(32), { nil: undefined }),
      )
      .map(([r, kind, number]) => ({
        kind: 'correction' as const,
        correction: {
          ...r,
          correction: { kind, date: '2020-01-15', ...(kind === 'instruction' ? { number: number ?? 'N1' } : {}) },
        },
        autoOpenShift: true,
      })),
  },
  {
    weight: 1,
    arbitrary: fc
      .option(trimmedText(64), { nil: undefined })
      .map((cashier) => ({ kind: 'settlementReport' as const, ...(cashier ? { cashier } : {}) })),
  },
);

/** A short life of one ФН, straight from fn-core: every kind of document kkt-emu keeps. */
function documentsOf(ops: FnOperation[]): FiscalDocument[] {
  const id = identity();
  let step = register(id, SECRET);
  const docs = [...step.documents];
  let now = REGISTERED_AT;
  for (const op of ops) {
    now += 7 * MIN;
    try {
      step = applyOperation(step.state, id, SECRET, op, now);
      docs.push(...step.documents);
    } catch {
      // A refusal (closing a closed shift, …) writes nothing.
    }
  }
  return docs;
}

describe('documents as TLV (FF3Ah/FF3Bh read-back)', () => {
  test('decode(encode(doc)) equals doc for every kind, in any time zone', () => {
    fc.assert(
      fc.property(fc.array(operation, { maxLength: 12 }), fc.constantFrom(...ZONES), (ops, zone) => {
        for (const doc of documentsOf(ops)) {
          const { type, body } = encodeDocument(doc, zone);
          // 1062 is always on the wire: a registration kept without the list reads back with every system.
          const expected =
            doc.kind === 'registration' ? { ...doc, taxationTypes: doc.taxationTypes ?? [...TAXATION_NAMES] } : doc;
          expect(decodeDocument(type, body, zone)).toEqual(expected);
        }
      }),
      { numRuns: 150 },
    );
  });

  test('a correction (form 31) with its 1173/1174 and a settlement report (form 21) read back whole', () => {
    const id = identity();
    let step = register(id, SECRET);
    const r: ReceiptInput = {
      operation: 'purchase',
      items: [
        {
          name: 'Коррекция',
          price: 12345,
          quantityMicro: 1_500_000,
          sum: 18518,
          vatRate: '10',
          vatSum: vatAmount(18518, '10'),
          paymentMethod: 'full_payment',
          paymentObject: 'commodity',
          measure: 'kilogram',
        },
      ],
      payments: { cash: 20000, card: 0, prepaid: 0, credit: 0, other: 0 },
      taxation: 'osn',
      requestId: 'c-1',
      cashierInn: '272210689013',
      customer: { name: 'ООО "Покупатель"', inn: '7700000009' },
    };
    step = applyOperation(
      step.state,
      id,
      SECRET,
      {
        kind: 'correction',
        correction: { ...r, correction: { kind: 'instruction', date: '2020-01-15', number: 'ФНС-7' } },
        autoOpenShift: true,
      },
      REGISTERED_AT + MIN,
    );
    const correction = step.documents.at(-1) as FiscalDocument;
    step = applyOperation(
      step.state,
      id,
      SECRET,
      { kind: 'settlementReport', cashier: 'Иванов' },
      REGISTERED_AT + 2 * MIN,
    );
    const report = step.documents.at(-1) as FiscalDocument;
    expect([correction.kind, report.kind]).toEqual(['correction', 'settlementReport']);
    for (const doc of [correction, report]) {
      const { type, body } = encodeDocument(doc, 'Europe/Moscow');
      expect(type).toBe(doc.kind === 'correction' ? 31 : 21);
      expect(decodeDocument(type, body, 'Europe/Moscow')).toEqual(doc);
    }
  });

  test('form codes, CP866 strings and the request id property', () => {
    const [reg, open, sale] = documentsOf([
      {
        kind: 'receipt',
        autoOpenShift: true,
        receipt: {
          operation: 'sale',
          items: [
            {
              name: 'Товар',
              price: 100,
              quantityMicro: 1_000_000,
              sum: 100,
              vatRate: '22',
              vatSum: 18,
              paymentMethod: 'full_payment',
              paymentObject: 'commodity',
            },
          ],
          payments: { cash: 100, card: 0, prepaid: 0, credit: 0, other: 0 },
          taxation: 'osn',
          requestId: '0190b7d2-0000-7000-8000-000000000000',
        },
      },
    ]);
    expect(reg && encodeDocument(reg, 'UTC').type).toBe(1);
    expect(open && encodeDocument(open, 'UTC').type).toBe(2);
    const body = sale ? encodeDocument(sale, 'UTC').body : Buffer.alloc(0);
    // "Товар" in CP866 and the 1084 property name.
    expect(body.includes(Buffer.from([0x92, 0xae, 0xa2, 0xa0, 0xe0]))).toBe(true);
    expect(body.includes(Buffer.from('request_id'))).toBe(true);
  });

  test("a real ФН's form 21 (1157, no kkt-emu 65002) reads back with its receipts' counters", () => {
    const sale = (operation: 'sale' | 'refund', cash: number, card: number): FnOperation => ({
      kind: 'receipt',
      autoOpenShift: true,
      receipt: {
        operation,
        items: [
          {
            name: 'Товар',
            price: cash + card,
            quantityMicro: 1_000_000,
            sum: cash + card,
            vatRate: '22',
            vatSum: vatAmount(cash + card, '22'),
            paymentMethod: 'full_payment',
            paymentObject: 'commodity',
          },
        ],
        payments: { cash, card, prepaid: 0, credit: 0, other: 0 },
        taxation: 'osn',
      },
    });
    const docs = documentsOf([
      sale('sale', 1000, 0),
      sale('sale', 250, 750),
      sale('refund', 300, 0),
      { kind: 'settlementReport' },
    ]);
    const report = docs.at(-1) as FiscalDocument;
    if (report.kind !== 'settlementReport') throw new Error('no form 21');
    const { type, body } = encodeDocument(report, 'UTC');
    const real = encodeTlvs(decodeTlvs(body).filter((t) => t.tag !== 65002));
    const back = decodeDocument(type, real, 'UTC');
    if (back.kind !== 'settlementReport') throw new Error('not form 21');
    const plain = (t: OperationTotals) => ({ count: t.count, total: t.total, payments: t.payments });
    for (const op of ['sale', 'refund', 'purchase', 'purchase_refund'] as const)
      expect(back.fnTotals.receipts[op]).toEqual(plain(report.fnTotals.receipts[op]));
    expect(back.fnTotals.receipts.sale).toMatchObject({ count: 2, total: 2000, payments: { cash: 1250, card: 750 } });
    expect(back.fnTotals.corrections.sale.count).toBe(0);
  });

  test('malformed bodies are WireFormatErrors', () => {
    expect(() => decodeDocument(3, Buffer.from([1, 2, 3]), 'UTC')).toThrow(/cut short/);
    expect(() => decodeDocument(3, Buffer.alloc(0), 'UTC')).toThrow(/missing/);
    expect(() => decodeDocument(99, Buffer.alloc(0), 'UTC')).toThrow(/unknown code 99/);
  });
});
