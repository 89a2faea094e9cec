import {
  isKey,
  OPERATIONS,
  PAYMENT_METHODS,
  PAYMENT_OBJECTS,
  PAYMENT_TYPES,
  type PaymentType,
  TAXATION_TYPES,
  type TaxationType,
} from './codes.ts';
import { correctionBasisErrors } from './correction-basis.ts';
import { emptyPayments } from './counters.ts';
import type { CorrectionBasis, CorrectionInput, Customer, ReceiptInput, ReceiptItem } from './document.ts';
import type { FieldError } from './errors.ts';
import { MEASURES, parseMeasure } from './measure.ts';
import { type Kopecks, MAX_KOPECKS, parseRubles } from './money.ts';
import { unprintableReason } from './printable-text.ts';
import { lineSum, parseQuantity } from './quantity.ts';
import { innProblem } from './registration.ts';
import { isLegacyGeneralRate, parseVatRate, vatAmount } from './vat.ts';

export const MAX_ITEMS = 100;
export const MAX_NAME_LENGTH = 128;
export const MAX_TEXT_LENGTH = 64;
/** 1227 наименование покупателя: ≤ 256 characters, as the other FFD name strings (1048). ⚠️ limit not in ffd.md. */
export const MAX_CUSTOMER_NAME_LENGTH = 256;

export { emptyPayments };

export type ReceiptValidation =
  | { ok: true; value: ReceiptInput; warnings: string[] }
  | { ok: false; errors: FieldError[] };

export interface ValidationContext {
  /** Taxation system used when the request names none (config `KKT_TAXATION_TYPE`). */
  defaultTaxation: TaxationType;
  /** Local calendar year of the document, for the 2026 VAT warning. */
  year: number;
  /**
   * 1062: the registered taxation systems; `taxation_type` must be one of them. Absent = all
   * five (what the validator accepted before the list existed).
   */
  registeredTaxation?: readonly TaxationType[];
  /** The local date of the document, `YYYY-MM-DD`: a correction's 1178 may not be after it. */
  today?: string;
}

const RECEIPT_FIELDS = [
  'pos_id',
  'type',
  'items',
  'payments',
  'taxation_type',
  'cashier',
  'cashier_inn',
  'customer',
  'customer_contact',
];
const RECEIPT_BODY_FIELDS = new Set(RECEIPT_FIELDS);
const CORRECTION_BODY_FIELDS = new Set([...RECEIPT_FIELDS, 'correction']);
const CORRECTION_FIELDS = new Set(['kind', 'date', 'number']);
const CUSTOMER_FIELDS = new Set(['name', 'inn']);
const ITEM_FIELDS = new Set([
  'name',
  'price',
  'quantity',
  'total',
  'vat_rate',
  'payment_method',
  'payment_object',
  'measure',
]);
const PAYMENT_FIELDS = new Set(['type', 'amount']);
const PHONE = /^\+?\d{10,15}$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function unknownFields(obj: Record<string, unknown>, allowed: Set<string>, base: string, errors: FieldError[]) {
  for (const key of Object.keys(obj)) {
    if (!allowed.has(key)) errors.push({ path: `${base}/${key}`, message: 'is not a known field' });
  }
}

function optionalText(
  obj: Record<string, unknown>,
  key: string,
  max: number,
  path: string,
  errors: FieldError[],
): string | undefined {
  const v = obj[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') {
    errors.push({ path, message: 'must be a string' });
    return undefined;
  }
  const text = v.trim();
  if (text.length === 0) {
    errors.push({ path, message: 'must not be empty' });
    return undefined;
  }
  const unprintable = unprintableReason(text);
  if (unprintable !== undefined) {
    errors.push({ path, message: unprintable });
    return undefined;
  }
  if ([...text].length > max) errors.push({ path, message: `must be at most ${max} characters` });
  return text;
}

function enumField<T extends object>(
  obj: Record<string, unknown>,
  key: string,
  table: T,
  fallback: keyof T,
  path: string,
  errors: FieldError[],
): keyof T {
  const v = obj[key];
  if (v === undefined) return fallback;
  if (isKey(table, v)) return v;
  errors.push({ path, message: `must be one of ${Object.keys(table).join(', ')}` });
  return fallback;
}

