import { randomUUID } from 'node:crypto';
import type {
  CashMovement,
  CashRequest,
  ConfirmResult,
  DeviceControls,
  DeviceFaults,
  DeviceStatus,
  KktDriver,
  ShiftTotalsRead,
  XReport,
} from '../../device/driver.ts';
import type { Operation, TaxationType } from '../../fiscal/codes.ts';
import { emptyCounters } from '../../fiscal/counters.ts';
import type {
  CorrectionDocument,
  CorrectionInput,
  FiscalDocument,
  FnWarnings,
  OperationTotals,
  ReceiptDocument,
  ReceiptInput,
  SettlementReportDocument,
  ShiftCloseDocument,
  ShiftOpenDocument,
  ShiftTotals,
} from '../../fiscal/document.ts';
import { FiscalError, type FiscalErrorCode } from '../../fiscal/errors.ts';
import type { VatRate } from '../../fiscal/vat.ts';
import type { AtolHttp } from '../../io/http/atol-http.ts';
import type { AtolJournal } from '../../io/sqlite/atol-journal.ts';
import type { FiscalParams } from '../protocol/results.ts';
import { correctionTask, receiptTask, taxationFromAtol } from '../protocol/tasks.ts';
import type { TaskResult } from '../protocol/wire.ts';

export interface AtolDriverOptions {
  http: AtolHttp;
  journal: AtolJournal;
  /** The ККТ's time zone (documents carry their own offset; this names it in the status). */
  timezone: string;
  /** Between polls of a request's result; default 10 ms, growing to 200 ms. */
  pollMs?: number;
  /** How long a request may take before its outcome counts as unknown; default 60 s. */
  timeoutMs?: number;
  onClose?: () => void | Promise<void>;
}

/** A request whose outcome this driver could not learn (link lost, timeout): unknown, not refused. */
class AtolUnavailable extends Error {
  override readonly name = 'AtolUnavailable';
}

const FINAL = new Set(['ready', 'error', 'interrupted', 'canceled']);
const SHIFT_MS = 24 * 60 * 60 * 1000;

/** The driver's error codes as the domain's refusals; anything else leaves the outcome to the archive. */
const REFUSALS: Record<number, FiscalErrorCode> = {
  73: 'SHIFT_CLOSED',
  83: 'SHIFT_ALREADY_OPEN',
  68: 'SHIFT_EXPIRED',
  141: 'SHIFT_EXPIRED',
  44: 'PAPER_OUT',
  45: 'COVER_OPEN',
  121: 'FN_FULL',
  137: 'FN_FULL',
  120: 'FN_EXPIRED',
  140: 'OFD_TIMEOUT',
  80: 'INSUFFICIENT_CASH',
  36: 'CLOCK_BEHIND_LAST_DOCUMENT',
  8: 'VALIDATION_FAILED',
  13: 'VALIDATION_FAILED',
  16: 'VALIDATION_FAILED',
  17: 'VALIDATION_FAILED',
  52: 'VALIDATION_FAILED',
  60: 'VALIDATION_FAILED',
  66: 'VALIDATION_FAILED',
  143: 'VALIDATION_FAILED',
  144: 'VALIDATION_FAILED',
  501: 'VALIDATION_FAILED',
};

// biome-ignore lint/suspicious/noExplicitAny: results are ATOL JSON read field by field
type Json = any;

const kopecks = (rubles: unknown) => Math.round(Number(rubles ?? 0) * 100);
const instant = (iso: unknown): number | null => {
  if (typeof iso !== 'string' || iso === '') return null;
  const t = Date.parse(iso);
  return Number.isFinite(t) ? t : null;
};

function totalsOf(entry: Json): OperationTotals {
  const p = entry?.payments ?? {};
  return {
    count: Number(entry?.count ?? 0),
    total: kopecks(entry?.sum),
    payments: {
      cash: kopecks(p.cash),
      card: kopecks(p.electronically),
      prepaid: kopecks(p.prepaid),
      credit: kopecks(p.credit),
      other: kopecks(p.other),
    },
  };
}

function shiftTotalsOf(result: Json): ShiftTotals {
  const r = result?.shiftTotals?.receiptsTotals ?? {};
  const totals: Record<Operation, OperationTotals> = {
    sale: totalsOf(r.sell),
    refund: totalsOf(r.sellReturn),
    purchase: totalsOf(r.buy),
    purchase_refund: totalsOf(r.buyReturn),
  };
  return totals;
}

