import {
  DOCUMENT_TYPES,
  type DocumentKind,
  OPERATIONS,
  type Operation,
  PAYMENT_METHODS,
  PAYMENT_OBJECTS,
  type PaymentMethod,
  type PaymentObject,
  TAXATION_NAMES,
  TAXATION_TYPES,
  type TaxationType,
} from '../../fiscal/codes.ts';
import { emptyCounters, emptyShiftTotals } from '../../fiscal/counters.ts';
import {
  CORRECTION_KINDS,
  type CorrectionBasis,
  type CorrectionDocument,
  type CorrectionKind,
  type FiscalDocument,
  type OperationTotals,
  type PaymentTotals,
  REREGISTRATION_REASONS,
  type ReceiptDocument,
  type ReceiptItem,
  type RegistrationDocument,
  type ReregistrationDocument,
  type ReregistrationReason,
  type SettlementReportDocument,
  type ShiftCloseDocument,
  type ShiftOpenDocument,
  type ShiftTotals,
} from '../../fiscal/document.ts';
import { instantOfWallClockSeconds, wallClockSeconds } from '../../fiscal/local-time.ts';
import { MEASURES, type Measure } from '../../fiscal/measure.ts';
import { VAT_TAG_1199, type VatRate } from '../../fiscal/vat.ts';
import {
  decodeTlvs,
  encodeTlvs,
  readByte,
  readFvln,
  readPadded,
  readStlv,
  readString,
  readU32,
  readVln,
  type Tlv,
  tlvByte,
  tlvFvln,
  tlvPadded,
  tlvStlv,
  tlvString,
  tlvU32,
  tlvVln,
} from './tlv.ts';
import { WireFormatError } from './wire.ts';

/**
 * A fiscal document as the ФН keeps it and FF3Ah/FF3Bh read it back: the form code (the
 * document's STLV tag) and the document's TLVs. The FFD tags of ffd.md carry every field of
 * kkt-emu's document model, so decode(encode(doc)) equals doc, with two details:
 * - 1031 is the cash kept (FFD meaning); the change, which the FFD does not keep, travels in
 *   kkt-emu's private tag 65001 so the tendered cash comes back too (a real ФН has no such tag:
 *   its receipts read back with change 0);
 * - the request id the adapter attaches rides in 1084 (1085 "request_id", 1086 the id).
 * Strings are CP866, so text outside CP866 reads back with `?` in place of what it cannot hold.
 */

export const TAG = {
  userName: 1048,
  address: 1009,
  place: 1187,
  operator: 1021,
  buyerContact: 1008,
  dateTime: 1012,
  kktSerial: 1013,
  ofdInn: 1017,
  userInn: 1018,
  total: 1020,
  quantity: 1023,
  itemName: 1030,
  cash: 1031,
  kktRegNumber: 1037,
  shiftNumber: 1038,
  documentNumber: 1040,
  fnNumber: 1041,
  receiptNumber: 1042,
  itemSum: 1043,
  ofdName: 1046,
  operation: 1054,
  taxation: 1055,
  item: 1059,
  registrationTaxation: 1062,
  fiscalSign: 1077,
  price: 1079,
  card: 1081,
  userProperty: 1084,
  userPropertyName: 1085,
  userPropertyValue: 1086,
  unsentCount: 1097,
  firstUnsentAt: 1098,
  documentsInShift: 1111,
  firstUnsentNumber: 1116,
  receiptsInShift: 1118,
  counterSale: 1129,
  counterRefund: 1130,
  counterPurchase: 1131,
  counterPurchaseRefund: 1132,
  counterCount: 1135,
  counterCash: 1136,
  counterCard: 1138,
  shiftCounters: 1194,
  /** 1157 счётчики итогов ФН (ffd.md §5.2): the same per-operation STLVs as 1194. */
  fnCounters: 1157,
  vatRate: 1199,
  vatSum: 1200,
  counterTotal: 1201,
  ffdVersion: 1209,
  /** 1101 код причины перерегистрации (form 11; ffd.md §7.3 dump: `1101 01` on a form 11). */
  reregistrationReason: 1101,
  paymentObject: 1212,
  paymentMethod: 1214,
  prepaid: 1215,
  credit: 1216,
  other: 1217,
  counterPrepaid: 1218,
  counterCredit: 1219,
  counterOther: 1220,
  cashierInn: 1203,
  customerName: 1227,
  customerInn: 1228,
  measure: 2108,
  correctionType: 1173,
  correctionBasis: 1174,
  correctionDate: 1178,
  correctionNumber: 1179,
  /** kkt-emu private: the registration's default 1055 for requests that name none (not an FFD field). */
  defaultTaxation: 65003,
  /** kkt-emu private: the change given, so the tendered cash survives a read-back. */
  change: 65001,
  /**
   * kkt-emu private: a shift-close report's full 1194 (corrections, VAT by rate), 1157 and
   * warning flags (and form 21's 1157 and flags) as UTF-8 JSON, until they are written as the
   * FFD's own STLVs.
   */
  zReportExt: 65002,
} as const;