function validateItem(raw: unknown, i: number, ctx: ValidationContext, errors: FieldError[], warnings: string[]) {
  const base = `/items/${i}`;
  if (!isRecord(raw)) {
    errors.push({ path: base, message: 'must be an object' });
    return undefined;
  }
  unknownFields(raw, ITEM_FIELDS, base, errors);
  const before = errors.length;
  const name = typeof raw.name === 'string' ? raw.name.trim() : undefined;
  if (name === undefined) errors.push({ path: `${base}/name`, message: 'is required and must be a string' });
  else if (name.length === 0) errors.push({ path: `${base}/name`, message: 'must not be empty' });
  else if (unprintableReason(name) !== undefined)
    errors.push({ path: `${base}/name`, message: unprintableReason(name) as string });
  else if ([...name].length > MAX_NAME_LENGTH)
    errors.push({ path: `${base}/name`, message: `must be at most ${MAX_NAME_LENGTH} characters` });

  const price = parseRubles(raw.price);
  if (!price.ok)
    errors.push({ path: `${base}/price`, message: raw.price === undefined ? 'is required' : price.message });
  else if (price.value <= 0) errors.push({ path: `${base}/price`, message: 'must be greater than 0' });

  const quantity = parseQuantity(raw.quantity);
  if (!quantity.ok)
    errors.push({ path: `${base}/quantity`, message: raw.quantity === undefined ? 'is required' : quantity.message });
  else if (quantity.value <= 0) errors.push({ path: `${base}/quantity`, message: 'must be greater than 0' });

  let vatRate = parseVatRate(raw.vat_rate ?? 'none');
  if (vatRate === undefined) {
    errors.push({
      path: `${base}/vat_rate`,
      message: 'must be one of none, 0, 5, 7, 10, 20, 22, 5/105, 7/107, 10/110, 20/120, 22/122',
    });
    vatRate = 'none';
  } else if (isLegacyGeneralRate(vatRate) && ctx.year >= 2026) {
    warnings.push(`items[${i}]: VAT ${vatRate} is the pre-2026 general rate; from 2026 it is 22 %`);
  }
  const paymentMethod = enumField(
    raw,
    'payment_method',
    PAYMENT_METHODS,
    'full_payment',
    `${base}/payment_method`,
    errors,
  );
  const paymentObject = enumField(
    raw,
    'payment_object',
    PAYMENT_OBJECTS,
    'commodity',
    `${base}/payment_object`,
    errors,
  );
  let measure = parseMeasure(raw.measure ?? 'piece');
  if (measure === undefined) {
    errors.push({
      path: `${base}/measure`,
      message: `must be one of ${Object.keys(MEASURES).join(', ')} or its FFD 2108 code`,
    });
    measure = 'piece';
  }
  if (errors.length > before || !price.ok || !quantity.ok || name === undefined) return undefined;

  const sum = lineSum(price.value, quantity.value);
  if (sum > MAX_KOPECKS) {
    errors.push({ path: base, message: 'price × quantity is too large' });
    return undefined;
  }
  if (sum === 0) {
    errors.push({ path: `${base}/quantity`, message: 'price × quantity rounds to 0 kopecks' });
    return undefined;
  }
  if (raw.total !== undefined) {
    const total = parseRubles(raw.total);
    if (!total.ok) errors.push({ path: `${base}/total`, message: total.message });
    else if (total.value !== sum)
      errors.push({ path: `${base}/total`, message: `must equal round(price × quantity) = ${(sum / 100).toFixed(2)}` });
  }
  const item: ReceiptItem = {
    name,
    price: price.value,
    quantityMicro: quantity.value,
    sum,
    vatRate,
    vatSum: vatAmount(sum, vatRate),
    paymentMethod,
    paymentObject,
  };
  // Pieces stay implicit (2108 = 0 when absent), so documents of piece goods look as before.
  if (measure !== 'piece') item.measure = measure;
  return item;
}

function optionalInn(value: unknown, path: string, errors: FieldError[]): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') {
    errors.push({ path, message: 'must be a string of 10 or 12 digits' });
    return undefined;
  }
  const problem = innProblem(value.trim());
  if (problem) errors.push({ path, message: `${problem} (INN check digits, ffd.md §5.x)` });
  return problem ? undefined : value.trim();
}

