import type {
  FiscalDocument,
  ReceiptDocument,
  ReceiptInput,
  ShiftCloseDocument,
  ShiftOpenDocument,
  XReport,
} from '../fiscal/document.ts';
import type { DeviceFaults } from '../fiscal/faults.ts';
import type { BlockReason, ShiftState } from '../fiscal/fn-core.ts';

export type { DeviceFaults, XReport };

/** What any ККТ reports about itself; the same shape for the emulator and real hardware. */
export interface DeviceStatus {
  /** `blocked` wins over the printer's own state: a blocked ФН refuses fiscal work whatever the printer does. */
  state: 'ready' | 'printing' | 'fault' | 'blocked';
  blockedReason: BlockReason | null;
  faults: DeviceFaults;
  queued: number;
  now: number;
  timezone: string;
  kkt: { regNumber: string; serial: string; userInn: string; userName: string; address: string };
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
  openShift(options?: { cashier?: string }): Promise<ShiftOpenDocument>;
  /** The Z report: closes the shift with its counters. */
  closeShift(options?: { cashier?: string }): Promise<ShiftCloseDocument>;
  xReport(): Promise<XReport>;
  status(): Promise<DeviceStatus>;
  getDocument(number: number): Promise<FiscalDocument | undefined>;
  /**
   * The receipt printed for `requestId` (kept in the document), looking at documents after
   * `afterNumber` only: how the adapter finds what a crash interrupted.
   */
  findReceipt(requestId: string, afterNumber: number): Promise<ReceiptDocument | undefined>;
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
