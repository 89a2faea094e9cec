import type { DeviceStatus } from '../../device/driver.ts';
import type { ShiftTotals } from '../../fiscal/document.ts';
import {
  type BlockReason,
  emptyShiftTotals,
  OFD_WAIT_MAX_MS,
  SHIFT_MAX_MS,
  type ShiftState,
} from '../../fiscal/fn-core.ts';
import {
  exchangeStatus,
  fnExpiry,
  fnResource,
  fnStatus,
  fullStatus,
  KKT_FLAGS,
  moneyRegister,
  SUBMODE,
  shiftParameters,
} from '../protocol/commands/index.ts';
import { instantOfDateTime, instantOfFnDateTime, isNoDateTime } from '../protocol/time.ts';
import type { DocumentReader } from './document-reader.ts';
import type { WireClient } from './wire-client.ts';

const CASH_IN_DRAWER = 241;

/**
 * DeviceStatus from the standard queries: 11h (clock, flags, submode), FF01h (ФН, last
 * document, shift), FF40h (shift number, receipts), FF39h (ОФД queue), FF03h (expiry, a date),
 * FF63h (documents left), and the registration report (document 1) for the ККТ's identity.
 * What the wire does not carry is derived as the ФН itself derives it (blockReason).
 */
export async function readStatus(
  wire: WireClient,
  reader: DocumentReader,
  timezone: string,
  queued: number,
): Promise<DeviceStatus> {
  const pw = { password: wire.password };
  const full = await wire.call(fullStatus, pw);
  const fn = await wire.call(fnStatus, pw);
  reader.noteFn(fn.fnNumber);
  const shift = await wire.call(shiftParameters, pw);
  const exchange = await wire.call(exchangeStatus, pw);
  const expiry = await wire.call(fnExpiry, pw);
  const resource = await wire.call(fnResource, pw);
  const reg = await reader.registration();
  const now = instantOfDateTime(full.date, full.time, timezone);
  const last = fn.lastDocumentNumber;
  const openedAt = fn.shiftOpen
    ? (await reader.shiftOpening(shift.shiftNumber, shift.receiptNumber, last)).dateTime
    : null;
  // FF03h carries a date only: the keys count as expired from the start of that day.
  const validUntil = instantOfDateTime(expiry.expiry, { hour: 0, minute: 0, second: 0 }, timezone);
  const capacity = last + resource.documentsLeft;
  const firstUnsentNumber = exchange.firstDocumentNumber === 0 ? null : exchange.firstDocumentNumber;
  const oldestUnsentAt =
    firstUnsentNumber === null || isNoDateTime(exchange.firstDocumentDateTime)
      ? null
      : instantOfFnDateTime(exchange.firstDocumentDateTime, timezone);
  const blockedReason: BlockReason | null =
    last + 1 >= capacity
      ? 'fnFull'
      : now >= validUntil
        ? 'fnExpired'
        : oldestUnsentAt !== null && now >= oldestUnsentAt + OFD_WAIT_MAX_MS
          ? 'ofdTimeout'
          : null;
  const faults = {
    paperOut: (full.flags & KKT_FLAGS.receiptRoll) === 0,
    coverOpen: (full.flags & KKT_FLAGS.coverOpen) !== 0,
  };
  const printing = full.submode === SUBMODE.printing || full.submode === SUBMODE.printingReports;
  return {
    state: blockedReason ? 'blocked' : faults.paperOut || faults.coverOpen ? 'fault' : printing ? 'printing' : 'ready',
    blockedReason,
    faults,
    queued,
    now,
    timezone,
    kkt: {
      regNumber: reg.kktRegNumber,
      serial: reg.kktSerial,
      userInn: reg.userInn,
      userName: reg.userName,
      address: reg.address,
      place: reg.place ?? null,
      taxationTypes: reg.taxationTypes ?? [reg.taxation],
    },
    // 1Ah register 241: cash in the drawer (javapos CashRegister, OpenPapyrus CASH_AMOUNT_REG).
    cashBalance: (await wire.call(moneyRegister, { ...pw, register: CASH_IN_DRAWER })).value,
    shift: {
      state: shiftStateOf(fn.shiftOpen, openedAt, now),
      number: shift.shiftNumber,
      openedAt,
      receipts: shift.receiptNumber,
      deadline: openedAt === null ? null : openedAt + SHIFT_MAX_MS,
    },
    fn: {
      number: fn.fnNumber,
      lastFiscalDocNumber: last,
      unsentCount: exchange.messageCount,
      firstUnsentNumber,
      oldestUnsentAt,
      validUntil,
      capacity,
    },
  };
}

export function shiftStateOf(open: boolean, openedAt: number | null, now: number): ShiftState {
  if (!open) return 'closed';
  return openedAt !== null && now - openedAt >= SHIFT_MAX_MS ? 'expired' : 'opened';
}

/**
 * The X report's counters, from the ФН's documents: the Z report has them once a shift is
 * closed; for an open shift they are the sum of its receipts (the 1Ah/1Bh register numbers are
 * model-specific, the documents are not).
 */
export async function shiftCounters(
  reader: DocumentReader,
  shift: { shiftOpen: boolean; shiftNumber: number; receiptNumber: number },
  last: number,
): Promise<{ documents: number; totals: ShiftTotals; openedAt: number | null }> {
  if (shift.shiftNumber === 0) return { documents: 0, totals: emptyShiftTotals(), openedAt: null };
  if (!shift.shiftOpen) {
    const z = await reader.document(last);
    if (z?.kind === 'shiftClose' && z.shiftNumber === shift.shiftNumber)
      return { documents: z.documentsCount, totals: z.totals, openedAt: null };
  }
  const opening = await reader.shiftOpening(shift.shiftNumber, shift.receiptNumber, last);
  const totals = emptyShiftTotals();
  for (let n = opening.number + 1; n <= last; n++) {
    const doc = await reader.document(n);
    if (doc?.kind !== 'receipt' || doc.shiftNumber !== shift.shiftNumber) continue;
    const t = totals[doc.operation];
    t.count++;
    t.total += doc.total;
    t.payments.cash += doc.payments.cash - doc.change;
    t.payments.card += doc.payments.card;
    t.payments.prepaid += doc.payments.prepaid;
    t.payments.credit += doc.payments.credit;
    t.payments.other += doc.payments.other;
  }
  return { documents: last - opening.number + 1, totals, openedAt: opening.dateTime };
}
