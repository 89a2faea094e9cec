import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_KOPECKS } from '../../src/fiscal/money.ts';
import {
  itemSum,
  MAX_QUANTITY_MILLI,
  parseQuantity,
  QUANTITY_SCALE,
  quantityToNumber,
} from '../../src/fiscal/quantity.ts';

describe('parseQuantity', () => {
  it.each([
    [1, 1_000],
    [2, 2_000],
    [1.5, 1_500],
    [0.333, 333],
    [0.001, 1],
    [2.474, 2_474],
    ['2.474', 2_474],
    ['1.5', 1_500],
    ['1.50', 1_500],
    ['1.500', 1_500],
    [99_999_999.999, MAX_QUANTITY_MILLI],
  ])('reads %j as %d thousandths', (input, expected) => {
    expect(parseQuantity(input)).toEqual({ ok: true, value: expected });
  });

  it.each([
    [0.0005],
    [1.2345],
    ['1.2345'],
    [-1],
    ['-0.5'],
    [Number.NaN],
    [Number.POSITIVE_INFINITY],
    ['1e3'],
    ['two'],
    [null],
    [{}],
    [100_000_000],
    ['100000000.000'],
  ])('rejects %j', (input) => {
    expect(parseQuantity(input).ok).toBe(false);
  });

  it('quantityToNumber gives the decimal back', () => {
    expect(quantityToNumber(2_474)).toBe(2.474);
    expect(quantityToNumber(1_000)).toBe(1);
    expect(quantityToNumber(1)).toBe(0.001);
    expect(quantityToNumber(333)).toBe(0.333);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: MAX_QUANTITY_MILLI }), (q) => {
        expect(parseQuantity(quantityToNumber(q))).toEqual({ ok: true, value: q });
      }),
      { numRuns: 500 },
    );
  });
});

describe('itemSum (tag 1043, half-up to the kopeck)', () => {
  it.each([
    // price (kop), quantity (1/1000), exact product in kopecks → rounded
    [10_000, 2_000, 20_000], // 100.00 × 2 = 200.00
    [3_333, 333, 1_110], // 33.33 × 0.333 = 11.09889 → 11.10
    [3_333, 3_000, 9_999], // 33.33 × 3 = 99.99
    [9_999, 2_474, 24_738], // 99.99 × 2.474 = 247.37526 → 247.38 (the real Пятёрочка receipt)
    [1_999, 1_500, 2_999], // 19.99 × 1.5 = 29.985 → 29.99 (tie goes up)
    [1_001, 1_500, 1_502], // 10.01 × 1.5 = 15.015 → 15.02 (tie goes up)
    [1, 500, 1], // 0.01 × 0.5 = 0.005 → 0.01 (tie goes up)
    [1, 499, 0], // 0.01 × 0.499 = 0.00499 → 0.00
    [1, 1, 0], // 0.01 × 0.001 → 0.00
    [3, 500, 2], // 0.03 × 0.5 = 0.015 → 0.02
    [12_345, 333, 4_111], // 123.45 × 0.333 = 41.10885 → 41.11
    [12_345, 1, 12], // 123.45 × 0.001 = 0.12345 → 0.12
    [99_999, 999, 99_899], // 999.99 × 0.999 = 998.99001 → 998.99
  ])('%d kop × %d milli = %d kop', (price, quantity, sum) => {
    expect(itemSum(price, quantity)).toBe(sum);
  });

  it('is exact for amounts beyond 2^53 in the intermediate product', () => {
    // 2814749767106.55 ₽ × 1 = the maximum; the product 2.8e17 is not a safe integer.
    expect(itemSum(MAX_KOPECKS, 1_000)).toBe(MAX_KOPECKS);
    expect(itemSum(MAX_KOPECKS, 500)).toBe(Math.ceil(MAX_KOPECKS / 2)); // …327.5 → …328
  });

  it('quantity 1 gives the price back', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: MAX_KOPECKS }), (p) => {
        expect(itemSum(p, QUANTITY_SCALE)).toBe(p);
      }),
      { numRuns: 1000 },
    );
  });

  it('whole quantities multiply exactly, and the sum never decreases with the quantity', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10_000_000 }),
        fc.integer({ min: 1, max: 1_000 }),
        fc.integer({ min: 0, max: 10_000_000 }),
        (price, whole, milli) => {
          expect(itemSum(price, whole * QUANTITY_SCALE)).toBe(price * whole);
          expect(itemSum(price, milli + 1)).toBeGreaterThanOrEqual(itemSum(price, milli));
          // within half a kopeck of the exact product
          const exact = (price * milli) / QUANTITY_SCALE;
          expect(Math.abs(itemSum(price, milli) - exact)).toBeLessThanOrEqual(0.5);
        },
      ),
      { numRuns: 500 },
    );
  });
});
