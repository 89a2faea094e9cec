import { OPERATION_NAMES, PAYMENT_TYPES } from '../fiscal/codes.ts';
import type {
  Counters,
  FiscalDocument,
  FnWarnings,
  OperationTotals,
  SettlementDocument,
  ShiftTotals,
  VatTotals,
} from '../fiscal/document.ts';
import { FNS_SITE } from '../fiscal/fns-site.ts';
import { localParts } from '../fiscal/local-time.ts';
import { formatRubles, type Kopecks } from '../fiscal/money.ts';
import { receiptQrString } from '../fiscal/qr.ts';
import { formatQuantity } from '../fiscal/quantity.ts';
import { itemQuantityMicro } from '../fiscal/stored-document.ts';
import { VAT_RATES } from '../fiscal/vat.ts';
import {
  CORRECTION_KIND_LABELS,
  DOCUMENT_TITLES,
  itemVatLabel,
  L,
  OPERATION_TITLES,
  PAYMENT_LABELS,
  PAYMENT_METHOD_LABELS,
  REREGISTRATION_REASON_LABELS,
  TAXATION_LABELS,
  totalVatLabel,
} from './labels.ts';
import { center, DEFAULT_WIDTH, labelled, MAX_WIDTH, MIN_WIDTH, pair, rule, wrap } from './layout.ts';

/**
 * A fiscal document as a receipt printer prints it (docs/console.md "Printed slips and QR
 * codes"): fixed-width lines, then the QR code on receipts and correction receipts. Pure: the
 * same document and options always give the same slip.
 */

export interface SlipOptions {
  /** The ККТ's time zone: documents print local wall time (tag 1012). */
  timezone: string;
  /** Characters per line, MIN_WIDTH..MAX_WIDTH (DEFAULT_WIDTH). */
  width?: number;
  /** ЗН ККТ (1013) for documents that do not carry it (all but the registration reports). */
  kktSerial?: string;
  /** The registration's 1048, 1009, 1187 for documents that do not carry them (reports, old receipts). */
  user?: { name?: string; address?: string; place?: string };
  /** 1060, FNS_SITE unless given. */
  fnsSite?: string;
}

export class SlipWidthError extends RangeError {
  readonly code = 'INVALID_SLIP_WIDTH';
  constructor(width: number) {
    super(`slip width must be a whole number from ${MIN_WIDTH} to ${MAX_WIDTH}, got ${width}`);
  }
}

export const isSlipWidth = (w: number): boolean => Number.isInteger(w) && w >= MIN_WIDTH && w <= MAX_WIDTH;

/** One printed line, or the place of the QR code (the text slip shows a placeholder there). */
export type SlipLine = { text: string } | { qr: string };

/** Whether the document carries a QR code (receipts and correction receipts, ffd.md §4). */
export function slipQrData(doc: FiscalDocument, timezone: string): string | undefined {
  return doc.kind === 'receipt' || doc.kind === 'correction' ? receiptQrString(doc, timezone) : undefined;
}

const p2 = (n: number) => String(n).padStart(2, '0');
/** `25.11.2026 14:05`: minute precision, as the ФН keeps 1012 (ffd.md §2.1). */
export function slipDateTime(instant: number, timezone: string): string {
  const l = localParts(instant, timezone);
  return `${p2(l.day)}.${p2(l.month)}.${l.year} ${p2(l.hour)}:${p2(l.minute)}`;
}

const money = (k: Kopecks) => `=${formatRubles(k)}`;

/** Sums of the items by VAT rate: what "СУММА С НДС 0%" and "СУММА БЕЗ НДС" print. */
function sumsByRate(doc: SettlementDocument): VatTotals {
  const out: VatTotals = {};
  for (const it of doc.items) out[it.vatRate] = (out[it.vatRate] ?? 0) + it.sum;
  return out;
}

/** The VAT lines of a receipt or a counter: VAT for the rates with VAT, the sum for 0 % and без НДС. */
function vatTotalLines(vat: VatTotals, byRate: VatTotals, width: number): string[] {
  const out: string[] = [];
  for (const rate of VAT_RATES) {
    const amount = rate === 'none' || rate === '0' ? byRate[rate] : vat[rate];
    if (amount === undefined) continue;
    out.push(...pair(totalVatLabel(rate), money(amount), width));
  }
  return out;
}

class Sheet {
  readonly lines: SlipLine[] = [];
  constructor(readonly width: number) {}
  add(lines: string[]): this {
    for (const text of lines) this.lines.push({ text });
    return this;
  }
  /** A separator, never two in a row (a section that printed nothing leaves no empty box). */
  rule(): this {
    const last = this.lines[this.lines.length - 1];
    const line = rule(this.width);
    return last && 'text' in last && last.text === line ? this : this.add([line]);
  }
  pair(label: string, value: string | number): this {
    return this.add(pair(label, String(value), this.width));
  }
  text(label: string, value: string | undefined): this {
    return value === undefined || value === '' ? this : this.add(labelled(label, value, this.width));
  }
  center(text: string): this {
    return this.add(center(text, this.width));
  }
}

