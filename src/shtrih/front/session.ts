import type { EmulatedKkt } from '../../device/emulator.ts';
import type { Operation, TaxationType } from '../../fiscal/codes.ts';
import { TAXATION_TYPES } from '../../fiscal/codes.ts';
import {
  CORRECTION_KINDS,
  type CorrectionBasis,
  type CorrectionKind,
  type PaymentTotals,
} from '../../fiscal/document.ts';
import { MEASURES, type Measure } from '../../fiscal/measure.ts';
import { type VatRate, vatAmount } from '../../fiscal/vat.ts';
import { type CellStore, MemoryCellStore } from '../../io/sqlite/settings-store.ts';
import {
  beep,
  beginCloseShift,
  beginCorrection,
  beginOpenShift,
  beginSettlementReport,
  CHECK_TYPES,
  cancelCheck,
  cancelFnDocument,
  cashIn,
  cashOut,
  closeCheck,
  closeCheckEx,
  correctionV2,
  discount,
  FF45_PAYMENT,
  FN_CURRENT_DOCUMENT,
  type LegacyItem,
  openCheck,
  openShift,
  operationV2,
  printString,
  purchase,
  purchaseReturn,
  receiptDiscount,
  sale,
  saleReturn,
  sendOperationTlv,
  sendTlv,
  settlementReport,
  storno,
  subtotal,
  surcharge,
  voidDiscount,
  voidSurcharge,
  xReport,
  zReport,
} from '../protocol/commands/index.ts';
import { basisDateOf, REQUEST_ID_PROPERTY, TAG } from '../protocol/document-tlv.ts';
import { E, refuse } from '../protocol/errors.ts';
import { FIELD, TABLE, TAX_ROWS } from '../protocol/tables.ts';
import { rateOfTaxRow, substitutedRate, type TaxByteMode, taxRowOfByte } from '../protocol/tax-byte.ts';
import { dateOf, fnDateTimeOf } from '../protocol/time.ts';
import { decodeTlvs, readByte, readStlv, readString, type Tlv } from '../protocol/tlv.ts';
import { CommandTable } from './command-table.ts';
import { type DeviceContext, registerDeviceCommands, type SettableClock } from './device-commands.ts';
import { registerQueries } from './fn-queries.ts';
import { checkText, type DocumentProperties, OPERATION_BY_CODE, OpenCheck } from './open-check.ts';
import { Registers } from './registers.ts';
import { DeviceSettings, type LiveValues } from './settings.ts';
import { exchangeStatusOf, type SessionView } from './status-answers.ts';

export interface SessionOptions {
  /** How FF46h's tax byte is read (see tax-byte.ts); rows 11 and 12 are row numbers in both. */
  taxByte?: TaxByteMode;
  /** Where the settings tables are kept (default: in memory, factory values at every start). */
  settings?: CellStore;
  /** The clock 21h–23h set (mock mode's virtual clock); without one the clock is wall time. */
  clock?: SettableClock;
  /**
   * Who confirms documents for the ОФД. `host` (default): kkt-emu's adapter in this process,
   * whose sync is the device's ОФД exchange (`EmulatedKkt.confirmDelivered`). `self`: the
   * device confirms every document once formed, as a ККТ with a working ОФД link does.
   */
  ofdExchange?: 'host' | 'self';
  /** Whether the emulated device opens a shift by itself on the first receipt (KKT_AUTO_OPEN_SHIFT). */
  autoOpenShift?: boolean;
  /** FF3Bh block size; the frame holds at most 252 data bytes. */
  blockSize?: number;
}

const LEGACY_OPERATIONS: Record<number, Operation> = {
  [CHECK_TYPES.sale]: 'sale',
  [CHECK_TYPES.purchase]: 'purchase',
  [CHECK_TYPES.saleReturn]: 'refund',
  [CHECK_TYPES.purchaseReturn]: 'purchase_refund',
};

