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
import type { PaymentTotals, ReceiptInput, ReceiptItem } from './document.ts';
import type { FieldError } from './errors.ts';
import { MAX_KOPECKS, parseRubles } from './money.ts';
import { unprintableReason } from './printable-text.ts';
import { itemSum, parseQuantity } from './quantity.ts';
import { isLegacyGeneralRate, parseVatRate, vatAmount } from './vat.ts';

export const MAX_ITEMS = 100;
export const MAX_NAME_LENGTH = 128;
export const MAX_TEXT_LENGTH = 64;

export type ReceiptValidation =
  | { ok: true; value: ReceiptInput; warnings: string[] }
  | { ok: false; errors: FieldError[] };

export interface ValidationContext {
  /** Taxation system used when the request names none (config `KKT_TAXATION_TYPE`). */
  defaultTaxation: TaxationType;
  /** Local calendar year of the document, for the 2026 VAT warning. */
  year: number;
}

const RECEIPT_FIELDS = new Set(['pos_id', 'type', 'items', 'payments', 'taxation_type', 'cashier', 'customer_contact']);
const ITEM_FIELDS = new Set(['name', 'price', 'quantity', 'total', 'vat_rate', 'payment_method', 'payment_object']);
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
  if (errors.length > before || !price.ok || !quantity.ok || name === undefined) return undefined;

  const sum = itemSum(price.value, quantity.value);
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
    quantity: quantity.value,
    sum,
    vatRate,
    vatSum: vatAmount(sum, vatRate),
    paymentMethod,
    paymentObject,
  };
  return item;
}

export function emptyPayments(): PaymentTotals {
  return { cash: 0, card: 0, prepaid: 0, credit: 0, other: 0 };
}

/**
 * The one validation path for receipts: the HTTP API, and later the ATOL and serial fronts,
 * hand their request here and get either a ReceiptInput in kopecks or every problem at once.
 */
export function validateReceipt(body: unknown, ctx: ValidationContext): ReceiptValidation {
  const errors: FieldError[] = [];
  const warnings: string[] = [];
  if (!isRecord(body)) return { ok: false, errors: [{ path: '', message: 'must be a JSON object' }] };
  unknownFields(body, RECEIPT_FIELDS, '', errors);

  if (body.pos_id !== undefined) optionalText(body, 'pos_id', MAX_TEXT_LENGTH, '/pos_id', errors);
  const operation = body.type;
  if (!isKey(OPERATIONS, operation))
    errors.push({ path: '/type', message: `is required and must be one of ${Object.keys(OPERATIONS).join(', ')}` });
  const taxation = enumField(body, 'taxation_type', TAXATION_TYPES, ctx.defaultTaxation, '/taxation_type', errors);
  const cashier = optionalText(body, 'cashier', MAX_TEXT_LENGTH, '/cashier', errors);
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
  if (customerContact !== undefined) value.customerContact = customerContact;
  return { ok: true, value, warnings };
}
