import type { Operation, PaymentMethod, PaymentType, TaxationType } from '../fiscal/codes.ts';
import type { CorrectionKind, FiscalDocument } from '../fiscal/document.ts';
import type { VatRate } from '../fiscal/vat.ts';

/**
 * The words printed on slips. Sources (docs/console.md "Printed slips and QR codes"):
 * - KF: the requisites table of a real register's firmware, `egorsego/qtApp`
 *   `kf_files/requisites.cpp` @ fcc3e27d2b04c113fe0d54292518f1f6dcdef670 (ffd.md's "KF"): each
 *   tag's print name (`req.name`) and the document names (`doc_name_search`).
 * - ffd.md §1 (document names), §2.2 (1054, 1055, 1173, 1214 value names).
 * - Real receipts (Ozon, May 2026, as quoted in a public parser's tests): "ФПД" for 1077,
 *   "Сайт ФНС", "Кассовый чек коррекции".
 */

/** Document names, KF `doc_name_search` (its "ЗКРЫТИИ" typo corrected) and ffd.md §1. */
export const DOCUMENT_TITLES: Record<FiscalDocument['kind'], string> = {
  registration: 'ОТЧЁТ О РЕГИСТРАЦИИ',
  reregistration: 'ОТЧЁТ ОБ ИЗМЕНЕНИИ ПАРАМЕТРОВ РЕГИСТРАЦИИ',
  shiftOpen: 'ОТЧЁТ ОБ ОТКРЫТИИ СМЕНЫ',
  receipt: 'КАССОВЫЙ ЧЕК',
  correction: 'КАССОВЫЙ ЧЕК КОРРЕКЦИИ',
  shiftClose: 'ОТЧЁТ О ЗАКРЫТИИ СМЕНЫ',
  settlementReport: 'ОТЧЁТ О ТЕКУЩЕМ СОСТОЯНИИ РАСЧЁТОВ',
  fnClosure: 'ОТЧЁТ О ЗАКРЫТИИ ФИСКАЛЬНОГО НАКОПИТЕЛЯ',
};

/** 1054 признак расчёта, ffd.md §2.2 ("1 приход, 2 возврат прихода, 3 расход, 4 возврат расхода"). */
export const OPERATION_TITLES: Record<Operation, string> = {
  sale: 'ПРИХОД',
  refund: 'ВОЗВРАТ ПРИХОДА',
  purchase: 'РАСХОД',
  purchase_refund: 'ВОЗВРАТ РАСХОДА',
};

/** Payment print names, KF tags 1031, 1081, 1215, 1216, 1217. */
export const PAYMENT_LABELS: Record<PaymentType, string> = {
  cash: 'НАЛИЧНЫМИ',
  card: 'БЕЗНАЛИЧНЫМИ',
  prepaid: 'ПРЕДВАРИТЕЛЬНАЯ ОПЛАТА (АВАНС)',
  credit: 'ПОСЛЕДУЮЩАЯ ОПЛАТА (КРЕДИТ)',
  other: 'ИНАЯ ФОРМА ОПЛАТЫ',
};

/** 1055 / 1062 short names, ffd.md §2.2 ("1 ОСН, 2 УСН доход, 4 УСН доход−расход, … 16 ЕСХН, 32 ПСН"). */
export const TAXATION_LABELS: Record<TaxationType, string> = {
  osn: 'ОСН',
  usn_income: 'УСН ДОХОД',
  usn_income_outcome: 'УСН ДОХОД-РАСХОД',
  esn: 'ЕСХН',
  patent: 'ПСН',
};

/** 1214 признак способа расчёта, ffd.md §2.2 (names from OD, YOFD and dreamkas-http). */
export const PAYMENT_METHOD_LABELS: Record<PaymentMethod, string> = {
  full_prepayment: 'ПРЕДОПЛАТА 100%',
  prepayment: 'ЧАСТИЧНАЯ ПРЕДОПЛАТА',
  advance: 'АВАНС',
  full_payment: 'ПОЛНЫЙ РАСЧЁТ',
  partial_payment: 'ЧАСТИЧНЫЙ РАСЧЁТ И КРЕДИТ',
  credit: 'ПЕРЕДАЧА В КРЕДИТ',
  credit_payment: 'ОПЛАТА КРЕДИТА',
};

