import type { Operation, PaymentMethod, PaymentObject, PaymentType, TaxationType } from './codes.ts';
import type { Kopecks } from './money.ts';
import type { Milli } from './quantity.ts';
import type { VatRate } from './vat.ts';

/**
 * The one document model of kkt-emu. Every view (API answer, FNS JSON, QR, TLV later) is
 * derived from these records; the fiscal archive stores them verbatim and never changes them.
 */

/** Who and what the fiscal drive was registered for; written once with document 1. */
export interface FnIdentity {
  fnNumber: string;
  kktRegNumber: string;
  kktSerial: string;
  userInn: string;
  userName: string;
  address: string;
  taxation: TaxationType;
  ofdName: string;
  ofdInn: string;
  timezone: string;
  ffdVersion: '1.2';
  registeredAt: number;
  validUntil: number;
  capacity: number;
}

/** A shift as the ФН sees it: `expired` = open for more than 24 hours. */
export type ShiftState = 'closed' | 'opened' | 'expired';

export type PaymentTotals = Record<PaymentType, Kopecks>;

export interface ReceiptItem {
  name: string;
  price: Kopecks;
  quantity: Milli;
  sum: Kopecks;
  vatRate: VatRate;
  vatSum: Kopecks;
  paymentMethod: PaymentMethod;
  paymentObject: PaymentObject;
}

/** What a POS asks the device to fiscalize: validated, in kopecks, not yet numbered. */
export interface ReceiptInput {
  operation: Operation;
  items: ReceiptItem[];
  payments: PaymentTotals;
  taxation: TaxationType;
  cashier?: string;
  customerContact?: string;
  /**
   * Opaque id of the request that asked for the receipt, kept in the document (as a receipt
   * property) so an adapter can find it in the archive after a crash.
   */
  requestId?: string;
  /**
   * The Idempotency-Key and the SHA-256 of the request body it was printed for, kept with the
   * receipt so the adapter's records can be rebuilt from the archive (docs/adapter.md).
   */
  idempotencyKey?: string;
  bodyHash?: string;
}

export interface OperationTotals {
  count: number;
  total: Kopecks;
  payments: PaymentTotals;
}
export type ShiftTotals = Record<Operation, OperationTotals>;

interface Header {
  number: number;
  /** Instant of the document, Unix ms; rendered in the ККТ's timezone. Minute precision, as an FN keeps it. */
  dateTime: number;
  fnNumber: string;
  kktRegNumber: string;
  userInn: string;
  /** ФПД as printed: 10 digits. */
  fiscalSign: string;
}

export interface RegistrationDocument extends Header {
  kind: 'registration';
  userName: string;
  address: string;
  taxation: TaxationType;
  ofdName: string;
  ofdInn: string;
  kktSerial: string;
  ffdVersion: '1.2';
}

export interface ShiftOpenDocument extends Header {
  kind: 'shiftOpen';
  shiftNumber: number;
  cashier?: string;
}

export interface ReceiptDocument extends Header, ReceiptInput {
  kind: 'receipt';
  shiftNumber: number;
  receiptNumber: number;
  total: Kopecks;
  change: Kopecks;
  vatTotals: Partial<Record<VatRate, Kopecks>>;
}

export interface ShiftCloseDocument extends Header {
  kind: 'shiftClose';
  shiftNumber: number;
  cashier?: string;
  receiptsCount: number;
  documentsCount: number;
  totals: ShiftTotals;
  unsentCount: number;
  firstUnsentNumber: number | null;
  firstUnsentAt: number | null;
}

export type FiscalDocument = RegistrationDocument | ShiftOpenDocument | ReceiptDocument | ShiftCloseDocument;
export type UnsignedDocument<D extends FiscalDocument = FiscalDocument> = Omit<D, 'fiscalSign'>;

/** The X report: the shift's counters, printed, with no fiscal document. */
export interface XReport {
  at: number;
  shiftNumber: number;
  shiftState: ShiftState;
  receiptsInShift: number;
  documentsInShift: number;
  totals: ShiftTotals;
  lastDocNumber: number;
  unsentCount: number;
}