export const REQUEST_ID_PROPERTY = 'request_id';
const FFD_1_2 = 4;
/** 1023 is written with 3 decimals when that is exact (as before 6 were kept), else with 6. */
const QUANTITY_DECIMALS = 6;
const quantityFvln = (q: number) =>
  q % 1000 === 0 ? tlvFvln(TAG.quantity, q / 1000, 3) : tlvFvln(TAG.quantity, q, QUANTITY_DECIMALS);

const COUNTER_TAGS: Record<Operation, number> = {
  sale: TAG.counterSale,
  refund: TAG.counterRefund,
  purchase: TAG.counterPurchase,
  purchase_refund: TAG.counterPurchaseRefund,
};

function invert<K extends string>(table: Record<K, number>): Map<number, K> {
  return new Map(Object.entries(table).map(([k, v]) => [v as number, k as K]));
}
const OPERATION_BY_CODE = invert(OPERATIONS);
const TAXATION_BY_CODE = invert(TAXATION_TYPES);
const METHOD_BY_CODE = invert(PAYMENT_METHODS);
const OBJECT_BY_CODE = invert(PAYMENT_OBJECTS);
const VAT_BY_CODE = invert(VAT_TAG_1199);
const MEASURE_BY_CODE = invert(MEASURES);
const KIND_BY_TYPE = invert(DOCUMENT_TYPES);

function fiscalSignBytes(printed: string): Buffer {
  const b = Buffer.alloc(6);
  b[1] = 0x04;
  b.writeUInt32BE(Number(printed), 2);
  return b;
}

function header(doc: FiscalDocument, timezone: string): Tlv[] {
  return [
    tlvU32(TAG.documentNumber, doc.number),
    tlvU32(TAG.dateTime, wallClockSeconds(doc.dateTime, timezone)),
    tlvString(TAG.fnNumber, doc.fnNumber),
    tlvPadded(TAG.kktRegNumber, doc.kktRegNumber, 20),
    tlvPadded(TAG.userInn, doc.userInn, 12),
    { tag: TAG.fiscalSign, value: fiscalSignBytes(doc.fiscalSign) },
  ];
}

function counters(totals: OperationTotals): Tlv[] {
  return [
    tlvU32(TAG.counterCount, totals.count),
    tlvVln(TAG.counterTotal, totals.total),
    tlvVln(TAG.counterCash, totals.payments.cash),
    tlvVln(TAG.counterCard, totals.payments.card),
    tlvVln(TAG.counterPrepaid, totals.payments.prepaid),
    tlvVln(TAG.counterCredit, totals.payments.credit),
    tlvVln(TAG.counterOther, totals.payments.other),
  ];
}

