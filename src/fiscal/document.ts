import type { Operation, PaymentMethod, PaymentObject, PaymentType, TaxationType } from './codes.ts';
import type { Measure } from './measure.ts';
import type { Kopecks } from './money.ts';
import type { Micro, Milli } from './quantity.ts';
import type { VatRate } from './vat.ts';

/**
 * The one document model of kkt-emu. Every view (API answer, FNS JSON, QR, TLV later) is
 * derived from these records; the fiscal archive stores them verbatim and never changes them.
 *
 * Compatibility: the archive keeps documents and the identity as JSON. Fields added after
 * 0.1 are optional here, and stored-document.ts reads older records (thousandths quantities,
 * no 1062 list, no counters) into this shape.
 */

/** Who and what the fiscal drive was registered for; written once with document 1. */
export interface FnIdentity {
  fnNumber: string;
  kktRegNumber: string;
  kktSerial: string;
  userInn: string;
  userName: string;
  address: string;
  /** The default applied taxation (1055) when a request names none. */
  taxation: TaxationType;
  /**
   * 1062: every taxation system in the registration; a receipt's 1055 must be one of them.
   * Absent on identities written before it existed: read as all five (registeredTaxations),
   * which is what those archives accepted, so upgrading refuses nothing that worked before.
   */
  taxationTypes?: TaxationType[];
  /** 1187 место расчётов, printed on receipts next to 1009. */
  place?: string;
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
  /** 1030 */
  name: string;
  /** 1079 */
  price: Kopecks;
  /** 1023 in millionths of a unit. */
  quantityMicro: Micro;
  /** Only on documents stored before quantityMicro: 1023 in thousandths. Never written now. */
  quantity?: Milli;
  /** 1043 = round(price × quantity). */
  sum: Kopecks;
  /** 1199 */
  vatRate: VatRate;
  /** 1200 */
  vatSum: Kopecks;
  /** 1214 */
  paymentMethod: PaymentMethod;
  /** 1212 */
  paymentObject: PaymentObject;
  /** 2108 мера количества; absent = piece (code 0). */
  measure?: Measure;
}

/** 1227 / 1228: the customer (покупатель/клиент). */
export interface Customer {
  name?: string;
  inn?: string;
}

/** What a POS asks the device to fiscalize: validated, in kopecks, not yet numbered. */
export interface ReceiptInput {
  /** 1054 */
  operation: Operation;
  items: ReceiptItem[];
  payments: PaymentTotals;
  /** 1055; must be in the registration's 1062. */
  taxation: TaxationType;
  /** 1021 */
  cashier?: string;
  /** 1203, valid check digits. */
  cashierInn?: string;
  /** 1008 */
  customerContact?: string;
  /** 1227 / 1228 */
  customer?: Customer;
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

/** 1173 тип коррекции: 0 самостоятельно, 1 по предписанию (ffd.md §2.2, §5.4). */
export const CORRECTION_KINDS = { self: 0, instruction: 1 } as const;
export type CorrectionKind = keyof typeof CORRECTION_KINDS;

/** 1174 основание для коррекции, FFD 1.2 form (1177 removed, ffd.md §5.4). */
export interface CorrectionBasis {
  /** 1173 */
  kind: CorrectionKind;
  /** 1178: the local calendar date of the corrected settlement, `YYYY-MM-DD` (time 00:00:00). */
  date: string;
  /** 1179 номер предписания, required when kind = instruction; ≤ 32 characters in FFD 1.2. */
  number?: string;
}

/** A correction receipt (form 31) carries full items like a receipt, plus its basis (ffd.md §5.4). */
export interface CorrectionInput extends ReceiptInput {
  correction: CorrectionBasis;
}

export type VatTotals = Partial<Record<VatRate, Kopecks>>;

/**
 * One operation's counters (ffd.md §5.2: 1129–1132 for receipts, 1145/1232/1146/1233 for
 * corrections): 1135 count, 1201 total, 1136/1138/1218/1219/1220 by payment, and the VAT
 * counters. `vat` holds the VAT amounts by rate (1139–1142 for 20 %, 10 %, 20/120, 10/110) and
 * `byRate` the settlement sums by rate (1143 for 0 %, 1183 for без НДС); both are absent on
 * counters stored before they were kept and then read as empty.
 */
export interface OperationTotals {
  count: number;
  total: Kopecks;
  payments: PaymentTotals;
  vat?: VatTotals;
  byRate?: VatTotals;
  /** Corrections only: how many were self-made (1173 = 0) and by instruction (1173 = 1). */
  byKind?: Record<CorrectionKind, number>;
}
export type ShiftTotals = Record<Operation, OperationTotals>;

/** Receipt and correction counters side by side: a shift's 1194 or the ФН's 1157. */
export interface Counters {
  receipts: ShiftTotals;
  corrections: ShiftTotals;
}

/** ФН warning flags (ffd.md §2.2 "Other tags", §5): 1050, 1051, 1052, 1053. */
export interface FnWarnings {
  /** 1050: fewer than 30 days of key validity left. */
  keysExpiring: boolean;
  /** 1051: fewer than 3 days left, replace the ФН. */
  replaceUrgently: boolean;
  /** 1052: memory more than 99 % full. */
  memoryAlmostFull: boolean;
  /** 1053: a document has waited more than 2 days for the ОФД. */
  ofdAckOverdue: boolean;
}

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
  /** 1062; absent on documents written before it was kept. */
  taxationTypes?: TaxationType[];
  place?: string;
  ofdName: string;
  ofdInn: string;
  kktSerial: string;
  ffdVersion: '1.2';
}

