import { emptyCounters, emptyShiftTotals } from '../../src/fiscal/counters.ts';
import type {
  CorrectionDocument,
  FnClosureDocument,
  ReceiptDocument,
  RegistrationDocument,
  ReregistrationDocument,
  SettlementReportDocument,
  ShiftCloseDocument,
  ShiftOpenDocument,
} from '../../src/fiscal/document.ts';
import type { SlipOptions } from '../../src/slips/slip.ts';

/**
 * One hand-made document of every kind the ФН archive holds, with fictional data (the test
 * range ФН 9999…, INNs of the fictional 7700 tax office with valid check digits), and the
 * arithmetic written out where it matters.
 */

/** 2026-11-25 11:05 UTC = 14:05 in Moscow. */
export const AT = Date.UTC(2026, 10, 25, 11, 5);
const header = { fnNumber: '9999078900000001', kktRegNumber: '0000000001012345', userInn: '7700000009' };
const user = { userName: 'ООО "Ромашка"', address: 'г. Москва, ул. Примерная, д. 1', place: 'Магазин у дома' };

export const OPTIONS: SlipOptions = {
  timezone: 'Europe/Moscow',
  kktSerial: '00000000000001',
  user: { name: user.userName, address: user.address, place: user.place },
};

/**
 * Five items, four rates, a long Cyrillic name, a fractional quantity, card and cash with change:
 * - Молоко: 89.90 × 2 = 179.80; VAT 10/110 of it: 17980 × 10 / 110 = 1634.5 → 16.35
 * - Lens: 100.00 × 1 = 100.00; VAT 22/122: 10000 × 22 / 122 = 1803.3 → 18.03
 * - Набор…: 1234.50 × 0.5 = 617.25; VAT 22/122: 61725 × 22 / 122 = 11130.7 → 111.31
 * - Хлеб: 45.00 × 3 = 135.00 at 0 %; Доставка: 300.00 без НДС
 * Total 179.80 + 100.00 + 617.25 + 135.00 + 300.00 = 1332.05; VAT 22 % = 18.03 + 111.31 = 129.34.
 * Paid 1000.00 by card and 400.00 in cash: 1400.00 − 1332.05 = 67.95 change.
 */
export function saleReceipt(): ReceiptDocument {
  return {
    kind: 'receipt',
    ...header,
    ...user,
    number: 3,
    dateTime: AT,
    fiscalSign: '0123456789',
    operation: 'sale',
    items: [
      item('Молоко 3,2% 1 л', 8990, 2_000_000, 17_980, '10', 1_635),
      item('Lens', 10_000, 1_000_000, 10_000, '22', 1_803),
      item(
        'Набор отвёрток прецизионных с магнитным держателем и удлинителем, 24 предмета',
        123_450,
        500_000,
        61_725,
        '22',
        11_131,
      ),
      item('Хлеб', 4_500, 3_000_000, 13_500, '0', 0),
      { ...item('Доставка', 30_000, 1_000_000, 30_000, 'none', 0), paymentObject: 'service' },
    ],
    payments: { cash: 40_000, card: 100_000, prepaid: 0, credit: 0, other: 0 },
    taxation: 'osn',
    cashier: 'Иванова Мария Петровна',
    customerContact: 'buyer@example.com',
    shiftNumber: 1,
    receiptNumber: 1,
    total: 133_205,
    change: 6_795,
    vatTotals: { '10': 1_635, '22': 12_934, '0': 0, none: 0 },
  };
}

function item(
  name: string,
  price: number,
  quantityMicro: number,
  sum: number,
  vatRate: ReceiptDocument['items'][number]['vatRate'],
  vatSum: number,
): ReceiptDocument['items'][number] {
  return {
    name,
    price,
    quantityMicro,
    sum,
    vatRate,
    vatSum,
    paymentMethod: 'full_payment',
    paymentObject: 'commodity',
  };
}

/** One item of 500.00 at 22 % (VAT 500 × 22 / 122 = 90.16), paid by card: for the other operations. */
export function smallReceipt(operation: ReceiptDocument['operation']): ReceiptDocument {
  return {
    kind: 'receipt',
    ...header,
    ...user,
    number: 4,
    dateTime: AT,
    fiscalSign: '1111111111',
    operation,
    items: [item('Кофе в зёрнах 1 кг', 50_000, 1_000_000, 50_000, '22', 9_016)],
    payments: { cash: 0, card: 50_000, prepaid: 0, credit: 0, other: 0 },
    taxation: 'usn_income',
    cashier: 'Петров П.П.',
    cashierInn: '770000000082',
    customer: { name: 'ООО "Покупатель"', inn: '7700000016' },
    shiftNumber: 1,
    receiptNumber: 2,
    total: 50_000,
    change: 0,
    vatTotals: { '22': 9_016 },
  };
}