const TAXATION_BY_BIT = new Map(Object.entries(TAXATION_TYPES).map(([k, v]) => [v as number, k as TaxationType]));
const MEASURE_BY_CODE = new Map(Object.entries(MEASURES).map(([k, v]) => [v as number, k as Measure]));
/** 1203/1228: 10 or 12 digits, as the ФН stores them (padded to 12). */
function checkInn(value: string, what: string): string {
  const inn = value.trim();
  if (!/^(\d{10}|\d{12})$/.test(inn)) refuse(E.badParameters, `${what} must be 10 or 12 digits`);
  return inn;
}
const KIND_BY_CODE = new Map(Object.entries(CORRECTION_KINDS).map(([k, v]) => [v as number, k as CorrectionKind]));
const FULL_PAYMENT = 4;
const COMMODITY = 1;
/** 80h–84h quantities are thousandths; the receipt keeps millionths. */
const LEGACY_QUANTITY_SCALE = 1000;
/** FF4Ah's six sums: the table 6 row each names (VAT amounts for rows 1, 2, 5, 6; turnovers for 3, 4). */
const FF4A_ROWS = [1, 2, 3, 4, 5, 6] as const;
/** The line kkt-emu writes for an FF4Ah correction, which carries totals and no lines (kkt-emu's wording). */
const FF4A_LINE_NAME = 'Коррекция';

/**
 * The emulated Shtrih-M device: one per EmulatedKkt, shared by every connection (the receipt
 * being built belongs to the device, not to a connection). Commands run one at a time. This
 * file holds the document being formed and the commands that form documents; the read-only
 * commands are in fn-queries.ts.
 */
export class DeviceSession {
  private check: OpenCheck | null = null;
  private props: DocumentProperties = {};
  private preparing: 'shiftOpen' | 'shiftClose' | 'correction' | 'settlementReport' | null = null;
  private registration: { fnNumber: string; taxation: TaxationType } | undefined;
  private busy: Promise<unknown> = Promise.resolve();
  private readonly table = new CommandTable();
  private readonly taxByte: TaxByteMode;
  readonly settings: DeviceSettings;
  private readonly device: DeviceContext;

  constructor(
    private readonly kkt: EmulatedKkt,
    private readonly options: SessionOptions = {},
  ) {
    this.taxByte = options.taxByte ?? 'mask';
    this.settings = new DeviceSettings(options.settings ?? new MemoryCellStore(), this.liveValues);
    const registers = new Registers(kkt);
    this.device = {
      kkt,
      settings: this.settings,
      registers,
      clock: options.clock,
      openReceipt: () =>
        this.check
          ? {
              operation: this.check.operation,
              total: this.check.total,
              lines: this.check.items.length,
              discounts: this.check.discounts,
            }
          : null,
      pendingDate: null,
      printerReady: () => this.printerReady(),
      prepareLive: async () => {
        await this.defaultTaxation().catch(() => undefined);
      },
    };
    registerQueries(this.table, kkt, (op) => this.view(op), { blockSize: Math.min(options.blockSize ?? 240, 252) });
    registerDeviceCommands(this.table, this.device);
    this.registerDocuments();
    this.registerAdjustments();
    this.registerCash();
    this.registerReports();
  }

  /** Runs one command; always resolves with an answer payload. */
  execute(payload: Buffer): Promise<Buffer> {
    const run = this.busy.then(async () => {
      const answer = await this.table.run(payload);
      if (this.options.ofdExchange === 'self') await this.confirmOwnDocuments();
      return answer;
    });
    this.busy = run.catch(() => undefined);
    return run;
  }

  /** `ofdExchange: 'self'`: the device's own ОФД link has delivered everything it formed. */
  private async confirmOwnDocuments(): Promise<void> {
    const s = this.kkt.statusNow();
    const first = s.fn.firstUnsentNumber;
    if (first === null) return;
    const numbers = Array.from({ length: s.fn.lastFiscalDocNumber - first + 1 }, (_, i) => first + i);
    await this.kkt.confirmDelivered(numbers);
  }

  /** Table 18 (ФН data) and table 20 (the ОФД queue) are the device's own. */
  private readonly liveValues: LiveValues = (table, _row, field) => {
    if (table !== TABLE.fiscalStorage && table !== TABLE.exchangeStatus) return undefined;
    const s = this.kkt.statusNow();
    if (table === TABLE.exchangeStatus) {
      const x = exchangeStatusOf(s);
      const d = x.firstDocumentDateTime;
      const two = (n: number) => String(n).padStart(2, '0');
      return [
        x.status,
        x.readingMessage,
        x.messageCount,
        x.firstDocumentNumber,
        x.firstDocumentNumber === 0
          ? ''
          : `${two(d.day)}.${two(d.month)}.${two(d.year % 100)} ${two(d.hour)}:${two(d.minute)}`,
      ][field - 1];
    }
    const taxation = this.registration?.fnNumber === s.fn.number ? TAXATION_TYPES[this.registration.taxation] : 0;
    const live: Record<number, string | number> = {
      1: s.kkt.serial,
      2: s.kkt.userInn.padEnd(12, ' '),
      3: s.kkt.regNumber,
      4: s.fn.number,
      5: taxation,
      6: 0,
      7: s.kkt.userName,
      9: s.kkt.address,
    };
    return live[field];
  };

