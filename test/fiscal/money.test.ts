import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  divRoundHalfUp,
  formatRubles,
  MAX_KOPECKS,
  parseRubles,
  parseScaled,
  toRublesNumber,
} from '../../src/fiscal/money.ts';

function kopecks(value: unknown): number {
  const r = parseRubles(value);
  if (!r.ok) throw new Error(`expected ${String(value)} to parse, got: ${r.message}`);
  return r.value;
}

describe('parseRubles', () => {
  it.each([
    [100, 10_000],
    [100.5, 10_050],
    [100.55, 10_055],
    ['100.55', 10_055],
    ['100.5', 10_050],
    ['100', 10_000],
    ['100.00', 10_000],
    [0.1, 10],
    [0.01, 1],
    [1e-2, 1],
    [0.29, 29],
    [1.15, 115],
    [4.35, 435],
    [19.99, 1_999],
    [0, 0],
    ['0', 0],
    ['  7.10  ', 710],
    ['007.5', 750],
    [2_814_749_767_106.55, MAX_KOPECKS],
    ['2814749767106.55', MAX_KOPECKS],
  ])('reads %j as %d kopecks', (input, expected) => {
    expect(parseRubles(input)).toEqual({ ok: true, value: expected });
  });

  it('never lets a binary fraction leak in (0.1 + 0.2 is not a JSON literal, 0.3 is)', () => {
    expect(kopecks(0.3)).toBe(30);
    expect(parseRubles(0.1 + 0.2).ok).toBe(false); // 0.30000000000000004
  });

  it.each([
    [100.555, 'decimals'],
    ['100.555', 'decimals'],
    [0.001, 'decimals'],
    [Number.NaN, 'finite'],
    [Number.POSITIVE_INFINITY, 'finite'],
    [Number.NEGATIVE_INFINITY, 'finite'],
    [-1, 'negative'],
    [-0.01, 'negative'],
    ['-1', 'negative'],
    ['abc', 'decimal number'],
    ['', 'decimal number'],
    ['   ', 'decimal number'],
    ['1e5', 'decimal number'],
    ['1E5', 'decimal number'],
    ['1e-2', 'decimal number'],
    [1e21, 'decimal number'], // String(1e21) is "1e+21"
    [5e-7, 'decimal number'], // String(5e-7) is "5e-7"
    ['+1', 'decimal number'],
    ['.5', 'decimal number'],
    ['5.', 'decimal number'],
    ['0x10', 'decimal number'],
    ['1,50', 'decimal number'],
    ['1_000', 'decimal number'],
    ['１００', 'decimal number'], // full-width digits
    ['Infinity', 'decimal number'],
    [null, 'must be a number'],
    [undefined, 'must be a number'],
    [true, 'must be a number'],
    [{}, 'must be a number'],
    [[100], 'must be a number'],
    [{ valueOf: () => 100 }, 'must be a number'],
    [100n, 'must be a number'],
    [2_814_749_767_106.56, 'too large'],
    ['2814749767106.56', 'too large'],
    [1e20, 'too large'],
    ['9'.repeat(400), 'too large'],
  ])('rejects %o (%s)', (input, messagePart) => {
    const r = parseRubles(input);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message).toContain(messagePart);
  });

  it('round-trips every kopeck amount through formatRubles, as a string and as a JSON number', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: MAX_KOPECKS }), (k) => {
        const text = formatRubles(k);
        expect(parseRubles(text)).toEqual({ ok: true, value: k });
        // Up to 2^48 − 1 kopecks the rubles have at most 15 significant digits, so the
        // shortest round-trip string of the double is the same decimal.
        expect(parseRubles(Number(text))).toEqual({ ok: true, value: k });
        expect(parseRubles(JSON.parse(JSON.stringify(toRublesNumber(k))))).toEqual({ ok: true, value: k });
      }),
      { numRuns: 2000 },
    );
  });

  it('accepts exactly the decimals with at most 2 fraction digits (property over digit strings)', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[1-9]\d{0,9}$/), fc.stringMatching(/^\d{0,4}$/), (whole, frac) => {
        const text = frac === '' ? whole : `${whole}.${frac}`;
        const r = parseRubles(text);
        if (frac.length > 2) expect(r.ok).toBe(false);
        else expect(r).toEqual({ ok: true, value: Number(whole) * 100 + Number(frac.padEnd(2, '0')) });
      }),
      { numRuns: 500 },
    );
  });
});

describe('parseScaled', () => {
  it('uses the given scale and maximum', () => {
    expect(parseScaled('1.234', 3, 10_000)).toEqual({ ok: true, value: 1_234 });
    expect(parseScaled('10', 3, 10_000)).toEqual({ ok: true, value: 10_000 });
    expect(parseScaled('10.001', 3, 10_000).ok).toBe(false);
    expect(parseScaled('1.2345', 3, 10_000).ok).toBe(false);
    expect(parseScaled(7, 0, 10)).toEqual({ ok: true, value: 7 });
    expect(parseScaled('7.0', 0, 10).ok).toBe(false);
  });
});

describe('formatRubles', () => {
  it.each([
    [0, '0.00'],
    [1, '0.01'],
    [10, '0.10'],
    [99, '0.99'],
    [100, '1.00'],
    [20_000, '200.00'],
    [20_050, '200.50'],
    [128_521, '1285.21'],
    [MAX_KOPECKS, '2814749767106.55'],
    [-5, '-0.05'],
    [-12_345, '-123.45'],
  ])('%d → %s', (k, text) => {
    expect(formatRubles(k)).toBe(text);
  });

  it('always has exactly two decimals', () => {
    fc.assert(
      fc.property(fc.integer({ min: -MAX_KOPECKS, max: MAX_KOPECKS }), (k) => {
        expect(formatRubles(k)).toMatch(/^-?(0|[1-9]\d*)\.\d{2}$/);
      }),
      { numRuns: 500 },
    );
  });
});

describe('toRublesNumber', () => {
  it('gives the JSON number of the rubles', () => {
    expect(toRublesNumber(20_000)).toBe(200);
    expect(toRublesNumber(20_050)).toBe(200.5);
    expect(toRublesNumber(1)).toBe(0.01);
    expect(toRublesNumber(10)).toBe(0.1);
    expect(toRublesNumber(0)).toBe(0);
  });
});

describe('divRoundHalfUp', () => {
  it.each([
    [0n, 7n, 0n],
    [1n, 2n, 1n], // 0.5 → 1
    [3n, 2n, 2n], // 1.5 → 2
    [5n, 2n, 3n], // 2.5 → 3 (half-up, not banker's)
    [4n, 3n, 1n], // 1.33 → 1
    [5n, 3n, 2n], // 1.67 → 2
    [1_499n, 1_000n, 1n],
    [1_500n, 1_000n, 2n],
    [10n, 5n, 2n],
  ])('%s / %s → %s', (n, d, q) => {
    expect(divRoundHalfUp(n, d)).toBe(q);
  });

  it('is within half a unit of the exact quotient, ties going up', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 2n ** 80n }), fc.bigInt({ min: 1n, max: 2n ** 40n }), (n, d) => {
        const q = divRoundHalfUp(n, d);
        // |q·d − n| ≤ d/2, and exactly d/2 only when rounding up
        const diff2 = 2n * (q * d - n);
        expect(diff2 <= d && diff2 > -d).toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});
