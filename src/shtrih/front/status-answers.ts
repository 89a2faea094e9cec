import type { DeviceStatus } from '../../device/driver.ts';
import type { Operation } from '../../fiscal/codes.ts';
import {
  type ExchangeStatus,
  FN_PHASE,
  FN_WARNINGS,
  type FnStatus,
  type FullStatus,
  KKT_FLAGS,
  MODE,
  type ShortStatus,
  SUBMODE,
} from '../protocol/commands/index.ts';
import { dateOf, fnDateTimeOf, NO_DATE_TIME, timeOf } from '../protocol/time.ts';
import type { LocalDate } from '../protocol/wire.ts';

/**
 * Status answers built from the emulated device's own status, in the legacy layouts clients
 * parse (reference §1.6–1.7): mode in the low nibble, the receipt type in the high nibble while
 * a receipt is open, submode back to 0 as soon as printing ends.
 */

/** 8Dh types and the mode-8 status nibble. */
export const CHECK_TYPE: Record<Operation, number> = { sale: 0, purchase: 1, refund: 2, purchase_refund: 3 };

/** What the device front adds to the emulator's status: its own receipt and document-in-progress state. */
export interface SessionView {
  operator: number;
  check: { operation: Operation; operations: number } | null;
  /** The document FF41h/FF42h/an open receipt has begun. */
  currentDocument: number;
  /** A date 22h set and 23h has not confirmed yet. */
  pendingDate: LocalDate | null;
}

const DAY_MS = 24 * 60 * 60 * 1000;

export function kktFlags(s: DeviceStatus): number {
  let flags = KKT_FLAGS.receiptHeadLeverDown;
  if (!s.faults.paperOut) flags |= KKT_FLAGS.receiptRoll | KKT_FLAGS.receiptOpticalSensor;
  if (s.faults.coverOpen) flags |= KKT_FLAGS.coverOpen;
  return flags;
}

export function modeOf(s: DeviceStatus, v: SessionView): number {
  if (v.check) return MODE.openDocument | (CHECK_TYPE[v.check.operation] << 4);
  if (v.pendingDate) return MODE.awaitingDateConfirmation;
  if (s.shift.state === 'opened') return MODE.shiftOpen;
  if (s.shift.state === 'expired') return MODE.shiftExpired;
  return MODE.shiftClosed;
}

export function submodeOf(s: DeviceStatus): number {
  if (s.faults.paperOut) return SUBMODE.passiveOutOfPaper;
  return s.state === 'printing' ? SUBMODE.printing : SUBMODE.idle;
}

export function shortStatusOf(s: DeviceStatus, v: SessionView): ShortStatus {
  return {
    operator: v.operator,
    flags: kktFlags(s),
    mode: modeOf(s, v),
    submode: submodeOf(s),
    receiptOperations: v.check?.operations ?? 0,
    batteryVoltage: 0xc8,
    powerVoltage: 0x90,
    fmError: 0,
    eklzError: 0,
    reserved: [0, 0, 0],
  };
}

/** Firmware fields: fixed, valid dates (pyshtrih builds date objects from all of them). */
const FIRMWARE_DATE = { year: 2026, month: 1, day: 15 };

export function fullStatusOf(s: DeviceStatus, v: SessionView): FullStatus {
  const tz = s.timezone;
  const shiftOpen = s.shift.state !== 'closed';
  return {
    operator: v.operator,
    firmwareVersion: 'E1',
    firmwareBuild: 1,
    firmwareDate: FIRMWARE_DATE,
    hallNumber: 1,
    documentNumber: s.fn.lastFiscalDocNumber & 0xffff,
    flags: kktFlags(s),
    mode: modeOf(s, v),
    submode: submodeOf(s),
    port: 0,
    fmVersion: 0,
    fmBuild: 0,
    fmDate: FIRMWARE_DATE,
    // javapos confirms the date it reads here while the mode is 6.
    date: v.pendingDate ?? dateOf(s.now, tz),
    time: timeOf(s.now, tz),
    fmFlags: (shiftOpen ? 1 << 6 : 0) | (s.shift.state === 'expired' ? 1 << 7 : 0),
    serialLow: Number(BigInt(s.kkt.serial) & 0xffff_ffffn),
    lastClosedShift: (shiftOpen ? s.shift.number - 1 : s.shift.number) & 0xffff,
    freeFmRecords: 0,
    registrations: 1,
    reregistrationsLeft: 11,
    inn: Number(s.kkt.userInn),
  };
}

export function fnWarnings(s: DeviceStatus): number {
  let w = 0;
  const left = s.fn.validUntil - s.now;
  if (left < 3 * DAY_MS) w |= FN_WARNINGS.urgentReplacement;
  if (left < 30 * DAY_MS) w |= FN_WARNINGS.keysExpireIn30Days;
  if (s.fn.lastFiscalDocNumber >= s.fn.capacity * 0.9) w |= FN_WARNINGS.memoryAlmostFull;
  if (s.blockedReason === 'ofdTimeout') w |= FN_WARNINGS.ofdTimeout;
  return w;
}

export function fnStatusOf(s: DeviceStatus, v: SessionView): FnStatus {
  return {
    phase: FN_PHASE.configured | FN_PHASE.fiscalMode,
    currentDocument: v.currentDocument,
    documentData: v.check && v.check.operations > 0 ? 1 : 0,
    shiftOpen: s.shift.state !== 'closed',
    warnings: fnWarnings(s),
    dateTime: fnDateTimeOf(s.now, s.timezone),
    fnNumber: s.fn.number,
    lastDocumentNumber: s.fn.lastFiscalDocNumber,
  };
}

/** FF39h status bit 1: a message waits for the ОФД. */
export function exchangeStatusOf(s: DeviceStatus): ExchangeStatus {
  const waiting = s.fn.firstUnsentNumber !== null;
  return {
    status: waiting ? 1 << 1 : 0,
    readingMessage: 0,
    messageCount: Math.min(s.fn.unsentCount, 0xffff),
    firstDocumentNumber: s.fn.firstUnsentNumber ?? 0,
    firstDocumentDateTime: s.fn.oldestUnsentAt === null ? NO_DATE_TIME : fnDateTimeOf(s.fn.oldestUnsentAt, s.timezone),
  };
}
