import {
  DOCUMENT_TYPES,
  OPERATIONS,
  PAYMENT_METHODS,
  PAYMENT_OBJECTS,
  TAXATION_TYPES,
  type TaxationType,
} from './codes.ts';
import { countOf, emptyShiftTotals } from './counters.ts';
import type {
  CorrectionDocument,
  Counters,
  FiscalDocument,
  FnWarnings,
  OperationTotals,
  ReceiptDocument,
  RegistrationDocument,
  ReregistrationDocument,
} from './document.ts';
import { CORRECTION_KINDS, REREGISTRATION_REASONS } from './document.ts';
import { localIso } from './local-time.ts';
import { measureCode } from './measure.ts';
import { quantityToNumber } from './quantity.ts';
import { itemQuantityMicro } from './stored-document.ts';
import { VAT_TAG_1199, type VatRate } from './vat.ts';

/**
 * Documents in the field names of the FNS "Проверка чека" JSON (ffd.md §2.2, §3, §5.1–5.4) and
 * of the YOFD schemas it cites: money in kopecks, padded INN and registration number, `dateTime`
 * as local wall time, `fiscalSign` as a number, `code` = the form number (ffd.md §1).
 */

/** FFD pads INNs to 12 and the registration number to 20 characters, and FNS JSON keeps that. */
export const padInn = (inn: string) => inn.padEnd(12, ' ');
export const padRegNumber = (reg: string) => reg.padEnd(20, ' ');

/**
 * Receipt-level VAT sums that have FFD tags (1102–1107). The 5 %, 7 % and 22 % rates have no
 * confirmed receipt-level tag yet; their VAT stays on the items (1199 + 1200).
 */
const RECEIPT_VAT_FIELDS: Partial<Record<VatRate, string>> = {
  '20': 'nds18',
  '10': 'nds10',
  '0': 'nds0',
  none: 'ndsNo',
  '20/120': 'ndsCalculated18',
  '10/110': 'ndsCalculated10',
};

/** 1062 / 1055 as the bit mask FNS JSON carries. */
const taxationMask = (list: readonly TaxationType[]) => list.reduce((m, t) => m | TAXATION_TYPES[t], 0);

/**
 * Adds a receipt's or correction's fields to `json` (the document's common fields). Written in
 * place, not spread into a new object: every buffered receipt goes through here on its way to the
 * ОФД, and spreading ~25 fields twice per document was 13 % of the drain's event loop.
 */
function addSettlement(json: Record<string, unknown>, doc: ReceiptDocument | CorrectionDocument) {
  // 1048, 1009, 1187 where the document has them (documents written before 1048 was kept lack it).
  if (doc.userName !== undefined) json.user = doc.userName;
  if (doc.address !== undefined) json.retailPlaceAddress = doc.address;
  if (doc.place !== undefined) json.retailPlace = doc.place;
  json.requestNumber = doc.receiptNumber;
  json.shiftNumber = doc.shiftNumber;
  json.operationType = OPERATIONS[doc.operation];
  json.appliedTaxationType = TAXATION_TYPES[doc.taxation];
  json.totalSum = doc.total;
  json.cashTotalSum = doc.payments.cash - doc.change;
  json.ecashTotalSum = doc.payments.card;
  json.prepaidSum = doc.payments.prepaid;
  json.creditSum = doc.payments.credit;
  json.provisionSum = doc.payments.other;
  json.items = doc.items.map((it) => ({
    name: it.name,
    price: it.price,
    quantity: quantityToNumber(itemQuantityMicro(it)),
    sum: it.sum,
    nds: VAT_TAG_1199[it.vatRate],
    ndsSum: it.vatSum,
    paymentType: PAYMENT_METHODS[it.paymentMethod],
    productType: PAYMENT_OBJECTS[it.paymentObject],
    // 2108 is an FFD 1.2 requisite; pieces (0) when the item names no measure.
    itemsQuantityMeasure: measureCode(it.measure),
  }));
  if (doc.customerContact !== undefined) json.buyerPhoneOrAddress = doc.customerContact;
  if (doc.cashier !== undefined) json.operator = doc.cashier;
  if (doc.cashierInn !== undefined) json.operatorInn = padInn(doc.cashierInn);
  // ⚠️ 1227 / 1228 JSON names are not given in ffd.md; `buyer` / `buyerInn` follow the FNS naming
  // of 1008 (`buyerPhoneOrAddress`).
  if (doc.customer?.name !== undefined) json.buyer = doc.customer.name;
  if (doc.customer?.inn !== undefined) json.buyerInn = padInn(doc.customer.inn);
  for (const it of doc.items) {
    const field = RECEIPT_VAT_FIELDS[it.vatRate];
    if (!field) continue;
    // 1104 (0 %) and 1105 (без НДС) carry the settlement sum; the others carry the VAT amount.
    const amount = it.vatRate === '0' || it.vatRate === 'none' ? it.sum : it.vatSum;
    json[field] = ((json[field] as number | undefined) ?? 0) + amount;
  }
  return json;
}