function validateCustomer(raw: unknown, errors: FieldError[]): Customer | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (!isRecord(raw)) {
    errors.push({ path: '/customer', message: 'must be an object {name, inn}' });
    return undefined;
  }
  unknownFields(raw, CUSTOMER_FIELDS, '/customer', errors);
  const customer: Customer = {};
  const name = optionalText(raw, 'name', MAX_CUSTOMER_NAME_LENGTH, '/customer/name', errors);
  const inn = optionalInn(raw.inn, '/customer/inn', errors);
  if (name !== undefined) customer.name = name;
  if (inn !== undefined) customer.inn = inn;
  if (raw.name === undefined && raw.inn === undefined)
    errors.push({ path: '/customer', message: 'must have a name or an inn' });
  return customer;
}

/**
 * The one validation path for receipts: the HTTP API, and later the ATOL and serial fronts,
 * hand their request here and get either a ReceiptInput in kopecks or every problem at once.
 */
export function validateReceipt(body: unknown, ctx: ValidationContext): ReceiptValidation {
  if (!isRecord(body)) return { ok: false, errors: [{ path: '', message: 'must be a JSON object' }] };
  const errors: FieldError[] = [];
  unknownFields(body, RECEIPT_BODY_FIELDS, '', errors);
  return receiptBody(body, ctx, errors);
}

function receiptBody(body: Record<string, unknown>, ctx: ValidationContext, errors: FieldError[]): ReceiptValidation {
  const warnings: string[] = [];

  if (body.pos_id !== undefined) optionalText(body, 'pos_id', MAX_TEXT_LENGTH, '/pos_id', errors);
  const operation = body.type;
  if (!isKey(OPERATIONS, operation))
    errors.push({ path: '/type', message: `is required and must be one of ${Object.keys(OPERATIONS).join(', ')}` });
  const taxation = enumField(body, 'taxation_type', TAXATION_TYPES, ctx.defaultTaxation, '/taxation_type', errors);
  if (ctx.registeredTaxation !== undefined && !ctx.registeredTaxation.includes(taxation))
    errors.push({
      path: '/taxation_type',
      message: `must be one of the registered systems (1062): ${ctx.registeredTaxation.join(', ')}`,
    });
  const cashier = optionalText(body, 'cashier', MAX_TEXT_LENGTH, '/cashier', errors);
  const cashierInn = optionalInn(body.cashier_inn, '/cashier_inn', errors);
  const customer = validateCustomer(body.customer, errors);
  const customerContact = optionalText(body, 'customer_contact', MAX_TEXT_LENGTH, '/customer_contact', errors);
  if (customerContact !== undefined && !PHONE.test(customerContact) && !EMAIL.test(customerContact))
    errors.push({ path: '/customer_contact', message: 'must be a phone number (+79161234567) or an e-mail address' });

  const items: ReceiptItem[] = [];
  if (!Array.isArray(body.items) || body.items.length === 0) {
    errors.push({ path: '/items', message: 'is required and must be a non-empty array' });
  } else if (body.items.length > MAX_ITEMS) {
    errors.push({ path: '/items', message: `must have at most ${MAX_ITEMS} items` });
  } else {
    body.items.forEach((raw, i) => {
      const item = validateItem(raw, i, ctx, errors, warnings);
      if (item) items.push(item);
    });
  }

  const payments = emptyPayments();
  let paymentsValid = true;
  if (!Array.isArray(body.payments) || body.payments.length === 0) {
    errors.push({ path: '/payments', message: 'is required and must be a non-empty array' });
    paymentsValid = false;
  } else if (body.payments.length > PAYMENT_TYPES.length * 4) {
    errors.push({ path: '/payments', message: `must have at most ${PAYMENT_TYPES.length * 4} entries` });
    paymentsValid = false;
  } else {
    body.payments.forEach((raw, i) => {
      const base = `/payments/${i}`;
      if (!isRecord(raw)) {
        errors.push({ path: base, message: 'must be an object' });
        paymentsValid = false;
        return;
      }
      unknownFields(raw, PAYMENT_FIELDS, base, errors);
      const type = raw.type;
      if (typeof type !== 'string' || !(PAYMENT_TYPES as readonly string[]).includes(type)) {
        errors.push({ path: `${base}/type`, message: `must be one of ${PAYMENT_TYPES.join(', ')}` });
        paymentsValid = false;
      }
      const amount = parseRubles(raw.amount);
      if (!amount.ok) {
        errors.push({ path: `${base}/amount`, message: raw.amount === undefined ? 'is required' : amount.message });
        paymentsValid = false;
      } else if (amount.value <= 0) {
        errors.push({ path: `${base}/amount`, message: 'must be greater than 0' });
        paymentsValid = false;
      } else if (paymentsValid) {
        payments[type as PaymentType] += amount.value;
      }
    });
  }

  if (errors.length === 0 && paymentsValid) {
    const total = items.reduce((s, it) => s + it.sum, 0);
    const nonCash = payments.card + payments.prepaid + payments.credit + payments.other;
    const paid = nonCash + payments.cash;
    if (total > MAX_KOPECKS) errors.push({ path: '/items', message: 'receipt total is too large' });
    else if (nonCash > total)
      errors.push({ path: '/payments', message: 'non-cash payments must not exceed the receipt total' });
    else if (paid < total)
      errors.push({
        path: '/payments',
        message: `payments (${(paid / 100).toFixed(2)}) do not cover the total (${(total / 100).toFixed(2)})`,
      });
  }

  if (errors.length > 0) return { ok: false, errors };
  const value: ReceiptInput = { operation: operation as ReceiptInput['operation'], items, payments, taxation };
  if (cashier !== undefined) value.cashier = cashier;
  if (cashierInn !== undefined) value.cashierInn = cashierInn;
  if (customerContact !== undefined) value.customerContact = customerContact;
  if (customer !== undefined) value.customer = customer;
  return { ok: true, value, warnings };
}