  /** Closes the settings store. */
  close(): void {
    this.settings.close();
  }

  private printerReady(): void {
    const s = this.kkt.statusNow();
    if (s.faults.coverOpen) refuse(E.hardware, 'the cover is open');
    if (s.faults.paperOut) refuse(E.noPaper, 'no paper');
  }

  /**
   * The rate a table-6 row names now: its position and its value (field 1), and from 2026 with
   * table 17 field 71 = 1, 22 % where row 1 says 20 % (fr_drv_ng#328).
   */
  private rateOfRow(row: number): VatRate {
    if (row < 1 || row > TAX_ROWS.length) refuse(E.badParameters, `tax row ${row} is not 1..${TAX_ROWS.length}`);
    const rate = rateOfTaxRow(row, this.settings.number(TABLE.taxRates, row, FIELD.taxValue));
    if (!rate)
      refuse(
        E.badParameters,
        `table 6 row ${row} ("${this.settings.value(TABLE.taxRates, row, FIELD.taxName)}") names no VAT rate the ФН knows`,
      );
    const s = this.kkt.statusNow();
    return substitutedRate(rate, this.settings.number(TABLE.regional, 1, FIELD.vat22Mode), dateOf(s.now, s.timezone));
  }

  private view(operator: number): SessionView {
    const currentDocument = this.check
      ? this.check.correction
        ? FN_CURRENT_DOCUMENT.correction
        : FN_CURRENT_DOCUMENT.receipt
      : this.preparing
        ? FN_CURRENT_DOCUMENT[this.preparing]
        : FN_CURRENT_DOCUMENT.none;
    return {
      operator,
      check: this.check ? { operation: this.check.operation, operations: this.check.items.length } : null,
      currentDocument,
      pendingDate: this.device.pendingDate,
    };
  }

  private noOpenCheck(): void {
    if (this.check) refuse(E.receiptOpen, 'a receipt is open');
  }

  private openCheck(): OpenCheck {
    if (!this.check) refuse(E.receiptClosed, 'no receipt is open');
    return this.check;
  }

  /** Refuses a new receipt at once when the device could not fiscalize it anyway. */
  private startCheck(operation: Operation): OpenCheck {
    if (this.check) {
      if (this.check.operation !== operation)
        refuse(E.wrongReceiptType, `the open receipt is a ${this.check.operation}, not a ${operation}`);
      return this.check;
    }
    const s = this.kkt.statusNow();
    if (s.faults.coverOpen) refuse(E.hardware, 'the cover is open');
    if (s.faults.paperOut) refuse(E.noPaper, 'no paper');
    if (s.blockedReason === 'fnFull') refuse(E.fnFull, 'the ФН is full');
    if (s.blockedReason === 'fnExpired') refuse(E.fnKeysExpired, 'the ФН keys have expired');
    if (s.blockedReason === 'ofdTimeout') refuse(E.ofdTimeout, '30 days without ОФД confirmation');
    if (s.shift.state === 'expired') refuse(E.shiftOver24h, 'the shift is over 24 hours old');
    if (s.shift.state === 'closed' && this.options.autoOpenShift === false) refuse(E.shiftClosed, 'no shift is open');
    // A receipt is a new document: properties sent before it belong to nobody (javapos and the
    // Go driver send FF0Ch after the first line). A correction's FF35h and its TLVs come first.
    const correction = this.preparing === 'correction';
    if (!correction) this.props = {};
    this.preparing = null;
    this.check = new OpenCheck(operation, correction);
    return this.check;
  }

  /** 1173 and 1174 as FF0Ch gathered them; the ФН needs both for a correction (form 31). */
  private correctionBasis(kind?: CorrectionKind): CorrectionBasis {
    const c = this.props.correction ?? {};
    const k = kind ?? c.kind;
    if (k === undefined) refuse(E.badParameters, 'a correction needs its type (1173) before it is closed');
    if (c.date === undefined)
      refuse(E.badParameters, 'a correction needs the date of the corrected settlement (1178 in 1174)');
    const basis: CorrectionBasis = { kind: k, date: c.date };
    if (c.number !== undefined) basis.number = c.number;
    return basis;
  }