/** The journal's record of a cash movement sent under a uuid (the input before, the movement after). */
interface CashIntent {
  cash: 'in' | 'out';
  amount: number;
  cashier?: string;
}

/**
 * A KktDriver over an ATOL "Web Requests" server (`KKT_DRIVER_TYPE=atol`, `KKT_ATOL_URL`): each
 * operation is a request with a fresh uuid, POSTed and polled until every task is final, as a
 * POS does. A receipt's uuid is the adapter's request id, and its input is in the driver's
 * journal before the POST, so after a crash `findReceipt` learns the outcome from the server's
 * stored result (a blocked request is waited for: the server settles it from its ФН).
 */
export class AtolDriver implements KktDriver {
  readonly kind = 'atol' as const;
  private userInn: string | undefined;
  /** The drawer as last read (queryShiftTotals) or moved through this driver. */
  private cashBalance = 0;
  /** 1048 and 1009 as getRegistrationInfo names them (printed on receipts and corrections). */
  private user: { userName?: string; address?: string } = {};
  private closed = false;

  constructor(private readonly o: AtolDriverOptions) {}

  async printReceipt(receipt: ReceiptInput): Promise<ReceiptDocument> {
    const uuid = receipt.requestId ?? randomUUID();
    this.o.journal.put(uuid, receipt);
    const [result] = await this.run(uuid, [receiptTask(receipt)]);
    return (await this.receiptDocument(uuid, receipt, this.check(result))) as ReceiptDocument;
  }

  async openShift(options: { cashier?: string } = {}): Promise<ShiftOpenDocument> {
    const [r] = await this.run(randomUUID(), [{ type: 'openShift', ...operator(options) }]);
    const p = this.fiscalParams(this.check(r));
    const doc: ShiftOpenDocument = { kind: 'shiftOpen', ...(await this.header(p)), shiftNumber: p.shiftNumber };
    if (options.cashier !== undefined) doc.cashier = options.cashier;
    this.o.journal.complete(`doc:${doc.fnNumber}:${doc.number}`, {}, doc.number, doc);
    return doc;
  }

  async closeShift(options: { cashier?: string } = {}): Promise<ShiftCloseDocument> {
    const [totals, close, exchange] = await this.run(randomUUID(), [
      { type: 'getShiftTotals' },
      { type: 'closeShift', ...operator(options) },
      { type: 'ofdExchangeStatus' },
    ]);
    this.check(totals);
    const p = this.fiscalParams(this.check(close));
    const status = exchange?.status === 'ready' ? (exchange.result as Json)?.status : undefined;
    const receiptsCount = Number(p.receiptsCount ?? 0);
    const doc: ShiftCloseDocument = {
      kind: 'shiftClose',
      ...(await this.header(p)),
      shiftNumber: p.shiftNumber,
      receiptsCount,
      // The open report, the receipts and this report (the ATOL result does not carry it).
      documentsCount: receiptsCount + 2,
      totals: shiftTotalsOf(totals?.result),
      unsentCount: Number(status?.notSentCount ?? 0),
      firstUnsentNumber: Number(status?.notSentFirstDocNumber ?? 0) || null,
      firstUnsentAt: instant(status?.notSentFirstDocDateTime),
    };
    if (options.cashier !== undefined) doc.cashier = options.cashier;
    this.o.journal.complete(`doc:${doc.fnNumber}:${doc.number}`, {}, doc.number, doc);
    return doc;
  }

  async xReport(): Promise<XReport> {
    return (await this.counters(true)).report;
  }

  /** `getShiftTotals` and the status tasks, without `reportX`: nothing printed. */
  async shiftTotals(): Promise<ShiftTotalsRead> {
    const { report, totals } = await this.counters(false);
    // `ShiftTotals.incomeTotals` / `outcomeTotals`: "Итоги по внесениям" / "Итоги по выплатам".
    const flow = (t: Json) => ({ count: Number(t?.count ?? 0), total: kopecks(t?.sum) });
    return {
      ...report,
      cash: { in: flow(totals.shiftTotals?.incomeTotals), out: flow(totals.shiftTotals?.outcomeTotals) },
    };
  }

