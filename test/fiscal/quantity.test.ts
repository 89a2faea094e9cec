import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_KOPECKS } from '../../src/fiscal/money.ts';
import {
  formatQuantity,
  lineSum,
  MAX_QUANTITY_MICRO,
  microOfMilli,
  parseQuantity,
  QUANTITY_SCALE,
  quantityToNumber,
} from '../../src/fiscal/quantity.ts';

describe('parseQuantity (millionths, at most 6 decimals)', () => {
  it.each([
    [1, 1_000_000],
    [2, 2_000_000],
    [1.5, 1_500_000],
    [0.333, 333_000],
    [0.001, 1_000],
    [0.000001, 1],
    [1.234567, 1_234_567],
    ['0.000001', 1],
    [2.474, 2_474_000],
    ['2.474', 2_474_000],
    ['1.5', 1_500_000],
    ['1.500000', 1_500_000],
    [99_999_999.999999, MAX_QUANTITY_MICRO],
  ])('reads %j as %d millionths', (input, expected) => {
    expect(parseQuantity(input)).toEqual({ ok: true, value: expected });
  });

  it.each([
    [0.0000005],
    [1.2345678],
    ['1.2345678'],
    [-1],
    ['-0.5'],
    [Number.NaN],
    [Number.POSITIVE_INFINITY],
    ['1e3'],
    ['two'],
    [null],
    [{}],
    [100_000_000],
    ['100000000.000000'],
  ])('rejects %j', (input) => {
    expect(parseQuantity(input).ok).toBe(false);
  });

  it('quantityToNumber and formatQuantity give the decimal back exactly', () => {
    expect(quantityToNumber(2_474_000)).toBe(2.474);
    expect(quantityToNumber(1_000_000)).toBe(1);
    expect(quantityToNumber(1)).toBe(0.000001);
    expect(formatQuantity(1_234_567)).toBe('1.234567');
    expect(formatQuantity(5_000_000)).toBe('5');
    expect(formatQuantity(MAX_QUANTITY_MICRO)).toBe('99999999.999999');
    fc.assert(
      fc.property(fc.integer({ min: 0, max: MAX_QUANTITY_MICRO }), (q) => {
        expect(parseQuantity(quantityToNumber(q))).toEqual({ ok: true, value: q });
        expect(parseQuantity(formatQuantity(q))).toEqual({ ok: true, value: q });
      }),
      { numRuns: 500 },
    );
  });

  it('reads the thousandths of documents stored before 6 decimals', () => {
    expect(microOfMilli(2_474)).toBe(2_474_000);
  });
});

describe('lineSum (tag 1043, half-up to the kopeck)', () => {
  it.each([
    // price (kop), quantity (1/1 000 000), exact product in kopecks → rounded
    [10_000, 2_000_000, 20_000], // 100.00 × 2 = 200.00
    [3_333, 333_000, 1_110], // 33.33 × 0.333 = 11.09889 → 11.10
    [3_333, 3_000_000, 9_999], // 33.33 × 3 = 99.99
    [9_999, 2_474_000, 24_738], // 99.99 × 2.474 = 247.37526 → 247.38 (the real Пятёрочка receipt)
    [1_999, 1_500_000, 2_999], // 19.99 × 1.5 = 29.985 → 29.99 (tie goes up)
    [1_001, 1_500_000, 1_502], // 10.01 × 1.5 = 15.015 → 15.02 (tie goes up)
    [1, 500_000, 1], // 0.01 × 0.5 = 0.005 → 0.01 (tie goes up)
    [1, 499_999, 0], // 0.01 × 0.499999 → 0.00
    [1, 1_000, 0], // 0.01 × 0.001 → 0.00
    [12_345, 1_000, 12], // 123.45 × 0.001 = 0.12345 → 0.12
    [100_000, 1, 0], // 1000.00 × 0.000001 = 0.001 → 0.00
    [500_000, 1, 1], // 5000.00 × 0.000001 = 0.005 → 0.01 (tie goes up)
    [4_990, 123_457, 616], // 49.90 × 0.123457 = 6.1605043 → 6.16
    [99_999, 999_999, 99_999], // 999.99 × 0.999999 = 999.98900001 → 999.99
  ])('%d kop × %d micro = %d kop', (price, quantity, sum) => {
    expect(lineSum(price, quantity)).toBe(sum);
  });

  it('is exact for amounts beyond 2^53 in the intermediate product', () => {
    expect(lineSum(MAX_KOPECKS, QUANTITY_SCALE)).toBe(MAX_KOPECKS);
    expect(lineSum(MAX_KOPECKS, 500_000)).toBe(Math.ceil(MAX_KOPECKS / 2)); // …327.5 → …328
  });

  it('quantity 1 gives the price back', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: MAX_KOPECKS }), (p) => {
        expect(lineSum(p, QUANTITY_SCALE)).toBe(p);
      }),
      { numRuns: 500 },
    );
  });

  it('equals round-half-up of the exact product (BigInt reference), and is monotone', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10_000_000 }),
        fc.integer({ min: 1, max: 1_000 }),
        fc.integer({ min: 0, max: MAX_QUANTITY_MICRO - 1 }),
        (price, whole, micro) => {
          expect(lineSum(price, whole * QUANTITY_SCALE)).toBe(price * whole);
          expect(lineSum(price, micro + 1)).toBeGreaterThanOrEqual(lineSum(price, micro));
          const product = BigInt(price) * BigInt(micro);
          const floor = product / 1_000_000n;
          const rest = product % 1_000_000n;
          expect(BigInt(lineSum(price, micro))).toBe(rest * 2n >= 1_000_000n ? floor + 1n : floor);
        },
      ),
      { numRuns: 300 },
    );
  });
});