  /** Ends the document being formed, whatever its outcome: its properties must not leak into the next one. */
  private endDocument(): void {
    this.check = null;
    this.props = {};
    this.preparing = null;
  }

  private async defaultTaxation(): Promise<TaxationType> {
    const fn = this.kkt.statusNow().fn.number;
    if (this.registration?.fnNumber !== fn) {
      const doc = await this.kkt.getDocument(1);
      if (doc?.kind !== 'registration') refuse(E.internal, 'the ФН has no registration report');
      this.registration = { fnNumber: fn, taxation: doc.taxation };
    }
    return this.registration.taxation;
  }

  private async taxationOf(taxSystem: number): Promise<TaxationType> {
    const taxation = taxSystem === 0 ? await this.defaultTaxation() : TAXATION_BY_BIT.get(taxSystem);
    if (!taxation) refuse(E.badParameters, `tax system ${taxSystem} is not one known bit`);
    return taxation;
  }

  private async fiscalize(payments: PaymentTotals, taxSystem: number, rounding = 0) {
    const check = this.openCheck();
    const input = check.close(payments, await this.taxationOf(taxSystem), this.props, rounding);
    // A refusal leaves the receipt open, as on a real device: the host may retry or cancel (88h).
    const doc = check.correction
      ? await this.kkt.printCorrection({ ...input, correction: this.correctionBasis() })
      : await this.kkt.printReceipt(input);
    this.endDocument();
    return doc;
  }

  private addLegacyItem(operation: Operation, q: LegacyItem, operator: number): { operator: number } {
    // 80h–83h tax bytes are table 6 row numbers (fr_drv_ng#21); the first one set counts, 0 = без НДС.
    const row = q.taxes.find((t) => t !== 0);
    const vatRate = row === undefined ? 'none' : this.rateOfRow(row);
    this.startCheck(operation).add({
      name: q.text,
      price: q.price,
      quantity: q.quantity * LEGACY_QUANTITY_SCALE,
      sum: null,
      vatRate,
      vatSum: null,
      paymentMethod: FULL_PAYMENT,
      paymentObject: COMMODITY,
    });
    return { operator };
  }

  private applyTlvs(tlvs: Tlv[]): void {
    for (const t of tlvs) {
      if (t.tag === TAG.operator) this.props.cashier = checkText(readString(t), 'the cashier (1021)');
      else if (t.tag === TAG.cashierInn) this.props.cashierInn = checkInn(readString(t), 'the cashier INN (1203)');
      else if (t.tag === TAG.customerName)
        this.props.customer = { ...this.props.customer, name: checkText(readString(t), 'the customer (1227)') };
      else if (t.tag === TAG.customerInn)
        this.props.customer = { ...this.props.customer, inn: checkInn(readString(t), 'the customer INN (1228)') };
      else if (t.tag === TAG.buyerContact) this.props.customerContact = checkText(readString(t), 'the contact (1008)');
      else if (t.tag === TAG.userProperty) {
        const inner = readStlv(t);
        const name = inner.find((x) => x.tag === TAG.userPropertyName);
        const value = inner.find((x) => x.tag === TAG.userPropertyValue);
        if (name && value && readString(name) === REQUEST_ID_PROPERTY) this.props.requestId = readString(value);
      } else if (t.tag === TAG.correctionType) {
        const kind = KIND_BY_CODE.get(readByte(t));
        if (!kind) refuse(E.badParameters, 'the correction type (1173) is 0 or 1');
        this.correctionProps().kind = kind;
      } else if (t.tag === TAG.correctionBasis) this.applyTlvs(readStlv(t));
      else if (t.tag === TAG.correctionDate) this.correctionProps().date = basisDateOf(t);
      else if (t.tag === TAG.correctionNumber)
        this.correctionProps().number = checkText(readString(t), 'the order number (1179)');
      // Other tags (1203 cashier INN, …) are accepted and not kept: the document model has no field for them.
    }
  }

  private correctionProps(): NonNullable<DocumentProperties['correction']> {
    this.props.correction ??= {};
    return this.props.correction;
  }

