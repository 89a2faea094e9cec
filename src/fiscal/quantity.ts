import { divRoundHalfUp, type Kopecks, type ParseResult, parseScaled } from './money.ts';

/** Quantities are integers of 1/1000 of a unit (the API allows at most 3 decimals). */
export type Milli = number;
export const QUANTITY_SCALE = 1000;
export const MAX_QUANTITY_MILLI: Milli = 99_999_999_999;

export function parseQuantity(value: unknown): ParseResult<Milli> {
  return parseScaled(value, 3, MAX_QUANTITY_MILLI);
}

/** The item total (tag 1043): round(price × quantity) to the kopeck, half-up. */
export function itemSum(price: Kopecks, quantity: Milli): Kopecks {
  return Number(divRoundHalfUp(BigInt(price) * BigInt(quantity), BigInt(QUANTITY_SCALE)));
}

/** FNS JSON and printed forms show quantity as a decimal number. */
export function quantityToNumber(quantity: Milli): number {
  return quantity / QUANTITY_SCALE;
}
