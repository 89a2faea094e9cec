import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import type { PaymentType } from '../../src/fiscal/codes.ts';
import { emptyCounters } from '../../src/fiscal/counters.ts';
import type { FiscalDocument, ReceiptDocument, ReceiptItem, VatTotals } from '../../src/fiscal/document.ts';
import { formatRubles } from '../../src/fiscal/money.ts';
import { lineSum } from '../../src/fiscal/quantity.ts';
import { VAT_RATES, vatAmount } from '../../src/fiscal/vat.ts';
import { cpLength } from '../../src/slips/layout.ts';
import { renderSlipText } from '../../src/slips/slip.ts';
import { registration, shiftClose } from './documents.ts';

/**
 * The column arithmetic of slips as properties over random names, amounts and widths: no line
 * is ever wider than the paper (in code points), and what the slip prints adds up to the
 * document's totals.
 */

const ALPHABET = [...'АБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯабвгдеёжзийклмнопрстуфхцчшщъыьэюяABCxyz0123456789 .,-()«»%/№"'];
const text = (max: number) =>
  fc
    .array(fc.constantFrom(...ALPHABET), { minLength: 1, maxLength: max })
    .map((cs) => cs.join(''))
    .filter((s) => s.trim() !== '');

const itemArb = fc
  .record({
    name: text(128),
    price: fc.oneof(fc.integer({ min: 1, max: 100_000_000 }), fc.integer({ min: 1, max: 100 })),
    // Mostly everyday quantities, sometimes the longest one the API takes (99999999.999999).
    quantityMicro: fc.oneof(
      { weight: 4, arbitrary: fc.integer({ min: 1, max: 1_000_000_000 }) },
      { weight: 1, arbitrary: fc.integer({ min: 99_999_999_000_000, max: 99_999_999_999_999 }) },
    ),
    vatRate: fc.constantFrom(...VAT_RATES),
  })
  .map(({ name, price, quantityMicro, vatRate }): ReceiptItem => {
    const sum = lineSum(price, quantityMicro);
    return {
      name,
      price,
      quantityMicro,
      sum,
      vatRate,
      vatSum: vatAmount(sum, vatRate),
      paymentMethod: 'full_payment',
      paymentObject: 'commodity',
    };
  })
  // A line sum of 0 kopecks is refused by the validator; keep the document one a ФН would sign.
  .filter((it) => it.sum > 0 && it.sum < 2 ** 40);

const receiptArb = fc
  .record({
    items: fc.array(itemArb, { minLength: 1, maxLength: 30 }),
    cardShare: fc.double({ min: 0, max: 1, noNaN: true }),
    change: fc.integer({ min: 0, max: 100_000 }),
    cashier: fc.option(text(64), { nil: undefined }),
    operation: fc.constantFrom('sale', 'refund', 'purchase', 'purchase_refund' as const),
    width: fc.integer({ min: 32, max: 64 }),
  })
  .map(({ items, cardShare, change, cashier, operation, width }) => {
    const total = items.reduce((t, it) => t + it.sum, 0);
    const card = Math.floor(total * cardShare);
    const vatTotals: VatTotals = {};
    for (const it of items) vatTotals[it.vatRate] = (vatTotals[it.vatRate] ?? 0) + it.vatSum;
    const doc: ReceiptDocument = {
      kind: 'receipt',
      number: 42,
      dateTime: Date.UTC(2026, 10, 25, 11, 5),
      fnNumber: '9999078900000001',
      kktRegNumber: '0000000001012345',
      userInn: '7700000009',
      fiscalSign: '0123456789',
      userName: 'ООО "Ромашка"',
      address: 'г. Москва, ул. Примерная, д. 1',
      operation,
      items,
      payments: { cash: total - card + change, card, prepaid: 0, credit: 0, other: 0 },
      taxation: 'osn',
      ...(cashier !== undefined ? { cashier } : {}),
      shiftNumber: 1,
      receiptNumber: 1,
      total,
      change,
      vatTotals,
    };
    return { doc, width };
  });

const AMOUNT = /=(\d+\.\d{2})$/;
const kopecks = (s: string) => Math.round(Number(s) * 100);