/** 1173 тип коррекции, ffd.md §2.2 ("0 самостоятельно, 1 по предписанию"). */
export const CORRECTION_KIND_LABELS: Record<CorrectionKind, string> = {
  self: 'САМОСТОЯТЕЛЬНО',
  instruction: 'ПО ПРЕДПИСАНИЮ',
};

/** How a rate is written after "НДС": `22%`, `10/110`. */
export const rateText = (rate: VatRate): string => (rate.includes('/') ? rate : `${rate}%`);

/** An item's VAT line: "НДС 22%" (with its amount) or "БЕЗ НДС" (no amount). */
export const itemVatLabel = (rate: VatRate): string => (rate === 'none' ? 'БЕЗ НДС' : `НДС ${rateText(rate)}`);

/**
 * A receipt's VAT total line, KF tags 1102–1107: "СУММА НДС 10%" and "СУММА НДС 10/110" carry the
 * VAT, "СУММА С НДС 0%" and "СУММА БЕЗ НДС" the settlement sum at that rate. The 5 %, 7 % and 22 %
 * rates (no confirmed receipt-level tag, ffd.md §6) are printed the same way.
 */
export const totalVatLabel = (rate: VatRate): string =>
  rate === 'none' ? 'СУММА БЕЗ НДС' : rate === '0' ? 'СУММА С НДС 0%' : `СУММА НДС ${rateText(rate)}`;

/** Tag print names, KF (1077 as "ФПД", as on the real receipts). */
export const L = {
  inn: 'ИНН',
  place: 'МЕСТО РАСЧЁТОВ',
  address: 'АДРЕС РАСЧЁТОВ',
  total: 'ИТОГ',
  /** No FFD tag: the cash handed back (tendered cash minus 1031). ⚠️ Label from practice. */
  change: 'СДАЧА',
  taxation: 'СНО',
  cashier: 'КАССИР',
  cashierInn: 'ИНН КАССИРА',
  customerContact: 'ТЕЛ. ИЛИ ЭЛ. АДРЕС ПОКУПАТЕЛЯ',
  customer: 'ПОКУПАТЕЛЬ',
  customerInn: 'ИНН ПОКУПАТЕЛЯ',
  fnsSite: 'САЙТ ФНС',
  dateTime: 'ДАТА, ВРЕМЯ',
  shift: 'СМЕНА',
  receipt: 'ЧЕК',
  regNumber: 'РН ККТ',
  serial: 'ЗН ККТ',
  fn: 'ФН',
  fd: 'ФД',
  fpd: 'ФПД',
  correctionKind: 'ТИП КОРРЕКЦИИ',
  correctionDate: 'ДАТА ДОКУМЕНТА ОСНОВАНИЯ ДЛЯ КОРРЕКЦИИ',
  correctionNumber: 'НОМЕР ДОКУМЕНТА ОСНОВАНИЯ ДЛЯ КОРРЕКЦИИ',
  ofd: 'ОФД',
  ofdInn: 'ИНН ОФД',
  ffd: 'ФФД ККТ',
  reregistration: 'ИЗМ. СВЕД. О ККТ',
  receiptsInShift: 'ЧЕКОВ ЗА СМЕНУ',
  documentsInShift: 'ФД ЗА СМЕНУ',
  unsent: 'НЕПЕРЕДАННЫХ ФД',
  firstUnsent: 'ПЕРВЫЙ НЕПЕРЕДАННЫЙ ФД',
  unsentSince: 'ФД НЕ ПЕРЕДАНЫ С',
  keysExpiring: 'РЕСУРС ФН МЕНЕЕ 30 ДНЕЙ',
  replaceUrgently: 'РЕСУРС ФН МЕНЕЕ 3 ДНЕЙ',
  memoryAlmostFull: 'ПАМЯТЬ ФН ЗАПОЛНЕНА',
  ofdAckOverdue: 'ОФД НЕ ОТВЕЧАЕТ',
  /** Counter sections of the reports (1194 / 1157): ⚠️ headings of this layout, not tag names. */
  count: 'КОЛИЧЕСТВО',
  receiptCounters: 'ЧЕКИ',
  correctionCounters: 'ЧЕКИ КОРРЕКЦИИ',
  fnCounters: 'СЧЁТЧИКИ ИТОГОВ ФН',
  shiftCounters: 'СЧЁТЧИКИ ИТОГОВ СМЕНЫ',
} as const;

/** 1101 reasons by the model's names (document.ts: code 1 is the replacement of the ФН). */
export const REREGISTRATION_REASON_LABELS = { fn_replacement: 'ЗАМЕНА ФН' } as const;