  private async counters(print: boolean): Promise<{ report: XReport; totals: Json }> {
    const results = await this.run(randomUUID(), [
      { type: 'getShiftTotals' },
      { type: 'getDeviceStatus' },
      { type: 'getShiftStatus' },
      { type: 'getFnStatus' },
      { type: 'ofdExchangeStatus' },
      ...(print ? [{ type: 'reportX' }] : []),
    ]);
    const [totals, device, shift, fn, exchange] = results.map((r) => this.check(r)) as Json[];
    const state = shift.shiftStatus.state;
    const receipts = Number(fn.fnStatus.fiscalReceiptNumber ?? 0);
    const report: XReport = {
      at: instant(device.deviceStatus.currentDateTime) ?? Date.now(),
      shiftNumber: Number(shift.shiftStatus.number),
      shiftState: state,
      receiptsInShift: receipts,
      documentsInShift: state === 'closed' ? 0 : receipts + 1,
      totals: shiftTotalsOf(totals),
      lastDocNumber: Number(fn.fnStatus.fiscalDocumentNumber),
      unsentCount: Number(exchange.status?.notSentCount ?? 0),
    };
    return { report, totals };
  }

  /** From the synchronous `/operations` calls: nothing queued, nothing stored on the server. */
  async status(): Promise<DeviceStatus> {
    const [device, shift, fn, fnInfo, exchange, info, totals] = await Promise.all(
      [
        'queryDeviceStatus',
        'queryShiftStatus',
        'queryFnStatus',
        'queryFnInfo',
        'queryOfdExchangeStatus',
        'queryDeviceInfo',
        'queryShiftTotals',
      ].map((op) => this.operation(op)),
    );
    // The drawer (spec `CashDrawerTotals.sum`: "Сумма в денежном ящике"): a read of the
    // register's counters, which prints nothing, so it needs no paper.
    this.cashBalance = kopecks(totals.shiftTotals?.cashDrawerTotals?.sum);
    const registration = await this.registration();
    const d = device.deviceStatus;
    const warnings = fnInfo.fnInfo.warnings ?? {};
    const blockedReason = d.blocked
      ? warnings.ofdTimeout
        ? 'ofdTimeout'
        : fnInfo.fnInfo.livePhase === 'postFiscalMode'
          ? 'fnExpired'
          : 'fnFull'
      : null;
    const faults: DeviceFaults = { paperOut: !d.paperPresent, coverOpen: Boolean(d.coverOpened) };
    const deadline = instant(shift.shiftStatus.expiredAt);
    const lastDoc = Number(fn.fnStatus.fiscalDocumentNumber);
    const ex = exchange.ofdExchangeStatus;
    return {
      state: blockedReason ? 'blocked' : faults.paperOut || faults.coverOpen ? 'fault' : 'ready',
      blockedReason,
      faults,
      queued: 0,
      now: instant(d.currentDateTime) ?? Date.now(),
      timezone: this.o.timezone,
      kkt: {
        regNumber: registration.device.registrationNumber,
        serial: info.deviceInfo.serial,
        userInn: registration.organization.vatin,
        userName: registration.organization.name,
        address: registration.organization.address,
        place: null,
        // 1062 as getRegistrationInfo names it: the Fiscalizer then refuses an unregistered 1055 itself.
        taxationTypes: ((registration.organization.taxationTypes ?? []) as unknown[])
          .map(taxationFromAtol)
          .filter((t): t is TaxationType => t !== undefined),
      },
      cashBalance: this.cashBalance,
      shift: {
        state: shift.shiftStatus.state === 'unknown' ? 'closed' : shift.shiftStatus.state,
        number: Number(shift.shiftStatus.number),
        openedAt: deadline === null ? null : deadline - SHIFT_MS,
        receipts: Number(fn.fnStatus.fiscalReceiptNumber ?? 0),
        deadline,
      },
      fn: {
        number: fnInfo.fnInfo.serial,
        lastFiscalDocNumber: lastDoc,
        unsentCount: Number(ex.notSentCount ?? 0),
        firstUnsentNumber: Number(ex.notSentFirstDocNumber ?? 0) || null,
        oldestUnsentAt: instant(ex.notSentFirstDocDateTime),
        validUntil: instant(fnInfo.fnInfo.validity?.validityDate) ?? 0,
        // ATOL reports no capacity, only that the memory is nearly full.
        capacity: warnings.memoryOverflow ? lastDoc : Math.max(250_000, lastDoc * 2),
      },
    };
  }

