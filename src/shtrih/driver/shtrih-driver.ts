import type { Duplex } from 'node:stream';
import type {
  CashMovement,
  CashRequest,
  ConfirmResult,
  DeviceStatus,
  KktDriver,
  ShiftTotalsRead,
  XReport,
} from '../../device/driver.ts';
import { TAXATION_TYPES } from '../../fiscal/codes.ts';
import type {
  CorrectionDocument,
  CorrectionInput,
  FiscalDocument,
  ReceiptDocument,
  ReceiptInput,
  SettlementReportDocument,
  ShiftCloseDocument,
  ShiftOpenDocument,
} from '../../fiscal/document.ts';
import { type FieldError, FiscalError } from '../../fiscal/errors.ts';
import {
  beginCloseShift,
  beginCorrection,
  beginOpenShift,
  beginSettlementReport,
  cancelCheck,
  cancelFnDocument,
  cashIn as cashInCommand,
  cashOut as cashOutCommand,
  closeCheckEx,
  confirmDate,
  exchangeStatus,
  FIELD_TYPE,
  fieldInfo,
  findDocument,
  fnStatus,
  fullStatus,
  MODE,
  moneyRegister,
  openShift as openShiftCommand,
  operatingRegister,
  operationV2,
  readTable,
  sendOperationTlv,
  sendTlv,
  setDate,
  setTime,
  settlementReport as settlementReportCommand,
  shiftParameters,
  shortStatus,
  writeTable,
  xReport as xReportCommand,
  zReport,
} from '../protocol/commands/index.ts';
import { DeviceRefusal, SerialLinkError } from '../protocol/errors.ts';
import { FIELD, type FieldValue, fieldBytes, fieldValue, TABLE, VAT22_MODE } from '../protocol/tables.ts';
import { type TaxByteMode, taxRowForRate } from '../protocol/tax-byte.ts';
import { dateOf, instantOfDateTime, timeOf } from '../protocol/time.ts';
import { type SerialLog, traceTo } from '../protocol/trace.ts';
import { DocumentReader } from './document-reader.ts';
import { readStatus, shiftCounters, shiftStateOf } from './driver-status.ts';
import type { HostLinkTimeouts } from './host-link.ts';
import {
  CASH_REGISTERS,
  cashierProperty,
  correctionProperties,
  lineTags,
  paymentSlots,
  receiptLines,
  receiptProperties,
} from './receipt-wire.ts';
import { WireClient } from './wire-client.ts';

export interface ShtrihDriverOptions {
  /** The ККТ's time zone (KKT_TIMEZONE): every date on the wire is its local time. */
  timezone: string;
  /** Sent with every command; default 30 (system administrator). */
  password?: number;
  /** FF46h tax byte encoding; default the vendor OPOS bit mask. */
  taxByte?: TaxByteMode;
  /**
   * The device's ОФД exchange, when it runs in this process (kkt-emu's own device behind a pty
   * pair): `confirmDelivered` hands the ОФД's acceptance to it. A real ККТ delivers its
   * documents itself, and the driver then only reports what the device says it has delivered.
   */
  ofdExchange?: ((numbers: readonly number[]) => Promise<ConfirmResult>) | undefined;
  timeouts?: Partial<HostLinkTimeouts>;
  /** Overrides the per-command answer timeouts (tests). */
  answerTimeoutMs?: number;
  maxAttempts?: number;
  /** KKT_SERIAL_TRACE: frames in hex with command names. */
  log?: SerialLog;
  /** Names the port in errors and trace lines. */
  label?: string;
  /** Runs after the driver has let go of the stream, e.g. to close the serial port. */
  onClose?: () => Promise<void>;
}

/** How long close() waits for the operation on the wire to finish. */
const CLOSE_WAIT_MS = 5000;

