import { divRoundHalfUp, type Kopecks, type ParseResult, parseScaled } from './money.ts';

/**
 * Quantities (tag 1023) are integers of 1/1 000 000 of a unit: the API accepts up to 6
 * decimals, which is also what the Shtrih-M FF46h command carries, so no binary fraction ever
 * enters a total. 1023 is an FVLN of at most 8 bytes (ffd.md §2.1): 7 bytes of value leave
 * room for far more than MAX_QUANTITY_MICRO.
 *
 * Documents stored before this unit existed kept `quantity` in thousandths; `Milli` and
 * `microOfMilli` exist only to read them (see stored-document.ts).
 */
export type Micro = number;
export const QUANTITY_DECIMALS = 6;
export const QUANTITY_SCALE = 1_000_000;
/** 99 999 999.999999 units: the old limit of 10^8 units, now with 6 decimals; a safe integer. */
export const MAX_QUANTITY_MICRO: Micro = 99_999_999_999_999;

/** Thousandths of a unit: the quantity unit of documents written before 6 decimals. */
export type Milli = number;
export const microOfMilli = (q: Milli): Micro => q * 1000;

export function parseQuantity(value: unknown): ParseResult<Micro> {
  return parseScaled(value, QUANTITY_DECIMALS, MAX_QUANTITY_MICRO);
}

/**
 * The item total (tag 1043): round(price × quantity) to the kopeck, half-up, in BigInt so that
 * kopecks × millionths (up to ~2^95) never loses a digit.
 */
export function lineSum(price: Kopecks, quantity: Micro): Kopecks {
  return Number(divRoundHalfUp(BigInt(price) * BigInt(quantity), BigInt(QUANTITY_SCALE)));
}

/** FNS JSON and printed forms show quantity as a decimal number (exact: at most 14 digits). */
export function quantityToNumber(quantity: Micro): number {
  return Number(formatQuantity(quantity));
}

/** `2474000` → `"2.474"`: the shortest exact decimal, for slips and JSON. */
export function formatQuantity(quantity: Micro): string {
  const whole = Math.trunc(quantity / QUANTITY_SCALE);
  const frac = String(quantity % QUANTITY_SCALE)
    .padStart(QUANTITY_DECIMALS, '0')
    .replace(/0+$/, '');
  return frac.length > 0 ? `${whole}.${frac}` : String(whole);
}
