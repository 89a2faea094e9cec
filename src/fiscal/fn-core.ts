import { OPERATION_NAMES, type Operation } from './codes.ts';
import type {
  FiscalDocument,
  FnIdentity,
  OperationTotals,
  ReceiptDocument,
  ReceiptInput,
  RegistrationDocument,
  ShiftCloseDocument,
  ShiftOpenDocument,
  ShiftState,
  ShiftTotals,
  UnsignedDocument,
} from './document.ts';
import { FiscalError } from './errors.ts';
import { signDocument } from './fiscal-sign.ts';
import { truncateToMinute } from './local-time.ts';
import { emptyPayments } from './receipt-validation.ts';
import type { VatRate } from './vat.ts';

/**
 * The emulated fiscal drive as a pure function: given the ФН's counters and an operation it
 * either refuses with a coded FiscalError (nothing changes) or returns the signed documents and
 * the next counters. The archive persists both in one transaction; the device machine only
 * decides *when* an operation runs.
 */

export const SHIFT_MAX_MS = 24 * 60 * 60 * 1000;
export const OFD_WAIT_MAX_MS = 30 * 24 * 60 * 60 * 1000;

export interface FnState {
  lastDocNumber: number;
  lastDocAt: number;
  /** Number of the current or last shift; 0 before the first. */
  shiftNumber: number;
  shiftOpen: boolean;
  shiftOpenedAt: number | null;
  receiptsInShift: number;
  documentsInShift: number;
  shiftTotals: ShiftTotals;
  unsentCount: number;
  firstUnsentNumber: number | null;
  firstUnsentAt: number | null;
}

export type { ShiftState };
export type BlockReason = 'fnFull' | 'fnExpired' | 'ofdTimeout';

export type FnOperation =
  | { kind: 'openShift'; cashier?: string }
  | { kind: 'closeShift'; cashier?: string }
  | { kind: 'receipt'; receipt: ReceiptInput; autoOpenShift: boolean };

export interface FnStep {
  state: FnState;
  documents: FiscalDocument[];
}

export function emptyOperationTotals(): OperationTotals {
  return { count: 0, total: 0, payments: emptyPayments() };
}

export function emptyShiftTotals(): ShiftTotals {
  return Object.fromEntries(OPERATION_NAMES.map((op) => [op, emptyOperationTotals()])) as Record<
    Operation,
    OperationTotals
  >;
}

export function shiftState(s: FnState, now: number): ShiftState {
  if (!s.shiftOpen) return 'closed';
  return s.shiftOpenedAt !== null && now - s.shiftOpenedAt >= SHIFT_MAX_MS ? 'expired' : 'opened';
}

/** When the open shift turns 24 h old, or null. */
export function shiftDeadline(s: FnState): number | null {
  return s.shiftOpen && s.shiftOpenedAt !== null ? s.shiftOpenedAt + SHIFT_MAX_MS : null;
}

/** When the oldest unconfirmed document reaches the 30-day limit, or null. */
export function ofdDeadline(s: FnState): number | null {
  return s.firstUnsentAt === null ? null : s.firstUnsentAt + OFD_WAIT_MAX_MS;
}

/** One slot stays reserved so a full ФН can still close its shift. */
export function isFull(s: FnState, id: FnIdentity): boolean {
  return s.lastDocNumber + 1 >= id.capacity;
}

export function blockReason(s: FnState, id: FnIdentity, now: number): BlockReason | null {
  if (isFull(s, id)) return 'fnFull';
  if (now >= id.validUntil) return 'fnExpired';
  const deadline = ofdDeadline(s);
  if (deadline !== null && now >= deadline) return 'ofdTimeout';
  return null;
}

