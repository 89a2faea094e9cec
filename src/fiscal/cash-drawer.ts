import type { Operation } from './codes.ts';
import { FiscalError } from './errors.ts';
import { formatRubles, type Kopecks } from './money.ts';

/**
 * The cash drawer as the ККТ counts it: a balance in kopecks, moved by cash settlements and by
 * non-fiscal cash in / cash out (внесение / выплата). Real registers refuse to pay out more cash
 * than the drawer holds (Shtrih-M error 46h "не хватает наличности в кассе", shtrih-m.md;
 * ATOL NO_CASH, atol.md), which is what cash control does here.
 */

export interface CashPolicy {
  /**
   * Refuse cash paid out beyond the balance (INSUFFICIENT_CASH). The adapter's config
   * `KKT_CASH_CONTROL` defaults to true (API.md); the pure core defaults to false so a caller
   * that passes no policy behaves as before the drawer existed.
   */
  cashControl: boolean;
  /**
   * Zero the balance when the shift closes. Shtrih-M has this as a setting (table 1 field 2
   * "Автоматическое обнуление денежной наличности при закрытии смены"; public driver code sets
   * it either way). ⚠️ No source here settles the factory default or ATOL's behaviour; the
   * balance carries over by default, the lenient choice (nothing disappears from the counters).
   */
  resetCashAtShiftClose: boolean;
}

export const DEFAULT_CASH_POLICY: CashPolicy = { cashControl: false, resetCashAtShiftClose: false };

/**
 * Direction of a settlement's cash: приход (1) and возврат расхода (4) bring cash in; возврат
 * прихода (2) and расход (3) pay it out. Corrections move the drawer as the receipt of the same
 * 1054 would (⚠️ no source here settles this; it keeps the balance equal to the counters).
 */
export const CASH_SIGN: Record<Operation, 1 | -1> = { sale: 1, refund: -1, purchase: -1, purchase_refund: 1 };

/** The signed change of the balance: cash tendered minus change, in or out by operation. */
export function cashDelta(operation: Operation, netCash: Kopecks): Kopecks {
  return CASH_SIGN[operation] * netCash;
}

/** The balance after a movement, or INSUFFICIENT_CASH when control is on and it would go negative. */
export function moveCash(balance: Kopecks, delta: Kopecks, policy: CashPolicy): Kopecks {
  const next = balance + delta;
  if (policy.cashControl && delta < 0 && next < 0)
    throw new FiscalError(
      'INSUFFICIENT_CASH',
      `the drawer holds ${formatRubles(balance)}, ${formatRubles(-delta)} cannot be paid out`,
    );
  return next;
}
