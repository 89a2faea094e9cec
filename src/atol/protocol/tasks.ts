import type { TaxationType } from '../../fiscal/codes.ts';
import type { CorrectionInput, ReceiptInput } from '../../fiscal/document.ts';
import type { FieldError } from '../../fiscal/errors.ts';
import { type AtolError, atolError } from './errors.ts';
import { atolMeasurementUnit, readMeasurementUnit } from './measurement-unit.ts';

/**
 * ATOL JSON tasks (fptr10 "ДТО 10", as carried by Web Requests) parsed into what kkt-emu runs.
 * A receipt task is translated into the adapter's own `/v1` receipt body, so that it goes
 * through the one validation path (`validateReceipt`) and the one exactly-once path (the
 * Fiscalizer) like every other receipt; this module only renames fields and codes.
 */

export const RECEIPT_TASKS = {
  sell: 'sale',
  sellReturn: 'refund',
  buy: 'purchase',
  buyReturn: 'purchase_refund',
} as const;
export type ReceiptTaskType = keyof typeof RECEIPT_TASKS;

/**
 * Correction receipts (form 31), ATOL OpenAPI 1.0.4.0 schema `Correction1.1v1.2`: a receipt's
 * fields plus `correctionType` (1173), `correctionBaseDate` (1178, `YYYY.MM.DD`) and
 * `correctionBaseNumber` (1179). They become the body of `POST /v1/kkt/correction`.
 */
export const CORRECTION_TASKS = {
  sellCorrection: 'sale',
  sellReturnCorrection: 'refund',
  buyCorrection: 'purchase',
  buyReturnCorrection: 'purchase_refund',
} as const;
export type CorrectionTaskType = keyof typeof CORRECTION_TASKS;

/** Answered from the device's state; no fiscal document. */
export const QUERY_TASKS = [
  'getDeviceStatus',
  'getShiftStatus',
  'getShiftTotals',
  'getFnInfo',
  'getFnStatus',
  'ofdExchangeStatus',
  'getRegistrationInfo',
  'getLastFiscalParams',
  'getDeviceInfo',
  'getCashDrawerStatus',
] as const;
export type QueryTaskType = (typeof QUERY_TASKS)[number];

/** Printing only: nothing reaches the ФН. */
export const PRINT_TASKS = ['continuePrint', 'printLastReceiptCopy', 'reportX', 'openCashDrawer'] as const;
export type PrintTaskType = (typeof PRINT_TASKS)[number];

/** What the emulated ККТ does on a vat20/vat120 position in a document dated 2026 or later. */
export type Vat20Policy = 'accept' | 'substitute' | 'reject';

export type AtolTask =
  | {
      kind: 'receipt';
      type: ReceiptTaskType;
      /** The task as a `/v1/kkt/receipt` body. */
      body: Record<string, unknown>;
      /** `body.items[i]` came from `items[itemIndex[i]]` of the task (text items are not positions). */
      itemIndex: number[];
      /** What the translation itself has to say (e.g. a measurementUnit read as 255). */
      warnings: string[];
    }
  | {
      kind: 'correction';
      type: CorrectionTaskType;
      /** The task as a `/v1/kkt/correction` body. */
      body: Record<string, unknown>;
      itemIndex: number[];
      warnings: string[];
    }
  /** `cashIn` / `cashOut`: the body of `POST /v1/kkt/cash/in|out`. */
  | { kind: 'cash'; type: 'cashIn' | 'cashOut'; body: { amount: number; cashier?: string } }
  /** `reportOfdExchangeStatus`: the report on the current state of settlements (form 21). */
  | { kind: 'settlementReport'; cashier?: string }
  | { kind: 'openShift' | 'closeShift'; cashier?: string }
  | { kind: 'query'; type: QueryTaskType; forReceipt: boolean }
  | { kind: 'print'; type: PrintTaskType };

export type ParsedTask = { ok: true; task: AtolTask } | { ok: false; error: AtolError };