/**
 * 1101 код причины перерегистрации. ffd.md §7.3's real form-11 dump (FFD 1.05) is document 1 of
 * its ФН with 1101 = 1, i.e. a re-registration on ФН replacement; that is the one code this
 * emulator writes. ⚠️ The FFD 1.2 reason table is not reproduced in ffd.md, so no other codes
 * are named here.
 */
export const REREGISTRATION_REASONS = { fn_replacement: 1 } as const;
export type ReregistrationReason = keyof typeof REREGISTRATION_REASONS;

/** Form 11: the registration of a new ФН for the same ККТ, written as the new ФН's document 1. */
export interface ReregistrationDocument extends Omit<RegistrationDocument, 'kind'> {
  kind: 'reregistration';
  reasons: ReregistrationReason[];
  /** The ФН this one replaces, when known. */
  previousFnNumber?: string;
}

export interface ShiftOpenDocument extends Header {
  kind: 'shiftOpen';
  shiftNumber: number;
  cashier?: string;
}

/** Fields every receipt and correction gets from the registration: 1048, 1009, 1187. */
interface UserFields {
  /** 1048; absent on documents written before it was printed. */
  userName?: string;
  /** 1009 */
  address?: string;
  /** 1187 */
  place?: string;
}

export interface ReceiptDocument extends Header, ReceiptInput, UserFields {
  kind: 'receipt';
  shiftNumber: number;
  receiptNumber: number;
  total: Kopecks;
  change: Kopecks;
  vatTotals: VatTotals;
}

/** Form 31. Numbered in the shift's receipt sequence (1042), counted in the correction counters. */
export interface CorrectionDocument extends Header, CorrectionInput, UserFields {
  kind: 'correction';
  shiftNumber: number;
  receiptNumber: number;
  total: Kopecks;
  change: Kopecks;
  vatTotals: VatTotals;
}

export interface ShiftCloseDocument extends Header {
  kind: 'shiftClose';
  shiftNumber: number;
  cashier?: string;
  /** 1118: receipts and correction receipts of the shift. */
  receiptsCount: number;
  /** 1111 */
  documentsCount: number;
  /** Receipt counters (1129–1132): count, total and payments, as since 0.1. */
  totals: ShiftTotals;
  /**
   * 1194 in full: receipt and correction counters (1133) with VAT by rate; absent on documents
   * written before they were kept.
   */
  counters?: Counters;
  /** 1157, cumulative over the ФН; absent on older documents. */
  fnTotals?: Counters;
  warnings?: FnWarnings;
  unsentCount: number;
  firstUnsentNumber: number | null;
  firstUnsentAt: number | null;
}

/** Form 21 (ffd.md §5.3): formed with the shift open or closed. */
export interface SettlementReportDocument extends Header {
  kind: 'settlementReport';
  /** The open shift's number, absent when no shift is open (the schema makes it optional). */
  shiftNumber?: number;
  cashier?: string;
  /** 1097 */
  unsentCount: number;
  /** 1116 */
  firstUnsentNumber: number | null;
  /** 1098 */
  firstUnsentAt: number | null;
  /** 1157 */
  fnTotals: Counters;
  warnings: FnWarnings;
}

/** Form 6: the ФН's last document; afterwards it only answers reads. */
export interface FnClosureDocument extends Header {
  kind: 'fnClosure';
  /** Number of the last shift (1038). */
  shiftNumber: number;
  cashier?: string;
  unsentCount: number;
  firstUnsentNumber: number | null;
  firstUnsentAt: number | null;
  fnTotals: Counters;
}

export type FiscalDocument =
  | RegistrationDocument
  | ReregistrationDocument
  | ShiftOpenDocument
  | ReceiptDocument
  | CorrectionDocument
  | ShiftCloseDocument
  | SettlementReportDocument
  | FnClosureDocument;
export type UnsignedDocument<D extends FiscalDocument = FiscalDocument> = Omit<D, 'fiscalSign'>;

/** Documents numbered in a shift's receipt sequence (1042). */
export type SettlementDocument = ReceiptDocument | CorrectionDocument;

/** The X report: the shift's counters, printed, with no fiscal document. */
/** Cash-ins and cash-outs of the current shift (no fiscal document records them). */
export interface ShiftCash {
  in: { count: number; total: Kopecks };
  out: { count: number; total: Kopecks };
}

/** What a register's counters say about its shift, read without printing. */
export interface ShiftTotalsRead extends XReport {
  cash: ShiftCash;
}

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