function correctionJson(doc: CorrectionDocument) {
  const base: Record<string, unknown> = {
    // 1178 is a date with time 00:00:00 (ffd.md §2.2, OD), written like dateTime.
    correctionDocumentDate: `${doc.correction.date}T00:00:00`,
  };
  if (doc.correction.number !== undefined) base.correctionDocumentNumber = doc.correction.number;
  return { correctionType: CORRECTION_KINDS[doc.correction.kind], correctionBase: base };
}

/** The sums common to every counter (YOFD `sumInReports`). */
function sums(t: OperationTotals) {
  return {
    totalSum: t.total,
    cashSum: t.payments.cash,
    ecashSum: t.payments.card,
    prepaidSum: t.payments.prepaid,
    creditSum: t.payments.credit,
    provisionSum: t.payments.other,
  };
}

/**
 * VAT counters with FFD tags (1139–1143, 1183; ffd.md §5.2): VAT amounts for 20 %, 10 %,
 * 20/120 and 10/110, settlement sums for 0 % and без НДС. ⚠️ Counter tags for 5 %, 7 % and 22 %
 * are not confirmed (ffd.md §5.2, §6): those rates appear in no counter field yet.
 */
function vatCounters(t: OperationTotals, suffix: '' | 'Correction') {
  const vat = t.vat ?? {};
  const byRate = t.byRate ?? {};
  return {
    [`tax18${suffix}Sum`]: vat['20'] ?? 0,
    [`tax10${suffix}Sum`]: vat['10'] ?? 0,
    [`tax18118${suffix}Sum`]: vat['20/120'] ?? 0,
    [`tax10110${suffix}Sum`]: vat['10/110'] ?? 0,
    [`tax0${suffix}Sum`]: byRate['0'] ?? 0,
    [`taxFree${suffix}Sum`]: byRate.none ?? 0,
  };
}

/** 1129–1132: one operation's receipt counters (YOFD `operationReports`). */
const operationReport = (t: OperationTotals) => ({ receiptCount: t.count, ...sums(t), ...vatCounters(t, '') });

/** 1145 / 1146 / 1232 / 1233: one operation's correction counters (YOFD `correctionReports`). */
const correctionReport = (t: OperationTotals) => ({
  ...sums(t),
  selfCorrectionCount: t.byKind?.self ?? 0,
  orderCorrectionCount: t.byKind?.instruction ?? 0,
  ...vatCounters(t, 'Correction'),
});

/**
 * 1194 / 1157 (ffd.md §5.2, YOFD `fiscalDriveSumReports`). `receiptCount` (1134) counts receipts
 * and corrections, as 1118 does. ⚠️ YOFD 1.1 has only sellCorrection (1145) and buyCorrection
 * (1146); FFD 1.2 adds 1232 / 1233 for the return corrections, whose JSON names are not given
 * in ffd.md: `sellReturnCorrection` / `buyReturnCorrection` are named by analogy.
 */
export function countersJson(c: Counters) {
  return {
    receiptCount: countOf(c.receipts) + countOf(c.corrections),
    sellOper: operationReport(c.receipts.sale),
    sellReturnOper: operationReport(c.receipts.refund),
    buyOper: operationReport(c.receipts.purchase),
    buyReturnOper: operationReport(c.receipts.purchase_refund),
    receiptCorrection: {
      receiptCorrectionCount: countOf(c.corrections),
      sellCorrection: correctionReport(c.corrections.sale),
      sellReturnCorrection: correctionReport(c.corrections.refund),
      buyCorrection: correctionReport(c.corrections.purchase),
      buyReturnCorrection: correctionReport(c.corrections.purchase_refund),
    },
  };
}