export interface ParseContext {
  /** Local calendar year of the document the task would make (for the vat20 policy). */
  year: number;
  vat20: Vat20Policy;
}

const TAXATION: Record<string, string> = {
  osn: 'osn',
  usnIncome: 'usn_income',
  usnIncomeOutcome: 'usn_income_outcome',
  esn: 'esn',
  patent: 'patent',
};

/** An ATOL taxation name (`usnIncome`) as the API's (`usn_income`); undefined for an unknown one. */
export function taxationFromAtol(name: unknown): TaxationType | undefined {
  return typeof name === 'string' && Object.hasOwn(TAXATION, name) ? (TAXATION[name] as TaxationType) : undefined;
}

/** `tax.type` → `/v1` vat_rate. vat5/7/22 and their calculated rates are the 2026 ones. */
const TAX_TYPES: Record<string, string> = {
  none: 'none',
  vat0: '0',
  vat5: '5',
  vat7: '7',
  vat10: '10',
  vat20: '20',
  vat22: '22',
  vat105: '5/105',
  vat107: '7/107',
  vat110: '10/110',
  vat120: '20/120',
  vat122: '22/122',
};

const PAYMENT_METHODS: Record<string, string> = {
  fullPrepayment: 'full_prepayment',
  prepayment: 'prepayment',
  advance: 'advance',
  fullPayment: 'full_payment',
  partialPayment: 'partial_payment',
  credit: 'credit',
  creditPayment: 'credit_payment',
};

/** Tag 1212 by ATOL name and by code, as the `/v1` names (same FFD meaning). */
const PAYMENT_OBJECT_NAMES: Record<string, string> = {
  commodity: 'commodity',
  excise: 'excise',
  job: 'job',
  service: 'service',
  gamblingBet: 'gambling_bet',
  gamblingPrize: 'gambling_prize',
  lottery: 'lottery',
  lotteryPrize: 'lottery_prize',
  intellectualActivity: 'intellectual_activity',
  payment: 'payment',
  agentCommission: 'agent_commission',
  composite: 'composite',
  pay: 'composite',
  another: 'another',
  proprietaryLaw: 'property_right',
  nonOperatingIncome: 'non_operating_income',
  insuranceContributions: 'insurance_premium',
  otherContributions: 'insurance_premium',
  merchantTax: 'sales_tax',
  resortFee: 'resort_fee',
  deposit: 'deposit',
  consumption: 'expense',
  exciseWithoutMarking: 'excise_without_marking',
  exciseWithMarking: 'excise_with_marking',
  commodityWithoutMarking: 'commodity_without_marking',
  commodityWithMarking: 'commodity_with_marking',
};
const PAYMENT_OBJECT_CODES: Record<number, string> = {
  1: 'commodity',
  2: 'excise',
  3: 'job',
  4: 'service',
  5: 'gamblingBet',
  6: 'gamblingPrize',
  7: 'lottery',
  8: 'lotteryPrize',
  9: 'intellectualActivity',
  10: 'payment',
  11: 'agentCommission',
  12: 'composite',
  13: 'another',
  14: 'proprietaryLaw',
  15: 'nonOperatingIncome',
  16: 'insuranceContributions',
  17: 'merchantTax',
  18: 'resortFee',
  19: 'deposit',
  20: 'consumption',
  30: 'exciseWithoutMarking',
  31: 'exciseWithMarking',
  32: 'commodityWithoutMarking',
  33: 'commodityWithMarking',
};

/** `payments[].type` by name and by code; `credir` is the official spec's own spelling. */
const PAYMENT_TYPES: Record<string, string> = {
  cash: 'cash',
  '0': 'cash',
  electronically: 'card',
  '1': 'card',
  prepaid: 'prepaid',
  '2': 'prepaid',
  credit: 'credit',
  credir: 'credit',
  '3': 'credit',
  other: 'other',
  '4': 'other',
  // 5–9: the user-defined payment types; the ФН knows them as "other" (1217).
  '5': 'other',
  '6': 'other',
  '7': 'other',
  '8': 'other',
  '9': 'other',
};

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