function itemTlvs(it: ReceiptItem): Tlv[] {
  return [
    tlvString(TAG.itemName, it.name),
    tlvVln(TAG.price, it.price),
    quantityFvln(it.quantityMicro),
    tlvVln(TAG.itemSum, it.sum),
    tlvByte(TAG.vatRate, VAT_TAG_1199[it.vatRate]),
    tlvVln(TAG.vatSum, it.vatSum),
    tlvByte(TAG.paymentMethod, PAYMENT_METHODS[it.paymentMethod]),
    tlvByte(TAG.paymentObject, PAYMENT_OBJECTS[it.paymentObject]),
    ...(it.measure !== undefined ? [tlvByte(TAG.measure, MEASURES[it.measure])] : []),
  ];
}

/** The bytes one line (STLV 1059) takes in the ФН's receipt. */
export function itemTlvLength(it: ReceiptItem): number {
  return encodeTlvs([tlvStlv(TAG.item, itemTlvs(it))]).length;
}

function body(doc: FiscalDocument, timezone: string): Tlv[] {
  const tlvs = header(doc, timezone);
  const cashier = (d: { cashier?: string }) => (d.cashier !== undefined ? [tlvString(TAG.operator, d.cashier)] : []);
  switch (doc.kind) {
    case 'registration':
    case 'reregistration':
      return [
        ...tlvs,
        tlvString(TAG.userName, doc.userName),
        tlvString(TAG.address, doc.address),
        // 1062 is the bit mask of every registered system (ffd.md §2.2: the 1055 bits).
        tlvByte(
          TAG.registrationTaxation,
          // A registration written before 1062 was kept accepted every system (fn-core registeredTaxations).
          (doc.taxationTypes ?? TAXATION_NAMES).reduce((m, t) => m | TAXATION_TYPES[t], 0),
        ),
        { tag: TAG.defaultTaxation, value: Buffer.from([TAXATION_TYPES[doc.taxation]]) },
        ...(doc.place !== undefined ? [tlvString(TAG.place, doc.place)] : []),
        tlvString(TAG.ofdName, doc.ofdName),
        tlvPadded(TAG.ofdInn, doc.ofdInn, 12),
        tlvString(TAG.kktSerial, doc.kktSerial),
        tlvByte(TAG.ffdVersion, FFD_1_2),
        ...(doc.kind === 'reregistration'
          ? doc.reasons.map((r) => tlvByte(TAG.reregistrationReason, REREGISTRATION_REASONS[r]))
          : []),
      ];
    case 'shiftOpen':
      return [...tlvs, tlvU32(TAG.shiftNumber, doc.shiftNumber), ...cashier(doc)];
    case 'shiftClose':
      return [
        ...tlvs,
        tlvU32(TAG.shiftNumber, doc.shiftNumber),
        ...cashier(doc),
        tlvU32(TAG.receiptsInShift, doc.receiptsCount),
        tlvU32(TAG.documentsInShift, doc.documentsCount),
        ...unsentTlvs(doc, timezone),
        tlvStlv(
          TAG.shiftCounters,
          (Object.keys(COUNTER_TAGS) as Operation[]).map((op) => tlvStlv(COUNTER_TAGS[op], counters(doc.totals[op]))),
        ),
        ...zReportExt(doc),
      ];
    case 'receipt':
    case 'correction': {
      const out = [
        ...tlvs,
        tlvU32(TAG.shiftNumber, doc.shiftNumber),
        tlvU32(TAG.receiptNumber, doc.receiptNumber),
        tlvByte(TAG.operation, OPERATIONS[doc.operation]),
        tlvByte(TAG.taxation, TAXATION_TYPES[doc.taxation]),
        ...cashier(doc),
        ...doc.items.map((it) => tlvStlv(TAG.item, itemTlvs(it))),
        tlvVln(TAG.total, doc.total),
        tlvVln(TAG.cash, doc.payments.cash - doc.change),
        tlvVln(TAG.card, doc.payments.card),
        tlvVln(TAG.prepaid, doc.payments.prepaid),
        tlvVln(TAG.credit, doc.payments.credit),
        tlvVln(TAG.other, doc.payments.other),
      ];
      if (doc.change > 0) out.push(tlvVln(TAG.change, doc.change));
      if (doc.userName !== undefined) out.push(tlvString(TAG.userName, doc.userName));
      if (doc.address !== undefined) out.push(tlvString(TAG.address, doc.address));
      if (doc.place !== undefined) out.push(tlvString(TAG.place, doc.place));
      if (doc.customerContact !== undefined) out.push(tlvString(TAG.buyerContact, doc.customerContact));
      if (doc.cashierInn !== undefined) out.push(tlvPadded(TAG.cashierInn, doc.cashierInn, 12));
      if (doc.customer?.name !== undefined) out.push(tlvString(TAG.customerName, doc.customer.name));
      if (doc.customer?.inn !== undefined) out.push(tlvPadded(TAG.customerInn, doc.customer.inn, 12));
      if (doc.requestId !== undefined)
        out.push(
          tlvStlv(TAG.userProperty, [
            tlvString(TAG.userPropertyName, REQUEST_ID_PROPERTY),
            tlvString(TAG.userPropertyValue, doc.requestId),
          ]),
        );
      if (doc.kind === 'correction') out.push(...correctionTlvs(doc.correction));
      return out;
    }
    case 'settlementReport':
      return [
        ...tlvs,
        ...(doc.shiftNumber !== undefined ? [tlvU32(TAG.shiftNumber, doc.shiftNumber)] : []),
        ...cashier(doc),
        ...unsentTlvs(doc, timezone),
        // 1157 as the FFD has it (1129–1132, each 1135, 1201, 1136, 1138, 1218–1220): what a
        // real ФН's form 21 carries. Its corrections (1133) and VAT sums are not written: no
        // source kkt-emu has gives their inner layout for FFD 1.2 (docs/serial.md, unconfirmed).
        tlvStlv(
          TAG.fnCounters,
          (Object.keys(COUNTER_TAGS) as Operation[]).map((op) =>
            tlvStlv(COUNTER_TAGS[op], counters(doc.fnTotals.receipts[op])),
          ),
        ),
        {
          tag: TAG.zReportExt,
          value: Buffer.from(JSON.stringify({ fnTotals: doc.fnTotals, warnings: doc.warnings }), 'utf8'),
        },
      ];
    // Not on the Shtrih wire (reading it back is refused by decodeDocument): the header only.
    case 'fnClosure':
      return tlvs;
  }
}