/**
 * The Shtrih-M driver: KktDriver over the wire protocol, for a real ККТ on a serial port or the
 * emulated one behind the device front. One operation at a time (a receipt is several commands
 * and the device has one receipt buffer and one document read cursor), one command on the wire
 * at a time.
 *
 * - receipts: FF46h per line, FF0Ch properties, 10h to check every line arrived, FF45h, then
 *   the document read back (FF3Ah/FF3Bh), so the caller gets the ФН's own record; corrections
 *   the same after FF35h and FF0Ch 1173/1174 (the FFD 1.2 flow);
 * - cash: 50h/51h, the balance from register 241; form 21: FF37h (+ FF0Ch cashier), FF38h;
 * - shifts: FF41h (+ FF0Ch cashier) + E0h; (FF42h + FF0Ch cashier +) 41h; the report read back;
 * - status, X report: see driver-status.ts;
 * - findReceipt and unconfirmedDocuments read documents back (FF39h gives the first document
 *   the ОФД has not confirmed, FF0Ah each document's ОФД flag); the ККТ talks to its ОФД
 *   itself, so confirmDelivered reports the device's view (see there);
 * - settings tables (1Fh/1Eh with 2Eh for the field's type), registers (1Ah/1Bh) and the
 *   clock (22h, 23h, 21h) have helpers of their own.
 */
export class ShtrihDriver implements KktDriver {
  readonly kind = 'shtrih' as const;
  private readonly wire: WireClient;
  private readonly reader: DocumentReader;
  private operations: Promise<unknown> = Promise.resolve();
  private waiting = 0;
  private closed = false;
  /** Set when a receipt may have been left open on the device (start-up, a failure mid-receipt). */
  private checkMayBeOpen = true;
  /** Table 17 field 71 as last read (null: not read yet; undefined: the firmware has no such field). */
  private vat22: number | undefined | null = null;

  constructor(
    stream: Duplex,
    private readonly options: ShtrihDriverOptions,
  ) {
    const label = options.label ?? 'shtrih';
    this.wire = new WireClient(stream, {
      label,
      ...(options.password !== undefined ? { password: options.password } : {}),
      ...(options.timeouts ? { timeouts: options.timeouts } : {}),
      ...(options.answerTimeoutMs !== undefined ? { answerTimeoutMs: options.answerTimeoutMs } : {}),
      ...(options.maxAttempts !== undefined ? { maxAttempts: options.maxAttempts } : {}),
      ...(options.log ? { trace: traceTo(options.log, label) } : {}),
    });
    this.reader = new DocumentReader(this.wire, options.timezone);
  }

  private get pw(): { password: number } {
    return { password: this.wire.password };
  }

