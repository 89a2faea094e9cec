import type { Duplex } from 'node:stream';
import type { CashMovement, ConfirmResult, DeviceStatus, KktDriver, XReport } from '../../device/driver.ts';
import { TAXATION_TYPES } from '../../fiscal/codes.ts';
import type {
  CorrectionDocument,
  FiscalDocument,
  ReceiptDocument,
  ReceiptInput,
  SettlementReportDocument,
  ShiftCloseDocument,
  ShiftOpenDocument,
} from '../../fiscal/document.ts';
import { FiscalError } from '../../fiscal/errors.ts';
import {
  beginCloseShift,
  beginOpenShift,
  CONFIRM_RESULT,
  cancelCheck,
  closeCheckEx,
  confirmDelivered as confirmCommand,
  exchangeStatus,
  findDocument,
  fnStatus,
  fullStatus,
  MAX_CONFIRM_NUMBERS,
  MODE,
  openShift as openShiftCommand,
  operationV2,
  sendTlv,
  shiftParameters,
  shortStatus,
  xReport as xReportCommand,
  zReport,
} from '../protocol/commands/index.ts';
import { DeviceRefusal, E, SerialLinkError } from '../protocol/errors.ts';
import type { TaxByteMode } from '../protocol/tax-byte.ts';
import { instantOfDateTime } from '../protocol/time.ts';
import { type SerialLog, traceTo } from '../protocol/trace.ts';
import { DocumentReader } from './document-reader.ts';
import { readStatus, shiftCounters, shiftStateOf } from './driver-status.ts';
import type { HostLinkTimeouts } from './host-link.ts';
import { cashierProperty, paymentSlots, receiptLines, receiptProperties } from './receipt-wire.ts';
import { WireClient } from './wire-client.ts';

export interface ShtrihDriverOptions {
  /** The ККТ's time zone (KKT_TIMEZONE): every date on the wire is its local time. */
  timezone: string;
  /** Sent with every command; default 30 (system administrator). */
  password?: number;
  /** FF46h tax byte encoding; default the vendor OPOS bit mask. */
  taxByte?: TaxByteMode;
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
 *   the document read back (FF3Ah/FF3Bh), so the caller gets the ФН's own record;
 * - shifts: FF41h (+ FF0Ch cashier) + E0h; (FF42h + FF0Ch cashier +) 41h; the report read back;
 * - status, X report: see driver-status.ts;
 * - findReceipt and unconfirmedDocuments read documents back (FF0Ah tells what the ОФД has);
 *   ОФД confirmations use kkt-emu's FFF1h, which a real ККТ does not know: it talks to its
 *   ОФД itself, and every number then comes back as unknown.
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

  printReceipt(receipt: ReceiptInput): Promise<ReceiptDocument> {
    return this.exclusive(async () => {
      await this.closeStaleCheck();
      this.checkMayBeOpen = true;
      try {
        for (const line of receiptLines(receipt, this.wire.password, this.options.taxByte))
          await this.wire.call(operationV2, line);
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
      const doc = await this.reader.documentOf(closed.documentNumber, 'receipt');
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
        return full;
      }
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
    });
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
        if (doc?.kind === 'receipt' && doc.requestId === requestId) return doc;
      }
      return undefined;
    });
  }

  /**
   * Not yet sent over the Shtrih-M wire (corrections FF35h/FF4Ah, cash 50h/51h, form 21 FF38h come
   * with the Shtrih-M fidelity work): refused before anything reaches the device.
   */
  printCorrection(): Promise<CorrectionDocument> {
    return notYet('correction receipts');
  }

  cashIn(): Promise<CashMovement> {
    return notYet('cash in');
  }

  cashOut(): Promise<CashMovement> {
    return notYet('cash out');
  }

  settlementReport(): Promise<SettlementReportDocument> {
    return notYet('the settlement report (form 21)');
  }

  /** Nothing reaches the device for cash, so there is never a movement to find. */
  async findCashMovement(): Promise<CashMovement | undefined> {
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

  confirmDelivered(numbers: readonly number[]): Promise<ConfirmResult> {
    return this.exclusive(async () => {
      const sorted = [...new Set(numbers)].sort((a, b) => a - b);
      const valid = sorted.filter((n) => Number.isSafeInteger(n) && n >= 1 && n <= 0xffff_ffff);
      const outcome = new Map<number, number>();
      try {
        for (let i = 0; i < valid.length; i += MAX_CONFIRM_NUMBERS) {
          const chunk = valid.slice(i, i + MAX_CONFIRM_NUMBERS);
          const { results } = await this.wire.call(confirmCommand, { ...this.pw, numbers: chunk });
          for (const [j, n] of chunk.entries()) outcome.set(n, results[j] ?? CONFIRM_RESULT.unknown);
        }
      } catch (e) {
        if (!(e instanceof DeviceRefusal && (e.wireCode === E.notSupported || e.wireCode === E.badFormat))) throw e;
      }
      const result: ConfirmResult = { confirmed: [], alreadyConfirmed: [], unknown: [] };
      for (const n of sorted) {
        const r = outcome.get(n);
        if (r === CONFIRM_RESULT.confirmed) result.confirmed.push(n);
        else if (r === CONFIRM_RESULT.alreadyConfirmed) result.alreadyConfirmed.push(n);
        else result.unknown.push(n);
      }
      return result;
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

function notYet<T>(what: string): Promise<T> {
  return Promise.reject(
    new FiscalError('NOT_SUPPORTED', `the Shtrih-M driver does not send ${what} yet; nothing was sent to the ККТ`),
  );
}