/** 1097, 1116, 1098: the ОФД queue a report states. */
function unsentTlvs(
  doc: { unsentCount: number; firstUnsentNumber: number | null; firstUnsentAt: number | null },
  timezone: string,
): Tlv[] {
  return [
    tlvU32(TAG.unsentCount, doc.unsentCount),
    ...(doc.firstUnsentNumber !== null ? [tlvU32(TAG.firstUnsentNumber, doc.firstUnsentNumber)] : []),
    ...(doc.firstUnsentAt !== null ? [tlvU32(TAG.firstUnsentAt, wallClockSeconds(doc.firstUnsentAt, timezone))] : []),
  ];
}

/**
 * 1173 and 1174 (STLV of 1178, 1179). 1178 is a date whose time is always 00:00:00 (ffd.md
 * §2.2): the basis date's midnight, written as wall-clock seconds like 1012.
 */
export function correctionTlvs(basis: CorrectionBasis): Tlv[] {
  return [tlvByte(TAG.correctionType, CORRECTION_KINDS[basis.kind]), tlvStlv(TAG.correctionBasis, basisTlvs(basis))];
}

function basisTlvs(basis: CorrectionBasis): Tlv[] {
  const [y, m, d] = basis.date.split('-').map(Number) as [number, number, number];
  return [
    tlvU32(TAG.correctionDate, Date.UTC(y, m - 1, d) / 1000),
    ...(basis.number !== undefined ? [tlvString(TAG.correctionNumber, basis.number)] : []),
  ];
}

const KIND_OF_CORRECTION = new Map(
  Object.entries(CORRECTION_KINDS).map(([k, v]) => [v as number, k as CorrectionKind]),
);