class TaskError {
  constructor(readonly error: AtolError) {}
}
const invalid = (detail: string) => new TaskError(atolError('INVALID_PARAM', detail));

function cashierOf(task: Record<string, unknown>): string | undefined {
  const operator = task.operator;
  if (operator === undefined || operator === null) return undefined;
  if (!isRecord(operator)) throw invalid("'operator' должен быть объектом");
  const name = operator.name;
  if (name === undefined || name === null || name === '') return undefined;
  if (typeof name !== 'string') throw invalid("'operator.name' должен быть строкой");
  return name;
}

/** `operator.vatin` (1203), checked by the one validator as `/v1`'s `cashier_inn`. */
function cashierInnOf(task: Record<string, unknown>): string | undefined {
  const operator = task.operator;
  if (!isRecord(operator)) return undefined;
  const vatin = operator.vatin;
  if (vatin === undefined || vatin === null || vatin === '') return undefined;
  if (typeof vatin !== 'string') throw invalid("'operator.vatin' должен быть строкой");
  return vatin.trim();
}

function lookup(table: Record<string, string>, value: unknown, path: string): string {
  const key = typeof value === 'number' && Number.isInteger(value) ? String(value) : value;
  if (typeof key === 'string' && Object.hasOwn(table, key)) return table[key] as string;
  throw invalid(`'${path}' = ${JSON.stringify(value)}`);
}

function paymentObjectOf(value: unknown, path: string): string {
  if (value === undefined) return 'commodity';
  const name = typeof value === 'number' ? PAYMENT_OBJECT_CODES[value] : value;
  return lookup(PAYMENT_OBJECT_NAMES, name ?? value, path);
}

function vatRateOf(position: Record<string, unknown>, path: string, ctx: ParseContext): string {
  const tax = position.tax;
  if (tax === undefined || tax === null) return 'none';
  if (!isRecord(tax)) throw invalid(`'${path}.tax' должен быть объектом`);
  const type = tax.type;
  if (typeof type !== 'string' || !Object.hasOwn(TAX_TYPES, type)) throw new TaskError(atolError('INVALID_TAX_TYPE'));
  let rate = TAX_TYPES[type] as string;
  if (ctx.year >= 2026 && (rate === '20' || rate === '20/120')) {
    if (ctx.vat20 === 'reject') throw new TaskError(atolError('INVALID_TAX_TYPE'));
    if (ctx.vat20 === 'substitute') rate = rate === '20' ? '22' : '22/122';
  }
  return rate;
}

