import type { TaxationType } from '../fiscal/codes.ts';
import type {
  CorrectionDocument,
  CorrectionInput,
  FiscalDocument,
  ReceiptDocument,
  ReceiptInput,
  SettlementReportDocument,
  ShiftCloseDocument,
  ShiftOpenDocument,
  ShiftTotalsRead,
  XReport,
} from '../fiscal/document.ts';
import type { DeviceFaults } from '../fiscal/faults.ts';
import type { BlockReason, CashMovement, ShiftState } from '../fiscal/fn-core.ts';
import type { Kopecks } from '../fiscal/money.ts';

export type { CashMovement, DeviceFaults, ShiftTotalsRead, XReport };

/** A cash in / cash out request: non-fiscal, it moves the drawer balance. */
export interface CashRequest {
  amount: Kopecks;
  cashier?: string;
  /** Kept with the movement, so a crash in between is settled from the device (findCashMovement). */
  requestId?: string;
}

/** What any ККТ reports about itself; the same shape for the emulator and real hardware. */
export interface DeviceStatus {
  /** `blocked` wins over the printer's own state: a blocked ФН refuses fiscal work whatever the printer does. */
  state: 'ready' | 'printing' | 'fault' | 'blocked';
  blockedReason: BlockReason | null;
  faults: DeviceFaults;
  queued: number;
  now: number;
  timezone: string;
  kkt: {
    regNumber: string;
    serial: string;
    userInn: string;
    userName: string;
    address: string;
    /** 1187, when the registration names one. */
    place: string | null;
    /** 1062: the registered tax systems; empty when the driver cannot read them. */
    taxationTypes: TaxationType[];
  };
  /** The cash drawer's balance in kopecks. */
  cashBalance: Kopecks;
  shift: { state: ShiftState; number: number; openedAt: number | null; receipts: number; deadline: number | null };
  fn: {
    number: string;
    lastFiscalDocNumber: number;
    unsentCount: number;
    firstUnsentNumber: number | null;
    oldestUnsentAt: number | null;
    validUntil: number;
    capacity: number;
  };
}

export interface ConfirmResult {
  confirmed: number[];
  alreadyConfirmed: number[];
  unknown: number[];
}

/**
 * The one interface the adapter uses to talk to a cash register. The emulator implements it
 * in-process; the Shtrih-M serial driver implements it over the wire. Nothing above this
 * interface may depend on which one it has. Refusals are FiscalErrors with the device's code.
 */
export interface KktDriver {
  readonly kind: 'emulator' | 'shtrih' | 'atol';
  /** Fiscalizes and prints a receipt; with auto-open, a shift-open report may be written first. */
  printReceipt(receipt: ReceiptInput): Promise<ReceiptDocument>;
  /** A correction receipt (form 31), counted in the shift's receipts like a receipt. */
  printCorrection(correction: CorrectionInput): Promise<CorrectionDocument>;
  /** Cash into the drawer (no fiscal document); with auto-open, a shift-open report may come first. */
  cashIn(request: CashRequest): Promise<CashMovement>;
  /** Cash out of the drawer; refused with INSUFFICIENT_CASH beyond the balance under cash control. */
  cashOut(request: CashRequest): Promise<CashMovement>;
  /** The report on the current state of settlements (form 21). */
  settlementReport(options?: { cashier?: string }): Promise<SettlementReportDocument>;
  openShift(options?: { cashier?: string }): Promise<ShiftOpenDocument>;
  /** The Z report: closes the shift with its counters. */
  closeShift(options?: { cashier?: string }): Promise<ShiftCloseDocument>;
  xReport(): Promise<XReport>;
  /**
   * The shift's counters an X report shows, read without printing anything (a register reads
   * its registers with no paper): what ATOL's `getShiftTotals` answers on a real server.
   */
  shiftTotals(): Promise<ShiftTotalsRead>;
  status(): Promise<DeviceStatus>;
  getDocument(number: number): Promise<FiscalDocument | undefined>;
  /** The ФН archive from `fromNumber` on, in number order, at most `limit` documents. */
  documents(fromNumber: number, limit: number): Promise<FiscalDocument[]>;
  /**
   * The receipt printed for `requestId` (kept in the document), looking at documents after
   * `afterNumber` only: how the adapter finds what a crash interrupted.
   */
  findReceipt(requestId: string, afterNumber: number): Promise<ReceiptDocument | CorrectionDocument | undefined>;
  /** The cash movement made for `requestId`, if the device made one. */
  findCashMovement(requestId: string): Promise<CashMovement | undefined>;
  /**
   * Documents the ОФД has not confirmed yet, numbers ≥ `fromNumber`, oldest first, at most
   * `limit`: what the sync worker still owes the ОФД besides the receipts in its own buffer.
   */
  unconfirmedDocuments(fromNumber: number, limit: number): Promise<FiscalDocument[]>;
  /** The ОФД accepted these documents; the 30-day rule then counts from the oldest still unconfirmed. */
  confirmDelivered(numbers: readonly number[]): Promise<ConfirmResult>;
  close(): Promise<void>;
}

/**
 * The emulator's test controls (mock mode): faults, the virtual clock, a fresh ФН. The emulator
 * offers them in-process; the atol driver forwards them to kkt-emu's own ATOL server.
 */
export interface DeviceControls {
  setFaults(faults: Partial<DeviceFaults>): void | Promise<void>;
  /** Moves the virtual clock forward; answers the new time. */
  advanceClock(ms: number): number | Promise<number>;
  /** A fresh fiscal drive. */
  replaceFiscalDrive(): Promise<void>;
}