/** 1178 as `YYYY-MM-DD`. */
export function basisDateOf(t: Tlv): string {
  return new Date(readU32(t) * 1000).toISOString().slice(0, 10);
}

/** The basis from 1173 and 1174 (or 1174's parts sent on their own, as the vendor driver's FNSendTag does). */
export function correctionBasisOf(
  kindTlv: Tlv | undefined,
  dateTlv: Tlv | undefined,
  numberTlv: Tlv | undefined,
): CorrectionBasis | undefined {
  if (!kindTlv || !dateTlv) return undefined;
  const basis: CorrectionBasis = {
    kind: lookup(KIND_OF_CORRECTION, readByte(kindTlv), 'tag 1173'),
    date: basisDateOf(dateTlv),
  };
  if (numberTlv) basis.number = readString(numberTlv);
  return basis;
}

function zReportExt(doc: ShiftCloseDocument): Tlv[] {
  const ext: Partial<ShiftCloseDocument> = {};
  if (doc.counters !== undefined) ext.counters = doc.counters;
  if (doc.fnTotals !== undefined) ext.fnTotals = doc.fnTotals;
  if (doc.warnings !== undefined) ext.warnings = doc.warnings;
  if (Object.keys(ext).length === 0) return [];
  return [{ tag: TAG.zReportExt, value: Buffer.from(JSON.stringify(ext), 'utf8') }];
}

export interface EncodedDocument {
  /** Form code: 1, 2, 3, 5, 11, 21 or 31. */
  type: number;
  body: Buffer;
}

export function encodeDocument(doc: FiscalDocument, timezone: string): EncodedDocument {
  return { type: DOCUMENT_TYPES[doc.kind], body: encodeTlvs(body(doc, timezone)) };
}

/** The TLVs of one level, by tag; repeated tags (1059 items) keep their order. */
class Fields {
  private readonly byTag = new Map<number, Tlv[]>();

  constructor(
    tlvs: Tlv[],
    private readonly what: string,
  ) {
    for (const t of tlvs) {
      const list = this.byTag.get(t.tag);
      if (list) list.push(t);
      else this.byTag.set(t.tag, [t]);
    }
  }

  optional(tag: number): Tlv | undefined {
    return this.byTag.get(tag)?.[0];
  }

  all(tag: number): Tlv[] {
    return this.byTag.get(tag) ?? [];
  }

  required(tag: number): Tlv {
    const t = this.optional(tag);
    if (!t) throw new WireFormatError(`${this.what}: tag ${tag} is missing`);
    return t;
  }
}

function lookup<T>(table: Map<number, T>, code: number, what: string): T {
  const v = table.get(code);
  if (v === undefined) throw new WireFormatError(`${what}: unknown code ${code}`);
  return v;
}

function decodeCounters(f: Fields): OperationTotals {
  const payments: PaymentTotals = {
    cash: readVln(f.required(TAG.counterCash)),
    card: readVln(f.required(TAG.counterCard)),
    prepaid: readVln(f.required(TAG.counterPrepaid)),
    credit: readVln(f.required(TAG.counterCredit)),
    other: readVln(f.required(TAG.counterOther)),
  };
  return { count: readU32(f.required(TAG.counterCount)), total: readVln(f.required(TAG.counterTotal)), payments };
}

/**
 * A real ФН's 1157 by operation. The FFD says every counter carries all its sums; an operation
 * or a sum that is absent reads as 0 rather than making the whole report unreadable.
 */
function decodeFnCounters(t: Tlv): ShiftTotals {
  const outer = new Fields(readStlv(t), 'tag 1157');
  const totals = emptyShiftTotals();
  for (const op of Object.keys(COUNTER_TAGS) as Operation[]) {
    const inner = outer.optional(COUNTER_TAGS[op]);
    if (!inner) continue;
    const f = new Fields(readStlv(inner), `tag ${COUNTER_TAGS[op]} in 1157`);
    const vln = (tag: number) => {
      const x = f.optional(tag);
      return x ? readVln(x) : 0;
    };
    const count = f.optional(TAG.counterCount);
    totals[op] = {
      count: count ? readU32(count) : 0,
      total: vln(TAG.counterTotal),
      payments: {
        cash: vln(TAG.counterCash),
        card: vln(TAG.counterCard),
        prepaid: vln(TAG.counterPrepaid),
        credit: vln(TAG.counterCredit),
        other: vln(TAG.counterOther),
      },
    };
  }
  return totals;
}