  /** A correction receipt as a `sellCorrection`-family task; exactly once like a receipt (uuid = request id). */
  async printCorrection(correction: CorrectionInput): Promise<CorrectionDocument> {
    const uuid = correction.requestId ?? randomUUID();
    this.o.journal.put(uuid, correction);
    const [result] = await this.run(uuid, [correctionTask(correction)]);
    return (await this.receiptDocument(uuid, correction, this.check(result))) as CorrectionDocument;
  }

  cashIn(request: CashRequest): Promise<CashMovement> {
    return this.cash('in', request);
  }

  cashOut(request: CashRequest): Promise<CashMovement> {
    return this.cash('out', request);
  }

  /**
   * `cashIn` / `cashOut` under the request id as uuid, with `getDeviceStatus` in the same request
   * for the time (the result carries only the drawer's balance). The intent is in the journal
   * before the POST, so `findCashMovement` learns a crashed movement's outcome from the server.
   */
  private async cash(kind: 'in' | 'out', request: CashRequest): Promise<CashMovement> {
    const uuid = request.requestId ?? randomUUID();
    const intent: CashIntent = { cash: kind, amount: request.amount };
    if (request.cashier !== undefined) intent.cashier = request.cashier;
    this.o.journal.put(uuid, intent);
    const task = {
      type: kind === 'in' ? 'cashIn' : 'cashOut',
      cashSum: request.amount / 100,
      ...operator(request.cashier !== undefined ? { cashier: request.cashier } : {}),
    };
    const [moved, device] = await this.run(uuid, [task, { type: 'getDeviceStatus' }]);
    return this.movement(uuid, intent, this.check(moved), device);
  }

  /** The movement sent under `requestId`: from the journal, or from the server's stored result. */
  async findCashMovement(requestId: string): Promise<CashMovement | undefined> {
    const entry = this.o.journal.get(requestId);
    if (!entry) return undefined;
    if (entry.document) return entry.document as CashMovement;
    const first = await this.http('GET', `/api/v2/requests/${encodeURIComponent(requestId)}`);
    if (first.status === 404) {
      this.o.journal.remove(requestId);
      return undefined;
    }
    const [moved, device] = await this.poll(requestId);
    if (moved?.status !== 'ready') {
      this.o.journal.remove(requestId);
      return undefined;
    }
    return this.movement(requestId, entry.input as CashIntent, moved.result, device);
  }

  private movement(uuid: string, intent: CashIntent, result: Json, device: TaskResult | undefined): CashMovement {
    const at = device?.status === 'ready' ? instant((device.result as Json)?.deviceStatus?.currentDateTime) : null;
    const movement: CashMovement = {
      kind: intent.cash,
      amount: intent.amount,
      balance: kopecks(result?.counters?.cashSum),
      at: at ?? Date.now(),
      requestId: uuid,
    };
    if (intent.cashier !== undefined) movement.cashier = intent.cashier;
    this.cashBalance = movement.balance;
    this.o.journal.complete(uuid, intent, null, movement);
    return movement;
  }

  /**
   * Form 21 as `reportOfdExchangeStatus`, with `getFnStatus` for the ФН's warnings. Web Requests
   * returns no ФН totals (1157) for it, so the journal's copy carries empty counters.
   */
  async settlementReport(options: { cashier?: string } = {}): Promise<SettlementReportDocument> {
    const [report, fn] = await this.run(randomUUID(), [
      { type: 'reportOfdExchangeStatus', ...operator(options) },
      { type: 'getFnStatus' },
    ]);
    const result = this.check(report);
    const p = this.fiscalParams(result);
    const w = fn?.status === 'ready' ? ((fn.result as Json)?.fnStatus?.warnings ?? {}) : {};
    const warnings: FnWarnings = {
      keysExpiring: false,
      replaceUrgently: Boolean(w.needReplacement),
      memoryAlmostFull: Boolean(w.memoryOverflow),
      ofdAckOverdue: Boolean(w.ofdTimeout),
    };
    const doc: SettlementReportDocument = {
      kind: 'settlementReport',
      ...(await this.header(p)),
      unsentCount: Number(result.status?.notSentCount ?? 0),
      firstUnsentNumber: Number(result.status?.notSentFirstDocNumber ?? 0) || null,
      firstUnsentAt: instant(result.status?.notSentFirstDocDateTime),
      fnTotals: emptyCounters(),
      warnings,
    };
    if (p.shiftNumber > 0) doc.shiftNumber = p.shiftNumber;
    if (options.cashier !== undefined) doc.cashier = options.cashier;
    this.o.journal.complete(`doc:${doc.fnNumber}:${doc.number}`, {}, doc.number, doc);
    return doc;
  }