const BLOCK_ERRORS: Record<BlockReason, [FiscalError['code'], string]> = {
  fnFull: ['FN_FULL', 'ФН memory is exhausted (ФН error 0x14): replace the fiscal drive'],
  fnExpired: ['FN_EXPIRED', 'ФН keys have expired (ФН error 0x12): replace the fiscal drive'],
  ofdTimeout: [
    'OFD_TIMEOUT',
    'a document has waited 30 days for ОФД confirmation (ФН error 0x15): deliver the unsent documents',
  ],
};

export function blockError(reason: BlockReason): FiscalError {
  const [code, message] = BLOCK_ERRORS[reason];
  return new FiscalError(code, message);
}

function header(s: FnState, id: FnIdentity, now: number) {
  return {
    number: s.lastDocNumber + 1,
    dateTime: Math.max(truncateToMinute(now), s.lastDocAt),
    fnNumber: id.fnNumber,
    kktRegNumber: id.kktRegNumber,
    userInn: id.userInn,
  };
}

/** Counters after one more document was written; every new document waits for the ОФД. */
function afterDocument(s: FnState, doc: FiscalDocument): FnState {
  return {
    ...s,
    lastDocNumber: doc.number,
    lastDocAt: doc.dateTime,
    documentsInShift: s.shiftOpen ? s.documentsInShift + 1 : s.documentsInShift,
    unsentCount: s.unsentCount + 1,
    firstUnsentNumber: s.firstUnsentNumber ?? doc.number,
    firstUnsentAt: s.firstUnsentAt ?? doc.dateTime,
  };
}

export function initialFnState(): FnState {
  return {
    lastDocNumber: 0,
    lastDocAt: 0,
    shiftNumber: 0,
    shiftOpen: false,
    shiftOpenedAt: null,
    receiptsInShift: 0,
    documentsInShift: 0,
    shiftTotals: emptyShiftTotals(),
    unsentCount: 0,
    firstUnsentNumber: null,
    firstUnsentAt: null,
  };
}

/** Document 1: the registration report, written when a fresh ФН is set up. */
export function register(id: FnIdentity, secret: string): FnStep {
  const s = initialFnState();
  const unsigned: UnsignedDocument<RegistrationDocument> = {
    kind: 'registration',
    ...header(s, id, id.registeredAt),
    userName: id.userName,
    address: id.address,
    taxation: id.taxation,
    ofdName: id.ofdName,
    ofdInn: id.ofdInn,
    kktSerial: id.kktSerial,
    ffdVersion: id.ffdVersion,
  };
  const doc = signDocument<RegistrationDocument>(unsigned, secret);
  return { state: afterDocument(s, doc), documents: [doc] };
}

function openShift(s: FnState, id: FnIdentity, secret: string, now: number, cashier?: string): FnStep {
  const unsigned: UnsignedDocument<ShiftOpenDocument> = {
    kind: 'shiftOpen',
    ...header(s, id, now),
    shiftNumber: s.shiftNumber + 1,
  };
  if (cashier !== undefined) unsigned.cashier = cashier;
  const doc = signDocument<ShiftOpenDocument>(unsigned, secret);
  const opened: FnState = {
    ...s,
    shiftNumber: doc.shiftNumber,
    shiftOpen: true,
    shiftOpenedAt: doc.dateTime,
    receiptsInShift: 0,
    documentsInShift: 0,
    shiftTotals: emptyShiftTotals(),
  };
  return { state: afterDocument(opened, doc), documents: [doc] };
}

function closeShift(s: FnState, id: FnIdentity, secret: string, now: number, cashier?: string): FnStep {
  const unsigned: UnsignedDocument<ShiftCloseDocument> = {
    kind: 'shiftClose',
    ...header(s, id, now),
    shiftNumber: s.shiftNumber,
    receiptsCount: s.receiptsInShift,
    documentsCount: s.documentsInShift + 1,
    totals: s.shiftTotals,
    unsentCount: s.unsentCount,
    firstUnsentNumber: s.firstUnsentNumber,
    firstUnsentAt: s.firstUnsentAt,
  };
  if (cashier !== undefined) unsigned.cashier = cashier;
  const doc = signDocument<ShiftCloseDocument>(unsigned, secret);
  const next = afterDocument(s, doc);
  return { state: { ...next, shiftOpen: false, shiftOpenedAt: null }, documents: [doc] };
}