function decodeItem(t: Tlv, i: number): ReceiptItem {
  const f = new Fields(readStlv(t), `item ${i + 1}`);
  const q = readFvln(f.required(TAG.quantity));
  if (q.decimals > QUANTITY_DECIMALS && q.scaled % 10 ** (q.decimals - QUANTITY_DECIMALS) !== 0)
    throw new WireFormatError(`item ${i + 1}: quantity with more than ${QUANTITY_DECIMALS} decimals`);
  const quantity =
    q.decimals <= QUANTITY_DECIMALS
      ? q.scaled * 10 ** (QUANTITY_DECIMALS - q.decimals)
      : q.scaled / 10 ** (q.decimals - QUANTITY_DECIMALS);
  const measure = f.optional(TAG.measure);
  return {
    ...(measure ? { measure: lookup(MEASURE_BY_CODE, readByte(measure), 'tag 2108') as Measure } : {}),
    name: readString(f.required(TAG.itemName)),
    price: readVln(f.required(TAG.price)),
    quantityMicro: quantity,
    sum: readVln(f.required(TAG.itemSum)),
    vatRate: lookup(VAT_BY_CODE, readByte(f.required(TAG.vatRate)), 'tag 1199'),
    vatSum: readVln(f.required(TAG.vatSum)),
    paymentMethod: lookup(METHOD_BY_CODE, readByte(f.required(TAG.paymentMethod)), 'tag 1214') as PaymentMethod,
    paymentObject: lookup(OBJECT_BY_CODE, readByte(f.required(TAG.paymentObject)), 'tag 1212') as PaymentObject,
  };
}

function requestIdOf(f: Fields): string | undefined {
  for (const prop of f.all(TAG.userProperty)) {
    const p = new Fields(readStlv(prop), 'tag 1084');
    const name = p.optional(TAG.userPropertyName);
    const value = p.optional(TAG.userPropertyValue);
    if (name && value && readString(name) === REQUEST_ID_PROPERTY) return readString(value);
  }
  return undefined;
}

const REASON_BY_CODE = new Map(Object.entries(REREGISTRATION_REASONS).map(([k, v]) => [v as number, k]));