export type CorrectionValidation =
  | { ok: true; value: CorrectionInput; warnings: string[] }
  | { ok: false; errors: FieldError[] };

function validateBasis(raw: unknown, ctx: ValidationContext, errors: FieldError[]): CorrectionBasis | undefined {
  if (!isRecord(raw)) {
    errors.push({ path: '/correction', message: 'is required: {"kind","date","number"?}' });
    return undefined;
  }
  unknownFields(raw, CORRECTION_FIELDS, '/correction', errors);
  const kind = raw.kind;
  if (kind !== 'self' && kind !== 'instruction') {
    errors.push({ path: '/correction/kind', message: 'is required and must be one of self, instruction' });
    return undefined;
  }
  const basis: CorrectionBasis = { kind, date: typeof raw.date === 'string' ? raw.date.trim() : '' };
  if (raw.number !== undefined && raw.number !== null)
    basis.number = typeof raw.number === 'string' ? raw.number.trim() : (raw.number as string);
  const before = errors.length;
  errors.push(...correctionBasisErrors(basis, ctx.today));
  return errors.length > before ? undefined : basis;
}

/**
 * A correction receipt body (API.md `POST /v1/kkt/correction`): a receipt body plus
 * `correction: {kind, date, number?}` (1173, 1178, 1179).
 */
export function validateCorrection(body: unknown, ctx: ValidationContext): CorrectionValidation {
  if (!isRecord(body)) return { ok: false, errors: [{ path: '', message: 'must be a JSON object' }] };
  const errors: FieldError[] = [];
  unknownFields(body, CORRECTION_BODY_FIELDS, '', errors);
  const basis = validateBasis(body.correction, ctx, errors);
  const receipt = receiptBody(body, ctx, errors);
  if (!receipt.ok || basis === undefined) return { ok: false, errors: receipt.ok ? errors : receipt.errors };
  return { ok: true, value: { ...receipt.value, correction: basis }, warnings: receipt.warnings };
}

export type CashValidation =
  | { ok: true; value: { amount: Kopecks; cashier?: string } }
  | { ok: false; errors: FieldError[] };

const CASH_FIELDS = new Set(['amount', 'cashier']);

/** A cash in / cash out body (API.md `POST /v1/kkt/cash/in|out`): `{"amount": rubles, "cashier"?}`. */
export function validateCashRequest(body: unknown): CashValidation {
  if (!isRecord(body)) return { ok: false, errors: [{ path: '', message: 'must be a JSON object' }] };
  const errors: FieldError[] = [];
  unknownFields(body, CASH_FIELDS, '', errors);
  let amount: Kopecks | undefined;
  if (body.amount === undefined) errors.push({ path: '/amount', message: 'is required' });
  else {
    const parsed = parseRubles(body.amount);
    if (!parsed.ok) errors.push({ path: '/amount', message: parsed.message });
    else if (parsed.value <= 0) errors.push({ path: '/amount', message: 'must be greater than 0' });
    else amount = parsed.value;
  }
  const cashier = optionalText(body, 'cashier', MAX_TEXT_LENGTH, '/cashier', errors);
  if (errors.length > 0 || amount === undefined) return { ok: false, errors };
  return { ok: true, value: { amount, ...(cashier !== undefined ? { cashier } : {}) } };
}
