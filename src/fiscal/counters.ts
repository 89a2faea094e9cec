import { OPERATION_NAMES, type Operation } from './codes.ts';
import type { CorrectionKind, Counters, OperationTotals, PaymentTotals, ShiftTotals, VatTotals } from './document.ts';
import type { Kopecks } from './money.ts';
import type { VatRate } from './vat.ts';

/**
 * The ФН's counters (ffd.md §5.2): per operation type, the number of documents, their total,
 * the sums by payment type and by VAT rate. A shift keeps them for receipts and for
 * corrections (1194), the ФН keeps the same for its whole life (1157).
 */

export function emptyPayments(): PaymentTotals {
  return { cash: 0, card: 0, prepaid: 0, credit: 0, other: 0 };
}

/** Maps by rate and kind appear with the first document that fills them. */
export function emptyOperationTotals(): OperationTotals {
  return { count: 0, total: 0, payments: emptyPayments() };
}

export function emptyShiftTotals(): ShiftTotals {
  return Object.fromEntries(OPERATION_NAMES.map((op) => [op, emptyOperationTotals()])) as Record<
    Operation,
    OperationTotals
  >;
}

export function emptyCounters(): Counters {
  return { receipts: emptyShiftTotals(), corrections: emptyShiftTotals() };
}

/** What one receipt or correction adds to its operation's counters. */
export interface SettlementAmounts {
  operation: Operation;
  total: Kopecks;
  /** Cash kept or paid out: tendered cash minus change (1031). */
  payments: PaymentTotals;
  /** Items' sums and VAT by rate. */
  items: readonly { vatRate: VatRate; sum: Kopecks; vatSum: Kopecks }[];
  /** Corrections only: 1173. */
  correctionKind?: CorrectionKind;
}

function addTo(map: VatTotals | undefined, rate: VatRate, amount: Kopecks): VatTotals {
  return { ...map, [rate]: (map?.[rate] ?? 0) + amount };
}

export function addSettlement(t: OperationTotals, a: SettlementAmounts): OperationTotals {
  let vat = { ...t.vat };
  let byRate = { ...t.byRate };
  for (const it of a.items) {
    vat = addTo(vat, it.vatRate, it.vatSum);
    byRate = addTo(byRate, it.vatRate, it.sum);
  }
  const out: OperationTotals = {
    count: t.count + 1,
    total: t.total + a.total,
    payments: {
      cash: t.payments.cash + a.payments.cash,
      card: t.payments.card + a.payments.card,
      prepaid: t.payments.prepaid + a.payments.prepaid,
      credit: t.payments.credit + a.payments.credit,
      other: t.payments.other + a.payments.other,
    },
    vat,
    byRate,
  };
  const kinds = t.byKind ?? (a.correctionKind !== undefined ? { self: 0, instruction: 0 } : undefined);
  if (kinds) out.byKind = a.correctionKind ? { ...kinds, [a.correctionKind]: kinds[a.correctionKind] + 1 } : kinds;
  return out;
}

export function addToTotals(totals: ShiftTotals, a: SettlementAmounts): ShiftTotals {
  return { ...totals, [a.operation]: addSettlement(totals[a.operation], a) };
}

/**
 * FnState.shiftTotals keeps the shape it had in 0.1 (count, total, payments) because the
 * archive stores exactly those columns; the VAT and correction counters live in
 * FnState.shiftCounters.
 */
export function addToPlainTotals(totals: ShiftTotals, a: SettlementAmounts): ShiftTotals {
  const { count, total, payments } = addSettlement(totals[a.operation], a);
  return { ...totals, [a.operation]: { count, total, payments } };
}

/** Number of documents counted in a set of operation counters (1134 / 1144). */
export function countOf(totals: ShiftTotals): number {
  return OPERATION_NAMES.reduce((n, op) => n + totals[op].count, 0);
}