/** The inverse of encodeDocument; throws WireFormatError on anything that is not such a document. */
export function decodeDocument(type: number, bodyBytes: Uint8Array, timezone: string): FiscalDocument {
  const kind: DocumentKind = lookup(KIND_BY_TYPE, type, 'document type');
  const f = new Fields(decodeTlvs(bodyBytes), `document type ${type}`);
  const sign = f.required(TAG.fiscalSign).value;
  if (sign.length !== 6) throw new WireFormatError('tag 1077 must be 6 bytes');
  const common = {
    number: readU32(f.required(TAG.documentNumber)),
    dateTime: instantOfWallClockSeconds(readU32(f.required(TAG.dateTime)), timezone),
    fnNumber: readString(f.required(TAG.fnNumber)),
    kktRegNumber: readPadded(f.required(TAG.kktRegNumber)),
    userInn: readPadded(f.required(TAG.userInn)),
    fiscalSign: String(sign.readUInt32BE(2)).padStart(10, '0'),
  };
  const withCashier = <D extends object>(d: D): D => {
    const c = f.optional(TAG.operator);
    return c ? { ...d, cashier: readString(c) } : d;
  };
  switch (kind) {
    case 'registration':
    case 'reregistration': {
      const mask = readByte(f.required(TAG.registrationTaxation));
      const taxationTypes = [...TAXATION_BY_CODE].filter(([bit]) => (mask & bit) !== 0).map(([, t]) => t);
      const first = taxationTypes[0];
      if (first === undefined) throw new WireFormatError('tag 1062 names no tax system');
      const defaultTlv = f.optional(TAG.defaultTaxation);
      const place = f.optional(TAG.place);
      const fields = {
        ...common,
        userName: readString(f.required(TAG.userName)),
        address: readString(f.required(TAG.address)),
        // A real ФН keeps no default: the first registered system then.
        taxation: defaultTlv ? lookup(TAXATION_BY_CODE, readByte(defaultTlv), 'tag 65003') : first,
        taxationTypes,
        ...(place ? { place: readString(place) } : {}),
        ofdName: readString(f.required(TAG.ofdName)),
        ofdInn: readPadded(f.required(TAG.ofdInn)),
        kktSerial: readString(f.required(TAG.kktSerial)),
        ffdVersion: '1.2' as const,
      };
      if (kind === 'registration') return { kind, ...fields } satisfies RegistrationDocument;
      const reasons = f
        .all(TAG.reregistrationReason)
        .map((t) => lookup(REASON_BY_CODE, readByte(t), 'tag 1101') as ReregistrationReason);
      return { kind, ...fields, reasons } satisfies ReregistrationDocument;
    }
    case 'shiftOpen':
      return withCashier<ShiftOpenDocument>({ kind, ...common, shiftNumber: readU32(f.required(TAG.shiftNumber)) });
    case 'shiftClose': {
      const counterFields = new Fields(readStlv(f.required(TAG.shiftCounters)), 'tag 1194');
      const totals = Object.fromEntries(
        (Object.keys(COUNTER_TAGS) as Operation[]).map((op) => [
          op,
          decodeCounters(new Fields(readStlv(counterFields.required(COUNTER_TAGS[op])), `tag ${COUNTER_TAGS[op]}`)),
        ]),
      ) as ShiftTotals;
      const firstNumber = f.optional(TAG.firstUnsentNumber);
      const firstAt = f.optional(TAG.firstUnsentAt);
      const base = {
        kind,
        ...common,
        shiftNumber: readU32(f.required(TAG.shiftNumber)),
      };
      const ext = f.optional(TAG.zReportExt);
      const doc: ShiftCloseDocument = {
        ...withCashier(base),
        ...(ext ? (JSON.parse(Buffer.from(ext.value).toString('utf8')) as Partial<ShiftCloseDocument>) : {}),
        receiptsCount: readU32(f.required(TAG.receiptsInShift)),
        documentsCount: readU32(f.required(TAG.documentsInShift)),
        totals,
        unsentCount: readU32(f.required(TAG.unsentCount)),
        firstUnsentNumber: firstNumber ? readU32(firstNumber) : null,
        firstUnsentAt: firstAt ? instantOfWallClockSeconds(readU32(firstAt), timezone) : null,
      };
      return doc;
    }
    case 'receipt':
      return decodeReceipt(f, common, withCashier);
    case 'correction': {
      const basisFields = new Fields(readStlv(f.required(TAG.correctionBasis)), 'tag 1174');
      const correction = correctionBasisOf(
        f.required(TAG.correctionType),
        basisFields.required(TAG.correctionDate),
        basisFields.optional(TAG.correctionNumber),
      ) as CorrectionBasis;
      const { kind: _receipt, ...rest } = decodeReceipt(f, common, withCashier);
      return { kind: 'correction', ...rest, correction } satisfies CorrectionDocument;
    }
    case 'settlementReport': {
      // kkt-emu's private 65002 carries the whole 1157 (corrections, VAT) and the flags. A real
      // ФН's form 21 has no 65002: its receipts' counters come from its own 1157; the corrections
      // (1133) and the warning flags stay empty (their layout inside form 21 is unconfirmed).
      const extTlv = f.optional(TAG.zReportExt);
      const fnTlv = f.optional(TAG.fnCounters);
      const ext: Pick<SettlementReportDocument, 'fnTotals' | 'warnings'> = extTlv
        ? JSON.parse(Buffer.from(extTlv.value).toString('utf8'))
        : {
            fnTotals: fnTlv ? { ...emptyCounters(), receipts: decodeFnCounters(fnTlv) } : emptyCounters(),
            warnings: { keysExpiring: false, replaceUrgently: false, memoryAlmostFull: false, ofdAckOverdue: false },
          };
      const firstNumber = f.optional(TAG.firstUnsentNumber);
      const firstAt = f.optional(TAG.firstUnsentAt);
      const shift = f.optional(TAG.shiftNumber);
      const doc: SettlementReportDocument = withCashier({
        kind,
        ...common,
        unsentCount: readU32(f.required(TAG.unsentCount)),
        firstUnsentNumber: firstNumber ? readU32(firstNumber) : null,
        firstUnsentAt: firstAt ? instantOfWallClockSeconds(readU32(firstAt), timezone) : null,
        fnTotals: ext.fnTotals,
        warnings: ext.warnings,
      });
      if (shift) doc.shiftNumber = readU32(shift);
      return doc;
    }
    default:
      throw new WireFormatError(`document kind ${kind} is not one kkt-emu keeps`);
  }
}