/** 1050–1053 as FNS JSON signs: present with value 1 when set (YOFD: `enum: [1]`). */
function warningSigns(w: FnWarnings | undefined) {
  const json: Record<string, number> = {};
  if (w?.ofdAckOverdue) json.ofdResponseTimeoutSign = 1;
  if (w?.replaceUrgently) json.fiscalDriveReplaceRequiredSign = 1;
  if (w?.memoryAlmostFull) json.fiscalDriveMemoryExceededSign = 1;
  if (w?.keysExpiring) json.fiscalDriveExhaustionSign = 1;
  return json;
}

function unsent(
  doc: { unsentCount: number; firstUnsentNumber: number | null; firstUnsentAt: number | null },
  timezone: string,
) {
  const json: Record<string, unknown> = {
    notTransmittedDocumentsQuantity: doc.unsentCount,
    notTransmittedDocumentsDateTime: doc.firstUnsentAt === null ? null : localIso(doc.firstUnsentAt, timezone),
  };
  if (doc.firstUnsentNumber !== null) json.notTransmittedDocumentNumber = doc.firstUnsentNumber;
  return json;
}

/** Forms 1 and 11. The registration's 1062 is `taxationType` (a mask), unlike a receipt's 1055. */
function registrationJson(doc: RegistrationDocument | ReregistrationDocument) {
  const json: Record<string, unknown> = {
    user: doc.userName,
    retailPlaceAddress: doc.address,
    taxationType: taxationMask(doc.taxationTypes ?? [doc.taxation]),
    ofdInn: padInn(doc.ofdInn),
    ofdName: doc.ofdName,
    kktNumber: doc.kktSerial,
  };
  if (doc.place !== undefined) json.retailPlace = doc.place;
  return json;
}

const operator = (d: { cashier?: string }) => (d.cashier !== undefined ? { operator: d.cashier } : {});

export function toFnsJson(doc: FiscalDocument, timezone: string): Record<string, unknown> {
  const common: Record<string, unknown> = {
    code: DOCUMENT_TYPES[doc.kind],
    fiscalDocumentFormatVer: 4,
    userInn: padInn(doc.userInn),
    dateTime: localIso(doc.dateTime, timezone),
    kktRegId: padRegNumber(doc.kktRegNumber),
    fiscalDriveNumber: doc.fnNumber,
    fiscalDocumentNumber: doc.number,
    fiscalSign: Number(doc.fiscalSign),
  };
  switch (doc.kind) {
    case 'receipt':
      return addSettlement(common, doc);
    case 'correction':
      return Object.assign(addSettlement(common, doc), correctionJson(doc));
    case 'registration':
      return { ...common, ...registrationJson(doc) };
    case 'reregistration': {
      const json: Record<string, unknown> = {
        ...common,
        ...registrationJson(doc),
        // 1101 (ffd.md §7.3 dump: `1101 01` on a form 11 that is FD 1 of its ФН); an array of
        // codes in YOFD schemas/1.1/fiscalReportCorrection.schema.json.
        correctionReasonCode: doc.reasons.map((r) => REREGISTRATION_REASONS[r]),
      };
      return json;
    }
    case 'shiftOpen':
      return { ...common, shiftNumber: doc.shiftNumber, ...operator(doc) };
    case 'shiftClose': {
      const json: Record<string, unknown> = {
        ...common,
        shiftNumber: doc.shiftNumber,
        receiptsQuantity: doc.receiptsCount,
        documentsQuantity: doc.documentsCount,
        ...unsent(doc, timezone),
        ...warningSigns(doc.warnings),
        ...operator(doc),
      };
      // Documents written before 1194 was kept in full carry receipt totals only.
      json.shiftSumReports = countersJson(doc.counters ?? { receipts: doc.totals, corrections: emptyShiftTotals() });
      if (doc.fnTotals) json.fiscalDriveSumReports = countersJson(doc.fnTotals);
      return json;
    }
    case 'settlementReport': {
      const json: Record<string, unknown> = {
        ...common,
        // 1002: the emulated ККТ always works online.
        offlineMode: 0,
        ...unsent(doc, timezone),
        ...warningSigns(doc.warnings),
        fiscalDriveSumReports: countersJson(doc.fnTotals),
        ...operator(doc),
      };
      if (doc.shiftNumber !== undefined) json.shiftNumber = doc.shiftNumber;
      return json;
    }
    case 'fnClosure':
      return {
        ...common,
        shiftNumber: doc.shiftNumber,
        ...unsent(doc, timezone),
        fiscalDriveSumReports: countersJson(doc.fnTotals),
        ...operator(doc),
      };
  }
}