function receiptBody(operation: string, task: Record<string, unknown>, ctx: ParseContext) {
  const body: Record<string, unknown> = { type: operation };
  const warnings: string[] = [];
  if (task.taxationType !== undefined) {
    const t = task.taxationType;
    if (typeof t !== 'string' || !Object.hasOwn(TAXATION, t)) throw new TaskError(atolError('INVALID_TAXATION_TYPE'));
    body.taxation_type = TAXATION[t];
  }
  const cashier = cashierOf(task);
  if (cashier !== undefined) body.cashier = cashier;
  const cashierInn = cashierInnOf(task);
  if (cashierInn !== undefined) body.cashier_inn = cashierInn;
  const client = task.clientInfo;
  if (isRecord(client) && typeof client.emailOrPhone === 'string' && client.emailOrPhone !== '')
    body.customer_contact = client.emailOrPhone;
  // `clientInfo.name` / `vatin`: the customer, 1227 / 1228 (spec `ClientInfo`); /v1 validates them.
  if (isRecord(client) && (client.name !== undefined || client.vatin !== undefined)) {
    const customer: Record<string, unknown> = {};
    if (client.name !== undefined && client.name !== '') customer.name = client.name;
    if (client.vatin !== undefined && client.vatin !== '') customer.inn = client.vatin;
    if (Object.keys(customer).length > 0) body.customer = customer;
  }
  if (!Array.isArray(task.items)) throw new TaskError(atolError('NO_REQUIRED_PARAM', "'items'"));
  const items: Record<string, unknown>[] = [];
  const itemIndex: number[] = [];
  task.items.forEach((raw, i) => {
    const path = `items[${i}]`;
    if (!isRecord(raw)) throw invalid(`'${path}' должен быть объектом`);
    // text, barcode, pictures and attributes are printed, not fiscalized.
    if (raw.type !== 'position') return;
    const item: Record<string, unknown> = {
      name: raw.name,
      price: raw.price,
      quantity: raw.quantity,
      vat_rate: vatRateOf(raw, path, ctx),
      payment_method:
        raw.paymentMethod === undefined
          ? 'full_prepayment'
          : lookup(PAYMENT_METHODS, raw.paymentMethod, `${path}.paymentMethod`),
      payment_object: paymentObjectOf(raw.paymentObject, `${path}.paymentObject`),
    };
    if (raw.amount !== undefined) item.total = raw.amount;
    const unit = readMeasurementUnit(raw.measurementUnit);
    if (!unit.ok) throw invalid(`'${path}.measurementUnit' = ${JSON.stringify(raw.measurementUnit)}: ${unit.reason}`);
    if (unit.measure !== undefined) item.measure = unit.measure;
    if (unit.warning) warnings.push(`${path}: ${unit.warning}`);
    const discount = raw.infoDiscountAmount ?? raw.infoDiscountSum;
    if (discount !== undefined && (typeof discount !== 'number' || !(discount >= 0)))
      throw invalid(`'${path}.infoDiscountAmount'`);
    items.push(item);
    itemIndex.push(i);
  });
  if (items.length === 0) throw new TaskError(atolError('NO_REQUIRED_PARAM', "'items' без позиций"));
  body.items = items;
  if (!Array.isArray(task.payments) || task.payments.length === 0) throw new TaskError(atolError('NOT_FULLY_PAID'));
  body.payments = task.payments.map((raw, i) => {
    if (!isRecord(raw)) throw invalid(`'payments[${i}]' должен быть объектом`);
    const type = raw.type;
    const key = typeof type === 'number' && Number.isInteger(type) ? String(type) : type;
    if (typeof key !== 'string' || !Object.hasOwn(PAYMENT_TYPES, key))
      throw new TaskError(atolError('INVALID_PAYMENT_TYPE'));
    return { type: PAYMENT_TYPES[key], amount: raw.sum };
  });
  return { body, itemIndex, warnings };
}

/** ATOL's `YYYY.MM.DD` (spec example `2017.07.25`) as the API's `YYYY-MM-DD`. */
const ATOL_DATE = /^(\d{4})\.(\d{2})\.(\d{2})$/;

function correctionBody(type: CorrectionTaskType, task: Record<string, unknown>, ctx: ParseContext) {
  const kind = task.correctionType;
  if (kind === undefined || kind === null) throw new TaskError(atolError('NO_REQUIRED_PARAM', "'correctionType'"));
  if (kind !== 'self' && kind !== 'instruction') throw invalid("'correctionType' (self | instruction)");
  const date = task.correctionBaseDate;
  if (date === undefined || date === null || date === '')
    throw new TaskError(atolError('NO_REQUIRED_PARAM', "'correctionBaseDate'"));
  const m = typeof date === 'string' ? ATOL_DATE.exec(date) : null;
  if (!m) throw invalid("'correctionBaseDate' (ГГГГ.ММ.ДД)");
  const number = task.correctionBaseNumber;
  if (number !== undefined && number !== null && typeof number !== 'string')
    throw invalid("'correctionBaseNumber' должен быть строкой");
  const receipt = receiptBody(CORRECTION_TASKS[type], task, ctx);
  const correction: Record<string, unknown> = { kind, date: `${m[1]}-${m[2]}-${m[3]}` };
  // The spec lists the number as required even for `self`, where FFD 1.2 needs none: clients
  // send "" then, which is "no number" (1179 only on a correction by instruction is checked).
  if (typeof number === 'string' && number.trim() !== '') correction.number = number;
  return { ...receipt, body: { ...receipt.body, correction } };
}