  /** Runs `fn` after every earlier operation. */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new SerialLinkError('closed', 'the driver is closed'));
    this.waiting++;
    const run = this.operations.then(async () => {
      this.waiting--;
      return fn();
    });
    this.operations = run.catch(() => undefined);
    return run;
  }

  private async cancelQuietly(): Promise<void> {
    try {
      await this.wire.call(cancelCheck, this.pw);
    } catch {
      // No receipt open (55h) or no link: either way there is nothing more to do here.
    }
  }

  /** A receipt left open by an earlier failure would swallow the next receipt's lines. */
  private async closeStaleCheck(): Promise<void> {
    if (!this.checkMayBeOpen) return;
    const s = await this.wire.call(shortStatus, this.pw);
    if ((s.mode & 0x0f) === MODE.openDocument) await this.wire.call(cancelCheck, this.pw);
    this.checkMayBeOpen = false;
  }

  private async lastDocumentNumber(): Promise<number> {
    const s = await this.wire.call(fnStatus, this.pw);
    this.reader.noteFn(s.fnNumber);
    return s.lastDocumentNumber;
  }

  /** Table 17 field 71, read once per shift: how the ККТ takes 22 %. */
  private async vat22Mode(): Promise<number | undefined> {
    if (this.vat22 === null) {
      try {
        this.vat22 = Number(await this.settingOnWire(TABLE.regional, 1, FIELD.vat22Mode));
      } catch (e) {
        // Firmware before 2026 has fewer fields in table 17: it refuses the read.
        if (!(e instanceof DeviceRefusal)) throw e;
        this.vat22 = undefined;
      }
    }
    return this.vat22;
  }

  /**
   * Table 6 rows for the receipt's lines, or a VALIDATION_FAILED naming every rate the driver
   * cannot send: it sends only encodings a public source gives (protocol/tax-byte.ts).
   */
  private async taxRows(receipt: ReceiptInput): Promise<number[]> {
    const mode = await this.vat22Mode();
    const year = mode === VAT22_MODE.substitute ? (await this.wire.call(fullStatus, this.pw)).date.year : 0;
    const rows: number[] = [];
    const errors: FieldError[] = [];
    for (const [i, it] of receipt.items.entries()) {
      const r = taxRowForRate(it.vatRate, mode, year);
      if ('row' in r) rows.push(r.row);
      else errors.push({ path: `/items/${i}/vat_rate`, message: r.refused });
    }
    if (errors.length > 0)
      throw new FiscalError(
        'VALIDATION_FAILED',
        `the Shtrih-M driver cannot send ${[...new Set(errors.map((e) => e.message))].join('; ')}`,
        errors,
      );
    return rows;
  }

  printReceipt(receipt: ReceiptInput): Promise<ReceiptDocument> {
    return this.exclusive(() => this.settle(receipt, 'receipt'));
  }

  /**
   * A correction receipt as FFD 1.2 forms it: FF35h, FF0Ch 1173 and 1174, then the lines and the
   * close of a receipt (research notes §6.3; the vendor driver's own flow is FNOpenCheckCorrection,
   * FNSendTag 1173/1178/1179, FNOperation, FNCloseCheckEx).
   */
  printCorrection(correction: CorrectionInput): Promise<CorrectionDocument> {
    return this.exclusive(() => this.settle(correction, 'correction'));
  }

  private async settle<K extends 'receipt' | 'correction'>(
    receipt: K extends 'correction' ? CorrectionInput : ReceiptInput,
    kind: K,
  ): Promise<Extract<FiscalDocument, { kind: K }>> {
    await this.closeStaleCheck();
    const rows = await this.taxRows(receipt);
    this.checkMayBeOpen = true;
    try {
      if (kind === 'correction') {
        await this.wire.call(beginCorrection, this.pw);
        for (const tlv of correctionProperties((receipt as CorrectionInput).correction))
          await this.wire.call(sendTlv, { ...this.pw, tlv });
      }
      const tags = lineTags(receipt);
      for (const [i, line] of receiptLines(receipt, this.wire.password, rows, this.options.taxByte).entries()) {
        await this.wire.call(operationV2, line);
        const tlv = tags[i];
        if (tlv) await this.wire.call(sendOperationTlv, { ...this.pw, tlv });
      }
      for (const tlv of receiptProperties(receipt)) await this.wire.call(sendTlv, { ...this.pw, tlv });
      // Every line must be in the device's receipt before it is closed: print exactly what was asked.
      const s = await this.wire.call(shortStatus, this.pw);
      if ((s.mode & 0x0f) !== MODE.openDocument || s.receiptOperations !== receipt.items.length)
        throw new SerialLinkError(
          'protocol',
          `the ККТ holds ${s.receiptOperations} of ${receipt.items.length} receipt lines; the receipt was cancelled`,
        );
    } catch (e) {
      await this.cancelQuietly();
      // A correction begun (FF35h) but without lines is no receipt for 88h: FF08h drops it.
      if (kind === 'correction') await this.wire.call(cancelFnDocument, this.pw).catch(() => undefined);
      throw e;
    }
    let closed: Awaited<ReturnType<typeof this.closeReceipt>>;
    try {
      closed = await this.closeReceipt(receipt);
    } catch (e) {
      // A refusal leaves the receipt open on the device; a lost answer leaves the outcome to findReceipt.
      if (e instanceof DeviceRefusal) await this.cancelQuietly();
      throw e;
    }
    this.checkMayBeOpen = false;
    const doc = (await this.reader.documentOf(closed.documentNumber, kind)) as ReceiptDocument | CorrectionDocument;
    if (Number(doc.fiscalSign) !== closed.fiscalSign)
      throw new SerialLinkError('protocol', `document ${doc.number}: the fiscal sign read back differs from FF45h's`);
    // A real ФН keeps only the cash that stayed (1031); FF45h told us the change.
    if (doc.change === 0 && closed.change > 0) {
      const full = {
        ...doc,
        change: closed.change,
        payments: { ...doc.payments, cash: doc.payments.cash + closed.change },
      };
      this.reader.remember(full);
      return full as Extract<FiscalDocument, { kind: K }>;
    }
    return doc as Extract<FiscalDocument, { kind: K }>;
  }

  cashIn(request: CashRequest): Promise<CashMovement> {
    return this.exclusive(() => this.moveCash('in', request));
  }

  cashOut(request: CashRequest): Promise<CashMovement> {
    return this.exclusive(() => this.moveCash('out', request));
  }

  /**
   * 50h/51h. The balance after is register 241, the time the device's clock (11h). A lost
   * answer is settled from the shift's count of cash-ins or cash-outs (1Bh 153/154): one more
   * than before means the device moved the cash.
   */
  private async moveCash(kind: 'in' | 'out', request: CashRequest): Promise<CashMovement> {
    await this.closeStaleCheck();
    const counter = kind === 'in' ? CASH_REGISTERS.cashIns : CASH_REGISTERS.cashOuts;
    const count = async () => (await this.wire.call(operatingRegister, { ...this.pw, register: counter })).value;
    const before = await count();
    try {
      await this.wire.call(kind === 'in' ? cashInCommand : cashOutCommand, { ...this.pw, sum: request.amount });
    } catch (e) {
      if (!(e instanceof SerialLinkError)) throw e;
      const after = await count().catch(() => undefined);
      if (after !== ((before + 1) & 0xffff)) throw e;
    }
    const balance = (await this.wire.call(moneyRegister, { ...this.pw, register: CASH_REGISTERS.drawer })).value;
    const full = await this.wire.call(fullStatus, this.pw);
    const movement: CashMovement = {
      kind,
      amount: request.amount,
      balance,
      at: instantOfDateTime(full.date, full.time, this.options.timezone),
    };
    if (request.cashier !== undefined) movement.cashier = request.cashier;
    if (request.requestId !== undefined) movement.requestId = request.requestId;
    return movement;
  }

  /** Form 21: FF37h, FF0Ch 1021 with a cashier, FF38h; the report read back. */
  settlementReport(options: { cashier?: string } = {}): Promise<SettlementReportDocument> {
    return this.exclusive(async () => {
      await this.closeStaleCheck();
      await this.wire.call(beginSettlementReport, this.pw);
      if (options.cashier !== undefined)
        await this.wire.call(sendTlv, { ...this.pw, tlv: cashierProperty(options.cashier) });
      const answer = await this.wire.call(settlementReportCommand, this.pw);
      const doc = await this.reader.documentOf(answer.documentNumber, 'settlementReport');
      if (Number(doc.fiscalSign) !== answer.fiscalSign)
        throw new SerialLinkError('protocol', `document ${doc.number}: the fiscal sign read back differs from FF38h's`);
      return doc;
    });
  }

  private closeReceipt(receipt: ReceiptInput) {
    return this.wire.call(closeCheckEx, {
      ...this.pw,
      payments: paymentSlots(receipt),
      rounding: 0,
      taxes: [0, 0, 0, 0, 0, 0],
      taxSystem: TAXATION_TYPES[receipt.taxation],
      text: '',
    });
  }

  openShift(options: { cashier?: string } = {}): Promise<ShiftOpenDocument> {
    return this.exclusive(async () => {
      await this.closeStaleCheck();
      this.vat22 = null;
      await this.wire.call(beginOpenShift, this.pw);
      if (options.cashier !== undefined)
        await this.wire.call(sendTlv, { ...this.pw, tlv: cashierProperty(options.cashier) });
      await this.wire.call(openShiftCommand, this.pw);
      return this.reader.documentOf(await this.lastDocumentNumber(), 'shiftOpen');
    });
  }

  closeShift(options: { cashier?: string } = {}): Promise<ShiftCloseDocument> {
    return this.exclusive(async () => {
      await this.closeStaleCheck();
      if (options.cashier !== undefined) {
        await this.wire.call(beginCloseShift, this.pw);
        await this.wire.call(sendTlv, { ...this.pw, tlv: cashierProperty(options.cashier) });
      }
      await this.wire.call(zReport, this.pw);
      return this.reader.documentOf(await this.lastDocumentNumber(), 'shiftClose');
    });
  }

  xReport(): Promise<XReport> {
    return this.exclusive(async () => {
      await this.closeStaleCheck();
      await this.wire.call(xReportCommand, this.pw);
      return this.readShiftTotals();
    });
  }

  /** The same reads as after an X report (status, FF40h, FF39h, the shift's documents), nothing printed. */
  shiftTotals(): Promise<ShiftTotalsRead> {
    return this.exclusive(async () => {
      const report = await this.readShiftTotals();
      const money = async (register: number) => (await this.wire.call(moneyRegister, { ...this.pw, register })).value;
      const count = async (register: number) =>
        (await this.wire.call(operatingRegister, { ...this.pw, register })).value;
      const R = CASH_REGISTERS;
      const cash = {
        in: { count: await count(R.cashIns), total: await money(R.cashInSum) },
        out: { count: await count(R.cashOuts), total: await money(R.cashOutSum) },
      };
      return { ...report, cash };
    });
  }

  private async readShiftTotals(): Promise<XReport> {
    const full = await this.wire.call(fullStatus, this.pw);
    const at = instantOfDateTime(full.date, full.time, this.options.timezone);
    const last = await this.lastDocumentNumber();
    const shift = await this.wire.call(shiftParameters, this.pw);
    const exchange = await this.wire.call(exchangeStatus, this.pw);
    const counters = await shiftCounters(this.reader, shift, last);
    return {
      at,
      shiftNumber: shift.shiftNumber,
      shiftState: shiftStateOf(shift.shiftOpen, counters.openedAt, at),
      receiptsInShift: shift.receiptNumber,
      documentsInShift: counters.documents,
      totals: counters.totals,
      lastDocNumber: last,
      unsentCount: exchange.messageCount,
    };
  }

  status(): Promise<DeviceStatus> {
    return this.exclusive(() => readStatus(this.wire, this.reader, this.options.timezone, this.waiting));
  }

  getDocument(number: number): Promise<FiscalDocument | undefined> {
    if (!Number.isSafeInteger(number) || number < 1 || number > 0xffff_ffff) return Promise.resolve(undefined);
    return this.exclusive(async () => {
      await this.reader.checkFn();
      return this.reader.document(number);
    });
  }

  findReceipt(requestId: string, afterNumber: number): Promise<ReceiptDocument | CorrectionDocument | undefined> {
    return this.exclusive(async () => {
      const last = await this.lastDocumentNumber();
      // Newest first: an interrupted receipt is almost always the last document.
      for (let n = last; n > Math.max(0, afterNumber); n--) {
        const doc = await this.reader.document(n);
        if ((doc?.kind === 'receipt' || doc?.kind === 'correction') && doc.requestId === requestId) return doc;
      }
      return undefined;
    });
  }

  /**
   * The Shtrih-M protocol keeps no id with a cash movement, so the device cannot say which
   * request made one: nothing is found. (A lost 50h/51h answer is settled in moveCash instead.)
   */
  async findCashMovement(_requestId: string): Promise<CashMovement | undefined> {
    return undefined;
  }

  documents(fromNumber: number, limit: number): Promise<FiscalDocument[]> {
    return this.exclusive(async () => {
      await this.reader.checkFn();
      const last = await this.lastDocumentNumber();
      const out: FiscalDocument[] = [];
      for (let n = Math.max(1, fromNumber); n <= last && out.length < limit; n++) {
        const doc = await this.reader.document(n);
        if (doc) out.push(doc);
      }
      return out;
    });
  }

  unconfirmedDocuments(fromNumber: number, limit: number): Promise<FiscalDocument[]> {
    return this.exclusive(async () => {
      const last = await this.lastDocumentNumber();
      const exchange = await this.wire.call(exchangeStatus, this.pw);
      const out: FiscalDocument[] = [];
      if (exchange.firstDocumentNumber === 0) return out;
      for (let n = Math.max(fromNumber, exchange.firstDocumentNumber); n <= last && out.length < limit; n++) {
        const found = await this.wire.call(findDocument, { ...this.pw, number: n });
        if (found.ofdReceived) continue;
        const doc = await this.reader.document(n);
        if (doc) out.push(doc);
      }
      return out;
    });
  }

  /**
   * The ОФД accepted these documents. A ККТ delivers its documents to its ОФД itself; the
   * protocol has no command to tell it about another delivery. So, unless the device's ОФД
   * exchange runs in this process (`ofdExchange`: kkt-emu's own device), the answer is the
   * device's view: numbers before FF39h's first unconfirmed document, or whose FF0Ah ОФД flag
   * is set, are already confirmed; the rest (and numbers the ФН does not have) are unknown.
   */
  confirmDelivered(numbers: readonly number[]): Promise<ConfirmResult> {
    const exchange = this.options.ofdExchange;
    if (exchange) return this.exclusive(() => exchange(numbers));
    return this.exclusive(async () => {
      const sorted = [...new Set(numbers)].sort((a, b) => a - b);
      const result: ConfirmResult = { confirmed: [], alreadyConfirmed: [], unknown: [] };
      const last = await this.lastDocumentNumber();
      const first = (await this.wire.call(exchangeStatus, this.pw)).firstDocumentNumber;
      for (const n of sorted) {
        if (!Number.isSafeInteger(n) || n < 1 || n > last) result.unknown.push(n);
        else if (first === 0 || n < first) result.alreadyConfirmed.push(n);
        else if ((await this.wire.call(findDocument, { ...this.pw, number: n })).ofdReceived)
          result.alreadyConfirmed.push(n);
        else result.unknown.push(n);
      }
      return result;
    });
  }

  /** 1Fh: a settings table value, typed by 2Eh (as javapos reads tables). */
  readSetting(table: number, row: number, field: number): Promise<FieldValue> {
    return this.exclusive(() => this.settingOnWire(table, row, field));
  }

  private async settingOnWire(table: number, row: number, field: number): Promise<FieldValue> {
    const info = await this.wire.call(fieldInfo, { ...this.pw, table, field });
    const { value } = await this.wire.call(readTable, { ...this.pw, table, row, field });
    return fieldValue(info, value);
  }

  /** 1Eh: writes a settings table value at the field's size and type (2Eh). */
  writeSetting(table: number, row: number, field: number, value: FieldValue): Promise<void> {
    return this.exclusive(async () => {
      const info = await this.wire.call(fieldInfo, { ...this.pw, table, field });
      if ((info.type === FIELD_TYPE.bin) !== (typeof value === 'number'))
        throw new FiscalError(
          'VALIDATION_FAILED',
          `table ${table} field ${field} is ${info.type === FIELD_TYPE.bin ? 'a number' : 'text'}`,
        );
      await this.wire.call(writeTable, { ...this.pw, table, row, field, value: fieldBytes(info, value) });
      if (table === TABLE.regional) this.vat22 = null;
    });
  }

  /** 1Ah money register (kopecks) or 1Bh operating register. */
  readRegister(kind: 'money' | 'operating', register: number): Promise<number> {
    return this.exclusive(async () => {
      const codec = kind === 'money' ? moneyRegister : operatingRegister;
      return (await this.wire.call(codec, { ...this.pw, register })).value;
    });
  }

  /** Sets the ККТ's clock as javapos does after a reset: 22h, 23h (the same date), 21h. */
  setDateTime(instant: number): Promise<void> {
    return this.exclusive(async () => {
      const date = dateOf(instant, this.options.timezone);
      await this.wire.call(setDate, { ...this.pw, date });
      await this.wire.call(confirmDate, { ...this.pw, date });
      await this.wire.call(setTime, { ...this.pw, time: timeOf(instant, this.options.timezone) });
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.operations,
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, CLOSE_WAIT_MS);
      }),
    ]);
    clearTimeout(timer);
    this.wire.detach();
    await this.options.onClose?.();
  }
}
