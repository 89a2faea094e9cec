/** Code tables of the FFD, as the API names them (snake_case) and as the ФН stores them. */

/** Form codes of the fiscal documents (ffd.md §1), keyed by the document model's `kind`. */
export const DOCUMENT_TYPES = {
  registration: 1,
  reregistration: 11,
  shiftOpen: 2,
  settlementReport: 21,
  receipt: 3,
  correction: 31,
  shiftClose: 5,
  fnClosure: 6,
} as const;
export type DocumentKind = keyof typeof DOCUMENT_TYPES;

/** Tag 1054 признак расчёта. */
export const OPERATIONS = { sale: 1, refund: 2, purchase: 3, purchase_refund: 4 } as const;
export type Operation = keyof typeof OPERATIONS;
export const OPERATION_NAMES = Object.keys(OPERATIONS) as Operation[];

/** Tag 1055 applied taxation system, a bit mask (ffd.md §2.2); 1062 is the OR of the registered ones. */
export const TAXATION_TYPES = {
  osn: 1,
  usn_income: 2,
  usn_income_outcome: 4,
  esn: 16,
  patent: 32,
} as const;
export type TaxationType = keyof typeof TAXATION_TYPES;

/** Tag 1214 признак способа расчёта. */
export const PAYMENT_METHODS = {
  full_prepayment: 1,
  prepayment: 2,
  advance: 3,
  full_payment: 4,
  partial_payment: 5,
  credit: 6,
  credit_payment: 7,
} as const;
export type PaymentMethod = keyof typeof PAYMENT_METHODS;

/**
 * Tag 1212 признак предмета расчёта. 30–33 are the FFD 1.2 marking codes: 30 АТНМ (excise goods
 * subject to marking, without a marking code), 31 АТМ (excise, with a code), 32 ТНМ (marked goods,
 * not excise, without a code), 33 ТМ (with a code). Sources: KKTServiceLib `PaymentObjectType.cs`
 * (ATOL's JSON names exciseWithoutMarking = 30, exciseWithMarking = 31, commodityWithoutMarking =
 * 32, commodityWithMarking = 33) and the ATOL Online v5 clients' order АТНМ, АТМ, ТНМ, ТМ
 * (docs/fiscal.md). Before this was checked, 30/31 and 32/33 were swapped.
 */
export const PAYMENT_OBJECTS = {
  commodity: 1,
  excise: 2,
  job: 3,
  service: 4,
  gambling_bet: 5,
  gambling_prize: 6,
  lottery: 7,
  lottery_prize: 8,
  intellectual_activity: 9,
  payment: 10,
  agent_commission: 11,
  composite: 12,
  another: 13,
  property_right: 14,
  non_operating_income: 15,
  insurance_premium: 16,
  sales_tax: 17,
  resort_fee: 18,
  deposit: 19,
  expense: 20,
  excise_without_marking: 30,
  excise_with_marking: 31,
  commodity_without_marking: 32,
  commodity_with_marking: 33,
} as const;
export type PaymentObject = keyof typeof PAYMENT_OBJECTS;

/**
 * Payment types of the API. `card` is electronic (1081); `prepaid` (1215), `credit` (1216)
 * and `other` (встречное предоставление, 1217) are the FFD's other payment tags.
 */
export const PAYMENT_TYPES = ['cash', 'card', 'prepaid', 'credit', 'other'] as const;
export type PaymentType = (typeof PAYMENT_TYPES)[number];

export function isKey<T extends object>(table: T, value: unknown): value is keyof T {
  return typeof value === 'string' && Object.hasOwn(table, value);
}

export const TAXATION_NAMES = Object.keys(TAXATION_TYPES) as TaxationType[];