  /** The documents made through this driver, in number order (the journal). */
  async documents(fromNumber: number, limit: number): Promise<FiscalDocument[]> {
    const out: FiscalDocument[] = [];
    const last = (await this.status()).fn.lastFiscalDocNumber;
    for (let n = Math.max(1, fromNumber); n <= last && out.length < limit; n++) {
      const doc = await this.getDocument(n);
      if (doc) out.push(doc);
    }
    return out;
  }

  /** Documents made through this driver (ATOL's Web Requests has no way to read others back). */
  async getDocument(number: number): Promise<FiscalDocument | undefined> {
    return this.o.journal.document(number) as FiscalDocument | undefined;
  }

  /**
   * The receipt sent under `requestId`, from the journal, or from the server's result of that
   * uuid: waited for while the server still works on it (or has it blocked); `undefined` when
   * the server never got it or refused it.
   */
  async findReceipt(
    requestId: string,
    _afterNumber: number,
  ): Promise<ReceiptDocument | CorrectionDocument | undefined> {
    const entry = this.o.journal.get(requestId);
    if (!entry) return undefined;
    if (entry.document) return entry.document as ReceiptDocument | CorrectionDocument;
    const first = await this.http('GET', `/api/v2/requests/${encodeURIComponent(requestId)}`);
    if (first.status === 404) {
      this.o.journal.remove(requestId);
      return undefined;
    }
    const [result] = await this.poll(requestId);
    if (result?.status !== 'ready') {
      this.o.journal.remove(requestId);
      return undefined;
    }
    return this.receiptDocument(requestId, entry.input as ReceiptInput | CorrectionInput, result.result);
  }

  /** An ATOL ККТ sends its documents to its ОФД itself: nothing is owed through the adapter. */
  async unconfirmedDocuments(_fromNumber: number, _limit: number): Promise<FiscalDocument[]> {
    return [];
  }

  async confirmDelivered(numbers: readonly number[]): Promise<ConfirmResult> {
    return { confirmed: [], alreadyConfirmed: [], unknown: [...new Set(numbers)].sort((a, b) => a - b) };
  }