/** The amount printed for `label` after line `from`: at the end of its line, or right-aligned on the next. */
function amountAfter(lines: string[], label: string, from: number): number | undefined {
  const i = lines.findIndex((l, k) => k >= from && l.startsWith(label));
  if (i < 0) return undefined;
  const m = AMOUNT.exec(lines[i] as string) ?? AMOUNT.exec(lines[i + 1] ?? '');
  return m ? kopecks(m[1] as string) : undefined;
}

const render = (doc: FiscalDocument, width: number) => renderSlipText(doc, { timezone: 'Europe/Moscow', width });

describe('slip column arithmetic', () => {
  test('no line of a receipt is wider than the paper, and its printed sums add up to its totals', () => {
    fc.assert(
      fc.property(receiptArb, ({ doc, width }) => {
        const lines = render(doc, width).trimEnd().split('\n');
        const widest = lines.reduce((w, l) => (cpLength(l) > cpLength(w) ? l : w), '');
        expect(cpLength(widest), widest).toBeLessThanOrEqual(width);

        // Items: each "qty x price" line carries the item's sum (here or on the next line).
        const sums: number[] = [];
        lines.forEach((l, i) => {
          if (!/^\d+(\.\d+)? x \d+\.\d{2}/.test(l)) return;
          const m = AMOUNT.exec(l) ?? AMOUNT.exec(lines[i + 1] ?? '');
          if (m) sums.push(kopecks(m[1] as string));
        });
        expect(sums).toEqual(doc.items.map((it) => it.sum));

        const itog = lines.findIndex((l) => /^ИТОГ {2,}=/.test(l) || l === 'ИТОГ');
        expect(amountAfter(lines, 'ИТОГ', itog)).toBe(doc.total);
        expect(sums.reduce((a, b) => a + b, 0)).toBe(doc.total);

        const labels: Record<PaymentType, string> = {
          cash: 'НАЛИЧНЫМИ',
          card: 'БЕЗНАЛИЧНЫМИ',
          prepaid: 'ПРЕДВАРИТЕЛЬНАЯ',
          credit: 'ПОСЛЕДУЮЩАЯ',
          other: 'ИНАЯ',
        };
        const paid = Object.values(labels).reduce((t, label) => t + (amountAfter(lines, label, itog) ?? 0), 0);
        expect(paid - (amountAfter(lines, 'СДАЧА', itog) ?? 0)).toBe(doc.total);

        // VAT totals: each rate's line carries the document's VAT (or the sum for 0 % and без НДС).
        for (const rate of Object.keys(doc.vatTotals) as (keyof VatTotals)[]) {
          if (rate === 'none' || rate === '0') continue;
          const label = `СУММА НДС ${rate.includes('/') ? rate : `${rate}%`}`;
          expect(amountAfter(lines, label, itog), label).toBe(doc.vatTotals[rate]);
        }
      }),
      { numRuns: 300 },
    );
  });

  test('reports with long organisation data and large counters fit too', () => {
    fc.assert(
      fc.property(
        text(256),
        text(256),
        text(64),
        fc.integer({ min: 0, max: 2 ** 40 }),
        fc.integer({ min: 32, max: 64 }),
        (name, address, cashier, amount, width) => {
          const reg = { ...registration(), userName: name, address, place: address, ofdName: name };
          const counters = emptyCounters();
          counters.receipts.sale = {
            count: 2 ** 31,
            total: amount,
            payments: { cash: amount, card: amount, prepaid: amount, credit: amount, other: amount },
            vat: { '22/122': amount },
            byRate: { none: amount, '0': amount },
          };
          const z = { ...shiftClose(), cashier, counters, fnTotals: counters };
          for (const doc of [reg, z] as FiscalDocument[]) {
            const widest = Math.max(...render(doc, width).split('\n').map(cpLength));
            expect(widest).toBeLessThanOrEqual(width);
          }
          const totalLine = render(z, width)
            .split('\n')
            .find((l) => l.startsWith('ИТОГ'));
          expect(totalLine?.endsWith(`=${formatRubles(amount)}`)).toBe(true);
        },
      ),
      { numRuns: 200 },
    );
  });
});