/** By instruction № ФНС-42 for a settlement on 20.11.2026: 2 × 150.00 = 300.00 at 10/110 (27.27), prepaid 100 + credit 200. */
export function correction(): CorrectionDocument {
  return {
    kind: 'correction',
    ...header,
    ...user,
    number: 5,
    dateTime: AT,
    fiscalSign: '2222222222',
    operation: 'sale',
    items: [{ ...item('Ремонт оправы', 15_000, 2_000_000, 30_000, '10/110', 2_727), paymentObject: 'job' }],
    payments: { cash: 0, card: 0, prepaid: 10_000, credit: 20_000, other: 0 },
    taxation: 'osn',
    cashier: 'Иванова М.П.',
    shiftNumber: 1,
    receiptNumber: 3,
    total: 30_000,
    change: 0,
    vatTotals: { '10/110': 2_727 },
    correction: { kind: 'instruction', date: '2026-11-20', number: 'ФНС-42' },
  };
}

export function registration(): RegistrationDocument {
  return {
    kind: 'registration',
    ...header,
    userName: user.userName,
    address: user.address,
    place: user.place,
    number: 1,
    dateTime: Date.UTC(2026, 0, 10, 9, 0),
    fiscalSign: '3333333333',
    taxation: 'osn',
    taxationTypes: ['osn', 'usn_income', 'patent'],
    ofdName: 'ООО "Тестовый ОФД"',
    ofdInn: '7700000023',
    kktSerial: '00000000000001',
    ffdVersion: '1.2',
  };
}

export function reregistration(): ReregistrationDocument {
  return {
    ...registration(),
    kind: 'reregistration',
    fnNumber: '9999078900000002',
    number: 1,
    dateTime: Date.UTC(2026, 5, 1, 6, 30),
    fiscalSign: '4444444444',
    reasons: ['fn_replacement'],
    previousFnNumber: '9999078900000001',
  };
}

export function shiftOpen(): ShiftOpenDocument {
  return {
    kind: 'shiftOpen',
    ...header,
    number: 2,
    dateTime: AT,
    fiscalSign: '5555555555',
    shiftNumber: 1,
    cashier: 'Иванова М.П.',
  };
}

/**
 * After saleReceipt (sale: 1 receipt, 1332.05: card 1000.00, cash 332.05 kept) and a refund of
 * smallReceipt (500.00 by card, VAT 22 % 90.16), plus the correction above.
 */
export function shiftClose(): ShiftCloseDocument {
  const c = emptyCounters();
  c.receipts.sale = {
    count: 1,
    total: 133_205,
    payments: { cash: 33_205, card: 100_000, prepaid: 0, credit: 0, other: 0 },
    vat: { '10': 1_635, '22': 12_934, '0': 0, none: 0 },
    byRate: { '10': 17_980, '22': 71_725, '0': 13_500, none: 30_000 },
  };
  c.receipts.refund = {
    count: 1,
    total: 50_000,
    payments: { cash: 0, card: 50_000, prepaid: 0, credit: 0, other: 0 },
    vat: { '22': 9_016 },
    byRate: { '22': 50_000 },
  };
  c.corrections.sale = {
    count: 1,
    total: 30_000,
    payments: { cash: 0, card: 0, prepaid: 10_000, credit: 20_000, other: 0 },
    vat: { '10/110': 2_727 },
    byRate: { '10/110': 30_000 },
    byKind: { self: 0, instruction: 1 },
  };
  const totals = emptyShiftTotals();
  totals.sale = { count: 1, total: 133_205, payments: c.receipts.sale.payments };
  totals.refund = { count: 1, total: 50_000, payments: c.receipts.refund.payments };
  return {
    kind: 'shiftClose',
    ...header,
    number: 7,
    dateTime: Date.UTC(2026, 10, 25, 17, 0),
    fiscalSign: '6666666666',
    shiftNumber: 1,
    cashier: 'Иванова М.П.',
    receiptsCount: 3,
    documentsCount: 5,
    totals,
    counters: c,
    fnTotals: c,
    warnings: { keysExpiring: false, replaceUrgently: false, memoryAlmostFull: false, ofdAckOverdue: true },
    unsentCount: 4,
    firstUnsentNumber: 3,
    firstUnsentAt: AT,
  };
}

/** With no shift open and nothing unsent: the ФН counters only. */
export function settlementReport(): SettlementReportDocument {
  const c = emptyCounters();
  c.receipts.purchase = {
    count: 2,
    total: 25_050,
    payments: { cash: 25_050, card: 0, prepaid: 0, credit: 0, other: 0 },
    vat: { none: 0 },
    byRate: { none: 25_050 },
  };
  return {
    kind: 'settlementReport',
    ...header,
    number: 8,
    dateTime: Date.UTC(2026, 10, 26, 6, 0),
    fiscalSign: '7777777777',
    unsentCount: 0,
    firstUnsentNumber: null,
    firstUnsentAt: null,
    fnTotals: c,
    warnings: { keysExpiring: true, replaceUrgently: false, memoryAlmostFull: false, ofdAckOverdue: false },
  };
}

export function fnClosure(): FnClosureDocument {
  return {
    kind: 'fnClosure',
    ...header,
    number: 9,
    dateTime: Date.UTC(2026, 10, 26, 7, 0),
    fiscalSign: '8888888888',
    shiftNumber: 1,
    cashier: 'Иванова М.П.',
    unsentCount: 0,
    firstUnsentNumber: null,
    firstUnsentAt: null,
    fnTotals: emptyCounters(),
  };
}
