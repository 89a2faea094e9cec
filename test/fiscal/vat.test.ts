import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  isLegacyGeneralRate,
  parseVatRate,
  VAT_RATES,
  VAT_TAG_1199,
  type VatRate,
  vatAmount,
  vatPercent,
} from '../../src/fiscal/vat.ts';

/**
 * rate, tag 1199 code (ffd.md §6.3), percent, VAT contained in 122.00 ₽ (12200 kop).
 * VAT is contained in the gross amount: sum × p / (100 + p), half-up to the kopeck.
 */
const TABLE: [VatRate, number, number, number][] = [
  ['none', 6, 0, 0],
  ['0', 5, 0, 0],
  ['5', 7, 5, 581], // 61000 / 105 = 580.95 → 581
  ['7', 8, 7, 798], // 85400 / 107 = 798.13 → 798
  ['10', 2, 10, 1_109], // 122000 / 110 = 1109.09 → 1109
  ['20', 1, 20, 2_033], // 244000 / 120 = 2033.33 → 2033
  ['22', 11, 22, 2_200], // 268400 / 122 = 2200
  ['5/105', 9, 5, 581],
  ['7/107', 10, 7, 798],
  ['10/110', 4, 10, 1_109],
  ['20/120', 3, 20, 2_033],
  ['22/122', 12, 22, 2_200],
];

describe('VAT rates', () => {
  it('knows exactly the 12 rates of the API', () => {
    expect([...VAT_RATES].sort()).toEqual(TABLE.map(([r]) => r).sort());
  });

  it.each(TABLE)('%s → tag 1199 code %d, %d %%, VAT in 122.00 ₽ = %d kop', (rate, code, percent, vatIn12200) => {
    expect(VAT_TAG_1199[rate]).toBe(code);
    expect(vatPercent(rate)).toBe(percent);
    expect(vatAmount(12_200, rate)).toBe(vatIn12200);
  });

  it('uses every 1199 code 1..12 exactly once', () => {
    expect(Object.values(VAT_TAG_1199).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  });

  it.each([
    // sum, rate, VAT: hand-computed sum × p / (100 + p)
    [3, '20', 1], // 60 / 120 = 0.5 → 1 (tie goes up)
    [9, '20', 2], // 180 / 120 = 1.5 → 2 (tie goes up)
    [2, '20', 0], // 40 / 120 = 0.33 → 0
    [300, '5', 14], // 1500 / 105 = 14.29 → 14
    [300, '7', 20], // 2100 / 107 = 19.63 → 20
    [11_000, '10', 1_000], // 110000 / 110 = 1000
    [11_000, '10/110', 1_000],
    [1_200, '20/120', 200],
    [20_000, '22', 3_607], // 440000 / 122 = 3606.56 → 3607
    [20_000, '22/122', 3_607],
    [1, '22', 0], // 22 / 122 = 0.18 → 0
    [3, '22', 1], // 66 / 122 = 0.54 → 1
    [128_521, '10', 11_684], // 1285210 / 110 = 11683.73 → 11684 (the real receipt's nds10)
    [0, '22', 0],
    [99_999, 'none', 0],
    [99_999, '0', 0],
  ] as [number, VatRate, number][])('vatAmount(%d, %s) = %d', (sum, rate, vat) => {
    expect(vatAmount(sum, rate)).toBe(vat);
  });

  it('the VAT is the nearest kopeck to sum × p / (100 + p), exact beyond 2^53', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 48 - 1 }), fc.constantFrom(...VAT_RATES), (sum, rate) => {
        const p = BigInt(vatPercent(rate));
        const vat = BigInt(vatAmount(sum, rate));
        // |vat·(100+p) − sum·p| ≤ (100+p)/2, ties up
        const diff2 = 2n * (vat * (100n + p) - BigInt(sum) * p);
        expect(diff2 <= 100n + p && diff2 > -(100n + p)).toBe(true);
        expect(vat <= BigInt(sum)).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });

  it('marks only 20 and 20/120 as the legacy general rate', () => {
    for (const rate of VAT_RATES) expect(isLegacyGeneralRate(rate)).toBe(rate === '20' || rate === '20/120');
  });
});

describe('parseVatRate', () => {
  it.each(VAT_RATES.map((r) => [r]))('accepts the string %j', (rate) => {
    expect(parseVatRate(rate)).toBe(rate);
  });

  it.each([
    [0, '0'],
    [5, '5'],
    [7, '7'],
    [10, '10'],
    [20, '20'],
    [22, '22'],
    [22.0, '22'],
    [-0, '0'],
  ] as [number, VatRate][])('accepts the number %j as %j', (input, rate) => {
    expect(parseVatRate(input)).toBe(rate);
  });

  it.each([
    [18],
    ['18'],
    ['18/118'],
    ['20/118'],
    [''],
    [' 22'],
    ['22 '],
    ['22%'],
    ['NONE'],
    ['None'],
    ['0.0'],
    [22.5],
    [105],
    [-5],
    [Number.NaN],
    [Number.POSITIVE_INFINITY],
    [null],
    [undefined],
    [true],
    [{}],
    [[22]],
    ['constructor'],
    ['__proto__'],
  ])('rejects %j', (input) => {
    expect(parseVatRate(input)).toBeUndefined();
  });

  it('returns a rate only for the 12 known values', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.double(), fc.integer()), (v) => {
        const r = parseVatRate(v);
        if (r !== undefined) expect(VAT_RATES).toContain(r);
      }),
      { numRuns: 500 },
    );
  });
});