function cashBody(task: Record<string, unknown>) {
  const cashier = cashierOf(task);
  const sum = task.cashSum;
  if (sum === undefined || sum === null) throw new TaskError(atolError('NO_REQUIRED_PARAM', "'cashSum'"));
  if (typeof sum !== 'number' || !(sum > 0)) throw new TaskError(atolError('INVALID_SUM'));
  return { amount: sum, ...(cashier !== undefined ? { cashier } : {}) };
}

/** Parses one task; every refusal is the driver's error object for it. */
export function parseTask(raw: unknown, ctx: ParseContext): ParsedTask {
  try {
    if (!isRecord(raw)) return { ok: false, error: atolError('RECEIPT_PARSE_ERROR', 'задание должно быть объектом') };
    const type = raw.type;
    if (typeof type !== 'string')
      return { ok: false, error: atolError('RECEIPT_PARSE_ERROR', "поле 'type' не задано") };
    if (Object.hasOwn(RECEIPT_TASKS, type)) {
      const r = receiptBody(RECEIPT_TASKS[type as ReceiptTaskType], raw, ctx);
      return { ok: true, task: { kind: 'receipt', type: type as ReceiptTaskType, ...r } };
    }
    if (Object.hasOwn(CORRECTION_TASKS, type)) {
      const c = correctionBody(type as CorrectionTaskType, raw, ctx);
      return { ok: true, task: { kind: 'correction', type: type as CorrectionTaskType, ...c } };
    }
    if (type === 'cashIn' || type === 'cashOut') return { ok: true, task: { kind: 'cash', type, body: cashBody(raw) } };
    if (type === 'reportOfdExchangeStatus') {
      const cashier = cashierOf(raw);
      return { ok: true, task: { kind: 'settlementReport', ...(cashier !== undefined ? { cashier } : {}) } };
    }
    if (type === 'openShift' || type === 'closeShift') {
      const cashier = cashierOf(raw);
      return { ok: true, task: { kind: type, ...(cashier !== undefined ? { cashier } : {}) } };
    }
    if ((QUERY_TASKS as readonly string[]).includes(type))
      return { ok: true, task: { kind: 'query', type: type as QueryTaskType, forReceipt: raw.forReceipt === true } };
    if ((PRINT_TASKS as readonly string[]).includes(type))
      return { ok: true, task: { kind: 'print', type: type as PrintTaskType } };
    return { ok: false, error: atolError('RECEIPT_PARSE_ERROR', `неизвестный тип задания '${type}'`) };
  } catch (e) {
    if (e instanceof TaskError) return { ok: false, error: e.error };
    throw e;
  }
}

/**
 * The driver's error for the `/v1` validator's first problem with a translated receipt, with
 * its path in the task's own terms (`items[2].price`).
 */
