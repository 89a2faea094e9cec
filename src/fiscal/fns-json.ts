import { DOCUMENT_TYPES, OPERATIONS, PAYMENT_METHODS, PAYMENT_OBJECTS, TAXATION_TYPES } from './codes.ts';
import type { FiscalDocument, ReceiptDocument } from './document.ts';
import { localIso } from './local-time.ts';
import { quantityToNumber } from './quantity.ts';
import { VAT_TAG_1199, type VatRate } from './vat.ts';

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

function receiptJson(doc: ReceiptDocument) {
  const json: Record<string, unknown> = {
    requestNumber: doc.receiptNumber,
    shiftNumber: doc.shiftNumber,
    operationType: OPERATIONS[doc.operation],
    appliedTaxationType: TAXATION_TYPES[doc.taxation],
    totalSum: doc.total,
    cashTotalSum: doc.payments.cash - doc.change,
    ecashTotalSum: doc.payments.card,
    prepaidSum: doc.payments.prepaid,
    creditSum: doc.payments.credit,
    provisionSum: doc.payments.other,
    items: doc.items.map((it) => ({
      name: it.name,
      price: it.price,
      quantity: quantityToNumber(it.quantity),
      sum: it.sum,
      nds: VAT_TAG_1199[it.vatRate],
      ndsSum: it.vatSum,
      paymentType: PAYMENT_METHODS[it.paymentMethod],
      productType: PAYMENT_OBJECTS[it.paymentObject],
    })),
  };
  if (doc.customerContact !== undefined) json.buyerPhoneOrAddress = doc.customerContact;
  if (doc.cashier !== undefined) json.operator = doc.cashier;
  for (const it of doc.items) {
    const field = RECEIPT_VAT_FIELDS[it.vatRate];
    if (!field) continue;
    // 1104 (0 %) and 1105 (без НДС) carry the settlement sum; the others carry the VAT amount.
    const amount = it.vatRate === '0' || it.vatRate === 'none' ? it.sum : it.vatSum;
    json[field] = ((json[field] as number | undefined) ?? 0) + amount;
  }
  return json;
}

/**
 * The document in the field names of the FNS "Проверка чека" format: money in kopecks,
 * padded INN and registration number, `dateTime` as local wall time, `fiscalSign` as a number.
 */
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
      return { ...common, ...receiptJson(doc) };
    case 'registration':
      return {
        ...common,
        user: doc.userName,
        retailPlaceAddress: doc.address,
        appliedTaxationType: TAXATION_TYPES[doc.taxation],
        ofdInn: padInn(doc.ofdInn),
        ofdName: doc.ofdName,
        kktNumber: doc.kktSerial,
      };
    case 'shiftOpen':
      return { ...common, shiftNumber: doc.shiftNumber, ...(doc.cashier ? { operator: doc.cashier } : {}) };
    case 'shiftClose':
      return {
        ...common,
        shiftNumber: doc.shiftNumber,
        receiptsQuantity: doc.receiptsCount,
        documentsQuantity: doc.documentsCount,
        notTransmittedDocumentsQuantity: doc.unsentCount,
        notTransmittedDocumentsDateTime: doc.firstUnsentAt === null ? null : localIso(doc.firstUnsentAt, timezone),
        ...(doc.cashier ? { operator: doc.cashier } : {}),
      };
  }
}