interface Ctx {
  width: number;
  timezone: string;
  kktSerial: string | undefined;
  fnsSite: string;
  user: { name?: string; address?: string; place?: string };
}

/** Organisation, address, place and INN at the top of every document. */
function header(s: Sheet, doc: FiscalDocument, ctx: Ctx): void {
  // Registration reports, receipts and corrections carry 1048/1009/1187; reports take the registration's.
  const own = doc as { userName?: string; address?: string; place?: string };
  const name = own.userName ?? ctx.user.name;
  const address = own.address ?? ctx.user.address;
  const place = own.place ?? ctx.user.place;
  if (name) s.center(name);
  if (address) s.center(address);
  s.text(L.place, place);
  s.center(`${L.inn} ${doc.userInn}`);
  s.rule();
  s.center(DOCUMENT_TITLES[doc.kind]);
}

/** РН ККТ, ЗН ККТ, ФН, ФД, ФПД, date, shift and receipt number: the fiscal block at the bottom. */
function fiscalBlock(s: Sheet, doc: FiscalDocument, ctx: Ctx): void {
  s.rule();
  s.pair(L.dateTime, slipDateTime(doc.dateTime, ctx.timezone));
  if ('shiftNumber' in doc && doc.shiftNumber !== undefined) s.pair(L.shift, doc.shiftNumber);
  if (doc.kind === 'receipt' || doc.kind === 'correction') s.pair(L.receipt, doc.receiptNumber);
  s.pair(L.regNumber, doc.kktRegNumber);
  const serial = 'kktSerial' in doc ? doc.kktSerial : ctx.kktSerial;
  if (serial) s.pair(L.serial, serial);
  s.pair(L.fn, doc.fnNumber);
  s.pair(L.fd, doc.number);
  s.pair(L.fpd, doc.fiscalSign);
}

function settlementBody(s: Sheet, doc: SettlementDocument, ctx: Ctx): void {
  s.center(OPERATION_TITLES[doc.operation]);
  s.rule();
  doc.items.forEach((it, i) => {
    s.add(wrap(`${i + 1}. ${it.name}`, ctx.width));
    s.pair(`${formatQuantity(itemQuantityMicro(it))} x ${formatRubles(it.price)}`, money(it.sum));
    if (it.vatRate === 'none') s.add([itemVatLabel(it.vatRate)]);
    else s.pair(itemVatLabel(it.vatRate), money(it.vatSum));
    s.add([PAYMENT_METHOD_LABELS[it.paymentMethod]]);
  });
  s.rule();
  s.pair(L.total, money(doc.total));
  s.add(vatTotalLines(doc.vatTotals, sumsByRate(doc), ctx.width));
  // Tendered amounts, as the cashier took them; the cash kept (1031) is cash minus change.
  for (const type of PAYMENT_TYPES) if (doc.payments[type] > 0) s.pair(PAYMENT_LABELS[type], money(doc.payments[type]));
  if (doc.change > 0) s.pair(L.change, money(doc.change));
  s.rule();
  if (doc.kind === 'correction') {
    s.pair(L.correctionKind, CORRECTION_KIND_LABELS[doc.correction.kind]);
    const [y, m, d] = doc.correction.date.split('-');
    s.pair(L.correctionDate, `${d}.${m}.${y}`);
    if (doc.correction.number !== undefined) s.text(L.correctionNumber, doc.correction.number);
  }
  s.pair(L.taxation, TAXATION_LABELS[doc.taxation]);
  s.text(L.cashier, doc.cashier);
  if (doc.cashierInn) s.pair(L.cashierInn, doc.cashierInn);
  s.text(L.customerContact, doc.customerContact);
  s.text(L.customer, doc.customer?.name);
  if (doc.customer?.inn) s.pair(L.customerInn, doc.customer.inn);
  s.pair(L.fnsSite, ctx.fnsSite);
}

/** One operation's counters: count, total, payments and VAT (1194 / 1157 parts, ffd.md §5.2). */
function operationCounters(s: Sheet, op: keyof ShiftTotals, t: OperationTotals, width: number): void {
  s.add([OPERATION_TITLES[op]]);
  s.pair(L.count, t.count);
  s.pair(L.total, money(t.total));
  for (const type of PAYMENT_TYPES) if (t.payments[type] > 0) s.pair(PAYMENT_LABELS[type], money(t.payments[type]));
  s.add(vatTotalLines(t.vat ?? {}, t.byRate ?? {}, width));
}

/** The operations with documents; a section with none prints "0" so the reader knows it was counted. */
function counterSection(s: Sheet, heading: string, totals: ShiftTotals, width: number): void {
  s.add([heading]);
  const ops = OPERATION_NAMES.filter((op) => totals[op].count > 0);
  if (ops.length === 0) s.pair(L.count, 0);
  for (const op of ops) operationCounters(s, op, totals[op], width);
}