function decodeReceipt(
  f: Fields,
  common: Omit<ReceiptDocument, 'kind' | keyof ReceiptBody>,
  withCashier: <D extends object>(d: D) => D,
): ReceiptDocument {
  const items = f.all(TAG.item).map(decodeItem);
  const change = f.optional(TAG.change);
  const changeValue = change ? readVln(change) : 0;
  const payments: PaymentTotals = {
    cash: readVln(f.required(TAG.cash)) + changeValue,
    card: readVln(f.required(TAG.card)),
    prepaid: readVln(f.required(TAG.prepaid)),
    credit: readVln(f.required(TAG.credit)),
    other: readVln(f.required(TAG.other)),
  };
  // The ФН does not keep per-rate totals for every 2026 rate; they are the items' own VAT sums.
  const vatTotals: Partial<Record<VatRate, number>> = {};
  for (const it of items) vatTotals[it.vatRate] = (vatTotals[it.vatRate] ?? 0) + it.vatSum;
  const doc: ReceiptDocument = withCashier({
    kind: 'receipt' as const,
    ...common,
    operation: lookup(OPERATION_BY_CODE, readByte(f.required(TAG.operation)), 'tag 1054') as Operation,
    items,
    payments,
    taxation: lookup(TAXATION_BY_CODE, readByte(f.required(TAG.taxation)), 'tag 1055') as TaxationType,
    shiftNumber: readU32(f.required(TAG.shiftNumber)),
    receiptNumber: readU32(f.required(TAG.receiptNumber)),
    total: readVln(f.required(TAG.total)),
    change: changeValue,
    vatTotals,
  });
  const contact = f.optional(TAG.buyerContact);
  if (contact) doc.customerContact = readString(contact);
  const cashierInn = f.optional(TAG.cashierInn);
  if (cashierInn) doc.cashierInn = readPadded(cashierInn);
  const customerName = f.optional(TAG.customerName);
  const customerInn = f.optional(TAG.customerInn);
  if (customerName || customerInn)
    doc.customer = {
      ...(customerName ? { name: readString(customerName) } : {}),
      ...(customerInn ? { inn: readPadded(customerInn) } : {}),
    };
  const userName = f.optional(TAG.userName);
  if (userName) doc.userName = readString(userName);
  const address = f.optional(TAG.address);
  if (address) doc.address = readString(address);
  const place = f.optional(TAG.place);
  if (place) doc.place = readString(place);
  const requestId = requestIdOf(f);
  if (requestId !== undefined) doc.requestId = requestId;
  return doc;
}

type ReceiptBody = Omit<
  ReceiptDocument,
  'number' | 'dateTime' | 'fnNumber' | 'kktRegNumber' | 'userInn' | 'fiscalSign'
>;