  private registerDocuments(): void {
    const on = this.table.on.bind(this.table);
    const faultsRefuse = () => this.printerReady();
    on(beep, 'operator', (_q, operator) => ({ operator }));
    on(printString, 'operator', (_q, operator) => {
      faultsRefuse();
      return { operator };
    });

    on(openShift, 'operator', async (_q, operator) => {
      this.noOpenCheck();
      const cashier = this.props.cashier;
      this.endDocument();
      await this.kkt.openShift(cashier !== undefined ? { cashier } : {});
      return { operator };
    });
    on(beginOpenShift, 'operator', () => {
      this.noOpenCheck();
      this.props = {};
      this.preparing = 'shiftOpen';
      return {};
    });
    on(beginCloseShift, 'operator', () => {
      this.noOpenCheck();
      this.props = {};
      this.preparing = 'shiftClose';
      return {};
    });
    on(zReport, 'admin', async (_q, operator) => {
      this.noOpenCheck();
      const cashier = this.props.cashier;
      this.endDocument();
      // Table 1 field 2 "Авт. обнуление денежной наличности": the drawer (register 241) empties at this Z report.
      const resetCash = this.settings.number(TABLE.device, 1, FIELD.autoCashReset) === 1;
      await this.kkt.closeShift({ ...(cashier !== undefined ? { cashier } : {}), resetCash });
      return { operator };
    });
    on(xReport, 'admin', async (_q, operator) => {
      this.noOpenCheck();
      await this.kkt.xReport();
      return { operator };
    });

    on(openCheck, 'operator', (q, operator) => {
      const operation = LEGACY_OPERATIONS[q.type];
      if (!operation) refuse(E.badParameters, `receipt type ${q.type} is not 0..3`);
      this.noOpenCheck();
      this.startCheck(operation);
      return { operator };
    });
    on(sale, 'operator', (q, op) => this.addLegacyItem('sale', q, op));
    on(purchase, 'operator', (q, op) => this.addLegacyItem('purchase', q, op));
    on(saleReturn, 'operator', (q, op) => this.addLegacyItem('refund', q, op));
    on(purchaseReturn, 'operator', (q, op) => this.addLegacyItem('purchase_refund', q, op));
    on(closeCheck, 'operator', async (q, operator) => {
      const check = this.openCheck();
      // A discount (+) or surcharge (−) on the receipt in 0.01 %, folded into the lines like 86h/87h.
      if (q.discount < -9999 || q.discount > 9999) refuse(E.badParameters, 'the discount is −99.99..99.99 %');
      // A percentage that comes to less than half a kopeck is no discount (not a refused 0).
      const amount = Math.round((check.subtotal * q.discount) / 10000);
      if (amount !== 0) check.adjust(amount, amount > 0 ? 'discount' : 'surcharge');
      try {
        // Legacy payment types 2..4 are named by the device's table; kkt-emu names them card, credit, other.
        const doc = await this.fiscalize(
          { cash: q.cash, card: q.payment2, prepaid: 0, credit: q.payment3, other: q.payment4 },
          0,
        );
        return { operator, change: doc.change };
      } catch (e) {
        // The receipt stays open after a refusal: without its discount, or a retried 85h would apply it twice.
        if (amount !== 0 && this.check === check) check.unadjust(amount);
        throw e;
      }
    });
    // FF08h: the document being formed (a receipt, or a shift report FF41h/FF42h began) is dropped.
    on(cancelFnDocument, 'operator', () => {
      this.endDocument();
      return {};
    });
    on(cancelCheck, 'operator', (_q, operator) => {
      this.openCheck();
      this.endDocument();
      return { operator };
    });

    on(operationV2, 'operator', (q) => {
      const operation = OPERATION_BY_CODE.get(q.operation);
      if (!operation) refuse(E.badParameters, `operation ${q.operation} (tag 1054) is not 1..4`);
      const row = taxRowOfByte(q.tax, this.taxByte);
      if (row === undefined)
        refuse(E.badParameters, `tax byte 0x${q.tax.toString(16)} is no table 6 row in ${this.taxByte} mode`);
      const vatRate = this.rateOfRow(row);
      // FF46h carries millionths (javapos `Math.round(quantity × 1000000)`), as the ФН keeps 1023.
      this.startCheck(operation).add({
        name: q.name,
        price: q.price,
        quantity: q.quantity,
        sum: q.sum,
        vatRate,
        vatSum: q.taxAmount,
        paymentMethod: q.paymentMethod,
        paymentObject: q.paymentObject,
      });
      return {};
    });
    on(sendTlv, 'operator', (q) => {
      this.applyTlvs(decodeTlvs(q.tlv));
      return {};
    });
    on(sendOperationTlv, 'operator', (q) => {
      if (!this.check || this.check.items.length === 0) refuse(E.receiptClosed, 'no line to bind the TLV to');
      // 2108 мера количества is kept; other line tags (marking codes, agents, …) have no field in the
      // document model: checked, not kept.
      for (const t of decodeTlvs(q.tlv)) {
        if (t.tag !== TAG.measure) continue;
        const measure = MEASURE_BY_CODE.get(readByte(t));
        if (measure === undefined) refuse(E.badParameters, `2108 = ${readByte(t)} is no measure code`);
        this.check.measureLast(measure);
      }
      return {};
    });
    on(closeCheckEx, 'operator', async (q) => {
      const p = q.payments;
      const electronic = p
        .slice(FF45_PAYMENT.electronicFirst, FF45_PAYMENT.electronicLast + 1)
        .reduce((a, b) => a + b, 0);
      const doc = await this.fiscalize(
        {
          cash: p[FF45_PAYMENT.cash] ?? 0,
          card: electronic,
          prepaid: p[FF45_PAYMENT.prepayment] ?? 0,
          credit: p[FF45_PAYMENT.credit] ?? 0,
          other: p[FF45_PAYMENT.counterProvision] ?? 0,
        },
        q.taxSystem,
        // "Округление до рубля в копейках": a receipt discount the ККТ applies (javapos sends a
        // receipt discount under 1 ₽ here, FSSalesReceipt.endFiscalReceipt).
        q.rounding,
      );
      return {
        change: doc.change,
        documentNumber: doc.number,
        fiscalSign: Number(doc.fiscalSign),
        dateTime: fnDateTimeOf(doc.dateTime, this.kkt.statusNow().timezone),
      };
    });
  }