function counters(s: Sheet, heading: string, c: Counters, width: number): void {
  s.rule();
  s.center(heading);
  counterSection(s, L.receiptCounters, c.receipts, width);
  counterSection(s, L.correctionCounters, c.corrections, width);
}

function unsent(
  s: Sheet,
  doc: { unsentCount: number; firstUnsentNumber: number | null; firstUnsentAt: number | null },
  ctx: Ctx,
) {
  s.rule();
  s.pair(L.unsent, doc.unsentCount);
  if (doc.firstUnsentNumber !== null) s.pair(L.firstUnsent, doc.firstUnsentNumber);
  if (doc.firstUnsentAt !== null) s.pair(L.unsentSince, slipDateTime(doc.firstUnsentAt, ctx.timezone));
}

function warnings(s: Sheet, w: FnWarnings | undefined): void {
  if (!w) return;
  for (const key of ['keysExpiring', 'replaceUrgently', 'memoryAlmostFull', 'ofdAckOverdue'] as const)
    if (w[key]) s.add([L[key]]);
}

function body(s: Sheet, doc: FiscalDocument, ctx: Ctx): void {
  switch (doc.kind) {
    case 'receipt':
    case 'correction':
      settlementBody(s, doc, ctx);
      return;
    case 'registration':
    case 'reregistration': {
      s.rule();
      if (doc.kind === 'reregistration')
        for (const r of doc.reasons) s.text(L.reregistration, REREGISTRATION_REASON_LABELS[r]);
      const list = doc.taxationTypes ?? [doc.taxation];
      s.text(L.taxation, list.map((t) => TAXATION_LABELS[t]).join(', '));
      s.text(L.ofd, doc.ofdName);
      s.pair(L.ofdInn, doc.ofdInn);
      s.pair(L.ffd, doc.ffdVersion);
      s.pair(L.fnsSite, ctx.fnsSite);
      return;
    }
    case 'shiftOpen':
      s.rule();
      s.text(L.cashier, doc.cashier);
      return;
    case 'shiftClose':
      s.rule();
      s.text(L.cashier, doc.cashier);
      s.pair(L.receiptsInShift, doc.receiptsCount);
      s.pair(L.documentsInShift, doc.documentsCount);
      if (doc.counters) counters(s, L.shiftCounters, doc.counters, ctx.width);
      else {
        s.rule();
        s.center(L.shiftCounters);
        counterSection(s, L.receiptCounters, doc.totals, ctx.width);
      }
      if (doc.fnTotals) counters(s, L.fnCounters, doc.fnTotals, ctx.width);
      unsent(s, doc, ctx);
      warnings(s, doc.warnings);
      return;
    case 'settlementReport':
      s.rule();
      s.text(L.cashier, doc.cashier);
      unsent(s, doc, ctx);
      warnings(s, doc.warnings);
      counters(s, L.fnCounters, doc.fnTotals, ctx.width);
      return;
    case 'fnClosure':
      s.rule();
      s.text(L.cashier, doc.cashier);
      unsent(s, doc, ctx);
      counters(s, L.fnCounters, doc.fnTotals, ctx.width);
      return;
  }
}

/** The slip's lines: header, the document's own part, the fiscal block, the QR code. */
export function slipLines(doc: FiscalDocument, options: SlipOptions): SlipLine[] {
  const width = options.width ?? DEFAULT_WIDTH;
  if (!isSlipWidth(width)) throw new SlipWidthError(width);
  const ctx: Ctx = {
    width,
    timezone: options.timezone,
    kktSerial: options.kktSerial,
    fnsSite: options.fnsSite ?? FNS_SITE,
    user: options.user ?? {},
  };
  const s = new Sheet(width);
  header(s, doc, ctx);
  body(s, doc, ctx);
  fiscalBlock(s, doc, ctx);
  const qr = slipQrData(doc, ctx.timezone);
  if (qr !== undefined) s.lines.push({ qr });
  return s.lines;
}

/** The QR code's place in the text slip: a marker, then the string it encodes, cut to the width. */
export function qrPlaceholder(data: string, width: number): string[] {
  const cps = [...data];
  const out = center('[QR-КОД]', width);
  for (let i = 0; i < cps.length; i += width) out.push(cps.slice(i, i + width).join(''));
  return out;
}

/** The slip as `text/plain`: one line per printed line, `\n` after each. */
export function renderSlipText(doc: FiscalDocument, options: SlipOptions): string {
  const width = options.width ?? DEFAULT_WIDTH;
  const lines = slipLines(doc, options).flatMap((l) => ('qr' in l ? qrPlaceholder(l.qr, width) : [l.text]));
  return `${lines.join('\n')}\n`;
}