function receipt(s: FnState, id: FnIdentity, secret: string, now: number, input: ReceiptInput): FnStep {
  const total = input.items.reduce((sum, it) => sum + it.sum, 0);
  const nonCash = input.payments.card + input.payments.prepaid + input.payments.credit + input.payments.other;
  const vatTotals: Partial<Record<VatRate, number>> = {};
  for (const it of input.items) vatTotals[it.vatRate] = (vatTotals[it.vatRate] ?? 0) + it.vatSum;
  const unsigned: UnsignedDocument<ReceiptDocument> = {
    kind: 'receipt',
    ...header(s, id, now),
    ...input,
    shiftNumber: s.shiftNumber,
    receiptNumber: s.receiptsInShift + 1,
    total,
    change: nonCash + input.payments.cash - total,
    vatTotals,
  };
  const doc = signDocument<ReceiptDocument>(unsigned, secret);
  const op = s.shiftTotals[input.operation];
  const cashKept = input.payments.cash - doc.change;
  const totals: ShiftTotals = {
    ...s.shiftTotals,
    [input.operation]: {
      count: op.count + 1,
      total: op.total + total,
      payments: {
        cash: op.payments.cash + cashKept,
        card: op.payments.card + input.payments.card,
        prepaid: op.payments.prepaid + input.payments.prepaid,
        credit: op.payments.credit + input.payments.credit,
        other: op.payments.other + input.payments.other,
      },
    },
  };
  const next = afterDocument({ ...s, receiptsInShift: doc.receiptNumber, shiftTotals: totals }, doc);
  return { state: next, documents: [doc] };
}

function chain(first: FnStep, second: (s: FnState) => FnStep): FnStep {
  const rest = second(first.state);
  return { state: rest.state, documents: [...first.documents, ...rest.documents] };
}

/** Applies one operation, or throws a FiscalError having changed nothing. */
export function applyOperation(s: FnState, id: FnIdentity, secret: string, op: FnOperation, now: number): FnStep {
  const shift = shiftState(s, now);
  switch (op.kind) {
    case 'openShift': {
      const blocked = blockReason(s, id, now);
      if (blocked) throw blockError(blocked);
      if (shift === 'opened') throw new FiscalError('SHIFT_ALREADY_OPEN', `shift ${s.shiftNumber} is already open`);
      if (shift === 'expired')
        throw new FiscalError(
          'SHIFT_EXPIRED',
          `shift ${s.shiftNumber} is over 24 hours old (ФН error 0x16): close it first`,
        );
      return openShift(s, id, secret, now, op.cashier);
    }
    case 'closeShift': {
      if (shift === 'closed') throw new FiscalError('SHIFT_CLOSED', 'no shift is open');
      // A full, expired or 30-day-blocked ФН can still close its shift, as real drives allow.
      if (s.lastDocNumber >= id.capacity) throw blockError('fnFull');
      return closeShift(s, id, secret, now, op.cashier);
    }
    case 'receipt': {
      const blocked = blockReason(s, id, now);
      if (blocked) throw blockError(blocked);
      if (shift === 'expired')
        throw new FiscalError(
          'SHIFT_EXPIRED',
          `shift ${s.shiftNumber} is over 24 hours old (ФН error 0x16): close the shift before selling`,
        );
      if (shift === 'opened') return receipt(s, id, secret, now, op.receipt);
      if (!op.autoOpenShift) throw new FiscalError('SHIFT_CLOSED', 'no shift is open: open a shift first');
      const opened = openShift(s, id, secret, now, op.receipt.cashier);
      if (isFull(opened.state, id)) throw blockError('fnFull');
      return chain(opened, (next) => receipt(next, id, secret, now, op.receipt));
    }
  }
}