  /** 84h, 86h, 87h, 89h on the open receipt (legacy commands drivers still send with FN firmware). */
  private registerAdjustments(): void {
    const on = this.table.on.bind(this.table);
    on(storno, 'operator', (q, operator) => {
      const check = this.openCheck();
      const row = q.taxes.find((t) => t !== 0);
      check.storno(
        q.text,
        q.price,
        q.quantity * LEGACY_QUANTITY_SCALE,
        row === undefined ? 'none' : this.rateOfRow(row),
      );
      return { operator };
    });
    on(discount, 'operator', (q, operator) => {
      this.openCheck().adjust(q.sum, 'discount');
      return { operator };
    });
    on(surcharge, 'operator', (q, operator) => {
      this.openCheck().adjust(-q.sum, 'surcharge');
      return { operator };
    });
    on(voidDiscount, 'operator', (q, operator) => {
      this.openCheck().voidAdjustment('discount', q.sum);
      return { operator };
    });
    on(voidSurcharge, 'operator', (q, operator) => {
      this.openCheck().voidAdjustment('surcharge', q.sum);
      return { operator };
    });
    // FF4Bh: javapos's receipt discount. Its tax byte and text have no place in an FFD 1.2 receipt
    // (the discount is folded into the lines, each keeping its own rate): checked, not kept.
    on(receiptDiscount, 'operator', (q) => {
      const check = this.openCheck();
      const net = q.discount - q.surcharge;
      if (net !== 0) check.adjust(net, net > 0 ? 'discount' : 'surcharge');
      return {};
    });
    on(subtotal, 'operator', (_q, operator) => ({ operator, subtotal: this.openCheck().subtotal }));
  }

  /**
   * 50h/51h: cash in and out of the drawer, the fiscal core's balance (register 241). A payout
   * beyond it is refused with 46h "Не хватает наличности в кассе" whatever KKT_CASH_CONTROL says:
   * the register counts the cash it holds. The answer's document number is the ФН's last
   * document number (kkt-emu's choice: a cash slip is no ФН document).
   */
  private registerCash(): void {
    const move = async (kind: 'in' | 'out', sum: number, operator: number) => {
      this.noOpenCheck();
      if (sum <= 0) refuse(E.badParameters, 'the sum must be above 0');
      const s = this.kkt.statusNow();
      if (s.shift.state === 'closed' && this.options.autoOpenShift === false) refuse(E.shiftClosed, 'no shift is open');
      // The printer first, as the emulated device refuses a job while it is out of paper or open.
      this.printerReady();
      // Mode 3 (shift over 24 hours, 4Eh) before the drawer, as the emulator's fiscal core and startCheck
      // order them; which of the two a real register reports first is not documented.
      if (s.shift.state === 'expired') refuse(E.shiftOver24h, 'the shift is over 24 hours old');
      if (kind === 'out' && sum > s.cashBalance)
        refuse(E.noCash, `the drawer holds ${s.cashBalance} kopecks, ${sum} cannot be paid out`);
      await (kind === 'in' ? this.kkt.cashIn({ amount: sum }) : this.kkt.cashOut({ amount: sum }));
      return { operator, documentNumber: this.kkt.statusNow().fn.lastFiscalDocNumber & 0xffff };
    };
    this.table.on(cashIn, 'operator', (q, operator) => move('in', q.sum, operator));
    this.table.on(cashOut, 'operator', (q, operator) => move('out', q.sum, operator));
  }

