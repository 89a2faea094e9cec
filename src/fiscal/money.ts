/**
 * Money is an integer number of kopecks everywhere inside kkt-emu. Rubles exist only at the
 * edges (HTTP, printed and QR forms), so floating point never touches a fiscal total.
 */
export type Kopecks = number;

/** FFD money tags are VLN of at most 6 bytes. */
export const MAX_KOPECKS: Kopecks = 2 ** 48 - 1;

export type ParseResult<T> = { ok: true; value: T } | { ok: false; message: string };

const DECIMAL = /^(\d+)(?:\.(\d+))?$/;

/**
 * Parses a decimal amount with at most `scale` fractional digits into an integer of
 * 10^-scale units. Numbers are read through their shortest round-trip string, which is
 * exactly what a JSON client wrote (`0.1` stays `0.1`), so no binary fraction leaks in.
 */
export function parseScaled(value: unknown, scale: number, max: number): ParseResult<number> {
  let text: string;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return { ok: false, message: 'must be a finite number' };
    text = String(value);
  } else if (typeof value === 'string') {
    text = value.trim();
  } else {
    return { ok: false, message: 'must be a number' };
  }
  if (text.startsWith('-')) return { ok: false, message: 'must not be negative' };
  const m = DECIMAL.exec(text);
  if (!m) return { ok: false, message: `must be a decimal number with at most ${scale} decimals` };
  const whole = m[1] ?? '0';
  const frac = m[2] ?? '';
  if (frac.length > scale) return { ok: false, message: `must have at most ${scale} decimals` };
  const units = BigInt(whole) * 10n ** BigInt(scale) + BigInt(frac.padEnd(scale, '0') || '0');
  if (units > BigInt(max)) return { ok: false, message: 'is too large' };
  return { ok: true, value: Number(units) };
}

export function parseRubles(value: unknown): ParseResult<Kopecks> {
  return parseScaled(value, 2, MAX_KOPECKS);
}

/** `12345` → `"123.45"`: the QR `s=` and printed form. */
export function formatRubles(kopecks: Kopecks): string {
  const sign = kopecks < 0 ? '-' : '';
  const abs = Math.abs(kopecks);
  return `${sign}${Math.trunc(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

/** Rubles as a JSON number for API answers (`200.5`), exact for any safe kopeck amount. */
export function toRublesNumber(kopecks: Kopecks): number {
  return Number(formatRubles(kopecks));
}

/** Half-up rounding of `numerator / denominator` for non-negative integers, without floats. */
export function divRoundHalfUp(numerator: bigint, denominator: bigint): bigint {
  return (numerator * 2n + denominator) / (denominator * 2n);
}