export function validationError(errors: readonly FieldError[], itemIndex: readonly number[]): AtolError {
  const first = errors[0];
  if (!first) return atolError('INVALID_PARAM');
  const m = /^\/items\/(\d+)(?:\/(\w+))?/.exec(first.path);
  const field = m?.[2];
  if (first.path === '/payments' || first.path.startsWith('/payments/')) {
    if (/non-cash/.test(first.message)) return atolError('NONCASH_PAYMENTS_TOO_MUCH');
    if (/do not cover/.test(first.message)) return atolError('NOT_FULLY_PAID');
    return atolError('INVALID_SUM');
  }
  if (field === 'price' || field === 'total') return atolError('INVALID_SUM');
  if (field === 'quantity') return atolError('INVALID_QUANTITY');
  if (field === 'vat_rate') return atolError('INVALID_TAX_TYPE');
  if (first.path === '/taxation_type') return atolError('INVALID_TAXATION_TYPE');
  if (first.path === '/amount') return atolError('INVALID_SUM');
  const atolName: Record<string, string> = { total: 'amount', name: 'name', measure: 'measurementUnit' };
  const where = m
    ? `items[${itemIndex[Number(m[1])] ?? m[1]}]${field ? `.${atolName[field] ?? field}` : ''}`
    : first.path
        .replace(/^\//, '')
        .replace('customer_contact', 'clientInfo.emailOrPhone')
        .replace('customer/name', 'clientInfo.name')
        .replace('customer/inn', 'clientInfo.vatin')
        .replace('cashier_inn', 'operator.vatin')
        .replace(/^cashier$/, 'operator.name')
        .replace('correction/kind', 'correctionType')
        .replace('correction/date', 'correctionBaseDate')
        .replace('correction/number', 'correctionBaseNumber');
  return atolError('INVALID_PARAM', `'${where || 'request'}' ${first.message}`);
}

function invert(table: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [atol, v1] of Object.entries(table)) if (!/^\d+$/.test(atol) && !(v1 in out)) out[v1] = atol;
  return out;
}
const TO_ATOL = {
  operation: invert(RECEIPT_TASKS),
  taxation: invert(TAXATION),
  tax: invert(TAX_TYPES),
  method: invert(PAYMENT_METHODS),
  object: invert(PAYMENT_OBJECT_NAMES),
  payment: invert(PAYMENT_TYPES),
};

const rubles = (kopecks: number) => kopecks / 100;

/** The other direction, for the atol driver: a validated receipt as an ATOL `sell`-family task. */
export function receiptTask(input: ReceiptInput): Record<string, unknown> {
  const task: Record<string, unknown> = {
    type: TO_ATOL.operation[input.operation],
    taxationType: TO_ATOL.taxation[input.taxation],
    items: input.items.map((it) => ({
      type: 'position',
      name: it.name,
      price: rubles(it.price),
      quantity: it.quantityMicro / 1_000_000,
      amount: rubles(it.sum),
      tax: { type: TO_ATOL.tax[it.vatRate] },
      paymentMethod: TO_ATOL.method[it.paymentMethod],
      paymentObject: TO_ATOL.object[it.paymentObject],
      ...(it.measure !== undefined ? { measurementUnit: atolMeasurementUnit(it.measure) } : {}),
    })),
    payments: Object.entries(input.payments)
      .filter(([, sum]) => sum > 0)
      .map(([type, sum]) => ({ type: TO_ATOL.payment[type], sum: rubles(sum) })),
    total: rubles(input.items.reduce((s, it) => s + it.sum, 0)),
  };
  if (input.cashier !== undefined || input.cashierInn !== undefined)
    task.operator = {
      ...(input.cashier !== undefined ? { name: input.cashier } : {}),
      ...(input.cashierInn !== undefined ? { vatin: input.cashierInn } : {}),
    };
  const client: Record<string, string> = {};
  if (input.customerContact !== undefined) client.emailOrPhone = input.customerContact;
  if (input.customer?.name !== undefined) client.name = input.customer.name;
  if (input.customer?.inn !== undefined) client.vatin = input.customer.inn;
  if (Object.keys(client).length > 0) task.clientInfo = client;
  return task;
}

const TO_CORRECTION = invert(CORRECTION_TASKS);

/** A validated correction as an ATOL `sellCorrection`-family task (`Correction1.1v1.2`). */
export function correctionTask(input: CorrectionInput): Record<string, unknown> {
  const basis = input.correction;
  return {
    ...receiptTask(input),
    type: TO_CORRECTION[input.operation],
    correctionType: basis.kind,
    correctionBaseDate: basis.date.replaceAll('-', '.'),
    // Required by the spec's schema; empty when FFD 1.2 needs none (a correction made by oneself).
    correctionBaseNumber: basis.number ?? '',
  };
}