  /** FF37h/FF38h (form 21) and corrections: FF35h begins the FFD 1.2 flow, FF4Ah closes one from totals. */
  private registerReports(): void {
    const on = this.table.on.bind(this.table);
    on(beginSettlementReport, 'operator', () => {
      this.noOpenCheck();
      this.props = {};
      this.preparing = 'settlementReport';
      return {};
    });
    on(settlementReport, 'operator', async () => {
      this.noOpenCheck();
      const cashier = this.preparing === 'settlementReport' ? this.props.cashier : undefined;
      this.endDocument();
      const doc = await this.kkt.settlementReport(cashier !== undefined ? { cashier } : {});
      const tz = this.kkt.statusNow().timezone;
      return {
        documentNumber: doc.number,
        fiscalSign: Number(doc.fiscalSign),
        unconfirmedCount: doc.unsentCount,
        // With nothing unconfirmed the field has no document to date; kkt-emu sends the report's date.
        firstUnconfirmedDate: dateOf(doc.firstUnsentAt ?? doc.dateTime, tz),
      };
    });
    on(beginCorrection, 'operator', () => {
      this.noOpenCheck();
      this.props = {};
      this.preparing = 'correction';
      return {};
    });
    on(correctionV2, 'operator', async (q) => {
      this.noOpenCheck();
      const operation = OPERATION_BY_CODE.get(q.calculationSign);
      if (!operation) refuse(E.badParameters, `calculation sign ${q.calculationSign} is not 1..4`);
      const kind = KIND_BY_CODE.get(q.correctionType);
      if (!kind) refuse(E.badParameters, 'the correction type is 0 or 1');
      // FF4Ah has totals, no lines; FFD 1.2 needs lines. kkt-emu writes one line of the total at
      // the one rate the six sums name (a VAT sum must match the total's VAT ±1 kopeck; a
      // turnover must equal the total), and refuses sums that name more than one rate.
      const named = FF4A_ROWS.filter((_, i) => (q.taxes[i] ?? 0) !== 0);
      if (named.length > 1) refuse(E.badParameters, 'kkt-emu takes FF4Ah sums of one VAT rate only');
      const row = named[0] ?? 4;
      const vatRate = this.rateOfRow(row);
      const given = q.taxes[row - 1] ?? 0;
      const isTurnover = row === 3 || row === 4;
      if (named.length === 1 && (isTurnover ? given !== q.total : Math.abs(given - vatAmount(q.total, vatRate)) > 1))
        refuse(E.badParameters, `the FF4Ah sum for table 6 row ${row} does not match the total`);
      const props = this.props;
      this.endDocument();
      this.props = props;
      this.preparing = 'correction';
      const check = this.startCheck(operation);
      try {
        check.add({
          name: FF4A_LINE_NAME,
          price: q.total,
          quantity: 1_000_000,
          sum: q.total,
          vatRate,
          vatSum: null,
          paymentMethod: FULL_PAYMENT,
          paymentObject: COMMODITY,
        });
        const input = check.close(
          { cash: q.cash, card: q.electronic, prepaid: q.prepayment, credit: q.credit, other: q.counterProvision },
          await this.taxationOf(q.taxSystem),
          this.props,
        );
        const doc = await this.kkt.printCorrection({ ...input, correction: this.correctionBasis(kind) });
        return {
          receiptNumber: doc.receiptNumber & 0xffff,
          documentNumber: doc.number,
          fiscalSign: Number(doc.fiscalSign),
        };
      } finally {
        this.endDocument();
      }
    });
  }
}