  /** kkt-emu's own ATOL server in mock mode: its emulator controls (`/api/v2/_emulator/*`). */
  controls(): DeviceControls {
    const call = async (method: 'PUT' | 'POST', path: string, body?: unknown) => {
      const a = await this.http(method, `/api/v2/_emulator/${path}`, body ?? {});
      if (a.status !== 200)
        throw new FiscalError('DEVICE_STOPPED', `the ATOL server has no emulator controls (${a.status})`);
      return a.body as Json;
    };
    return {
      setFaults: async (faults) => {
        await call('PUT', 'faults', faults);
      },
      advanceClock: async (ms) => Number((await call('POST', 'clock', { advanceMs: ms })).now),
      replaceFiscalDrive: async () => {
        await call('POST', 'reset');
        this.o.journal.clear();
        this.userInn = undefined;
      },
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.o.onClose?.();
  }

  private async http(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown) {
    try {
      const a = await this.o.http.request(method, path, body);
      if (a.status === 401) throw new FiscalError('DEVICE_STOPPED', 'the ATOL server refused the credentials (401)');
      return a;
    } catch (e) {
      if (e instanceof FiscalError) throw e;
      throw new AtolUnavailable(`ATOL server unreachable: ${(e as Error).message}`);
    }
  }

  private async operation(op: string): Promise<Json> {
    const a = await this.http('POST', `/api/v2/operations/${op}`);
    if (a.status !== 200) throw new AtolUnavailable(`ATOL ${op} answered ${a.status}: ${JSON.stringify(a.body)}`);
    return a.body;
  }

  private async registration(): Promise<Json> {
    const [r] = await this.run(randomUUID(), [{ type: 'getRegistrationInfo' }]);
    const reg = this.check(r);
    this.userInn = reg.organization?.vatin;
    const org = reg.organization ?? {};
    this.user = {
      ...(typeof org.name === 'string' && org.name !== '' ? { userName: org.name } : {}),
      ...(typeof org.address === 'string' && org.address !== '' ? { address: org.address } : {}),
    };
    return reg;
  }

  /** POSTs the tasks under `uuid` (a 409 means it is there already) and waits for the results. */
  private async run(uuid: string, tasks: unknown[]): Promise<TaskResult[]> {
    const a = await this.http('POST', '/api/v2/requests', { uuid, request: tasks });
    if (a.status !== 201 && a.status !== 409)
      throw new FiscalError('DEVICE_STOPPED', `ATOL server answered ${a.status}: ${JSON.stringify(a.body)}`);
    return this.poll(uuid);
  }

  private async poll(uuid: string): Promise<TaskResult[]> {
    const deadline = Date.now() + (this.o.timeoutMs ?? 60_000);
    let wait = this.o.pollMs ?? 10;
    for (;;) {
      const a = await this.http('GET', `/api/v2/requests/${encodeURIComponent(uuid)}`);
      if (a.status === 200) {
        const results = (a.body as { results?: TaskResult[] })?.results ?? [];
        if (results.length > 0 && results.every((r) => FINAL.has(r.status))) return results;
      } else if (a.status !== 404) {
        throw new AtolUnavailable(`ATOL server answered ${a.status} for request ${uuid}`);
      }
      if (Date.now() > deadline) throw new AtolUnavailable(`ATOL request ${uuid} did not finish in time`);
      await new Promise((r) => setTimeout(r, wait));
      wait = Math.min(wait * 2, 200);
    }
  }

  /** A task's result, or its refusal as the domain's FiscalError. */
  private check(r: TaskResult | undefined): Json {
    if (!r) throw new AtolUnavailable('the ATOL server returned no result');
    if (r.status === 'ready') return r.result;
    const code = REFUSALS[r.error?.code] ?? 'DEVICE_STOPPED';
    throw new FiscalError(code, `ATOL error ${r.error?.code}: ${r.error?.description}`);
  }

  private fiscalParams(result: Json): FiscalParams {
    const p = result?.fiscalParams as FiscalParams | undefined;
    if (!p) throw new AtolUnavailable('the ATOL result has no fiscalParams');
    return p;
  }

  private async header(p: FiscalParams) {
    if (this.userInn === undefined) await this.registration();
    return {
      number: p.fiscalDocumentNumber,
      dateTime: instant(p.fiscalDocumentDateTime) ?? 0,
      fnNumber: p.fnNumber,
      kktRegNumber: p.registrationNumber,
      userInn: this.userInn ?? '',
      fiscalSign: String(p.fiscalDocumentSign).padStart(10, '0'),
    };
  }

  /** The receipt (or, when the input has a basis, the correction) the server's result completes. */
  private async receiptDocument(
    uuid: string,
    input: ReceiptInput | CorrectionInput,
    result: Json,
  ): Promise<ReceiptDocument | CorrectionDocument> {
    const p = this.fiscalParams(result);
    const total = input.items.reduce((s, it) => s + it.sum, 0);
    const nonCash = input.payments.card + input.payments.prepaid + input.payments.credit + input.payments.other;
    const vatTotals: Partial<Record<VatRate, number>> = {};
    for (const it of input.items) vatTotals[it.vatRate] = (vatTotals[it.vatRate] ?? 0) + it.vatSum;
    const numbered = {
      ...(await this.header(p)),
      ...this.user,
      requestId: uuid,
      shiftNumber: p.shiftNumber,
      receiptNumber: Number(p.fiscalReceiptNumber),
      total,
      change: nonCash + input.payments.cash - total,
      vatTotals,
    };
    const doc: ReceiptDocument | CorrectionDocument =
      'correction' in input
        ? { kind: 'correction', ...input, ...numbered }
        : { kind: 'receipt', ...input, ...numbered };
    this.o.journal.complete(uuid, input, doc.number, doc);
    return doc;
  }
}

function operator(options: { cashier?: string }) {
  return options.cashier !== undefined ? { operator: { name: options.cashier } } : {};
}
