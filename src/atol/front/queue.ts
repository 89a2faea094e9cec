import type { KktDriver } from '../../device/driver.ts';
import type { Clock } from '../../fiscal/clock.ts';
import type { FiscalDocument } from '../../fiscal/document.ts';
import { FiscalError } from '../../fiscal/errors.ts';
import { localParts, truncateToMinute } from '../../fiscal/local-time.ts';
import type { AtolQueueStore, AtolTaskRow, TaskOutcome } from '../../io/sqlite/atol-queue-store.ts';
import type { CashKeyOutcome, CashKind, CashOutcome } from '../../service/cash.ts';
import type { KeyOutcome, ReceiptOutcome } from '../../service/fiscalizer.ts';
import { type AtolError, type AtolErrorName, atolError, NO_ERROR } from '../protocol/errors.ts';
import { cashResult, fiscalResult, settlementReportResult } from '../protocol/results.ts';
import { type AtolTask, type ParsedTask, parseTask, type Vat20Policy, validationError } from '../protocol/tasks.ts';
import {
  type RequestResult,
  type RequestsQueueStatus,
  type TaskResult,
  type TaskStatus,
  taskResult,
} from '../protocol/wire.ts';
import {
  cashDrawerStatusResult,
  deviceInfoResult,
  deviceStatusResult,
  fnInfoResult,
  fnStatusResult,
  ofdExchangeStatusResult,
  type RegistrationExtras,
  registrationInfoResult,
  shiftStatusResult,
  shiftTotalsResult,
} from './results.ts';

/** The adapter's receipt path (the Fiscalizer): the one way a receipt or a correction reaches the device. */
export interface ReceiptPort {
  receipt(key: string, body: unknown): Promise<ReceiptOutcome>;
  correction(key: string, body: unknown): Promise<ReceiptOutcome>;
  outcomeOf(key: string): Promise<KeyOutcome>;
}

/** The adapter's cash path (the CashService): exactly one drawer movement per key. */
export interface CashPort {
  move(kind: CashKind, key: string, body: unknown): Promise<CashOutcome>;
  outcomeOf(key: string): Promise<CashKeyOutcome>;
}

export interface AtolQueueOptions {
  store: AtolQueueStore;
  driver: KktDriver;
  receipts: ReceiptPort;
  cash: CashPort;
  /** The fiscal clock: the year of the document decides the vat20 policy. */
  clock: Clock;
  timezone: string;
  vat20: Vat20Policy;
  extras: RegistrationExtras;
  /** Finished requests are forgotten this long after they finished (0 = never). */
  retentionMs: number;
  /** Real time, for the queue's own bookkeeping (retention); default Date.now. */
  now?: () => number;
  /** How often a blocked task is looked at again; default 1000 ms. */
  retryMs?: number;
  log?: { warn(obj: unknown, msg?: string): void };
}

export type AddOutcome = { ok: true; number: number } | { ok: false; reason: 'duplicate' };

/** Results a fiscal task left unknown (a crash, a lost link) wait here until the ФН decides. */
interface Blocked {
  uuid: string;
  idx: number;
  /** The request's place in the queue: blocked tasks are decided in queue order. */
  number: number;
}

const INTERRUPTED: TaskOutcome = outcomeOf('interrupted', atolError('INTERRUPTED_BY_PREVIOUS_ERRORS'));
const CANCELED: TaskOutcome = outcomeOf('canceled', NO_ERROR);
const RETENTION_SWEEP_MS = 60_000;
/** Receipt-only requests run side by side, at most this many. */
const RECEIPT_WINDOW = 64;

function outcomeOf(status: TaskStatus, error: AtolError, result: unknown = null): TaskOutcome {
  return { status, code: error.code, description: error.description, result };
}
const ready = (result: unknown) => outcomeOf('ready', NO_ERROR, result);
const failed = (error: AtolError) => outcomeOf('error', error);

/** A refusal's service code as the driver's error (codes the FFD 1.2 core adds included). */
const FAILURE_ERRORS: Record<string, AtolErrorName> = {
  SHIFT_CLOSED: 'DENIED_IN_CLOSED_SHIFT',
  SHIFT_ALREADY_OPEN: 'DENIED_IN_OPENED_SHIFT',
  SHIFT_EXPIRED: 'SHIFT_EXPIRED',
  FN_FULL: 'FN_RESOURCE_HAS_EXPIRED',
  FN_EXPIRED: 'FN_EXPIRED',
  OFD_TIMEOUT: 'FN_TIMEOUT',
  PAPER_OUT: 'NO_PAPER',
  COVER_OPEN: 'COVER_OPENED',
  DEVICE_STOPPED: 'NO_CONNECTION',
  INSUFFICIENT_CASH: 'NO_CASH',
  CLOCK_BEHIND_LAST_DOCUMENT: 'DATE_TIME_LESS_THAN_FS',
};

function failureError(code: string, message: string): AtolError {
  const name = FAILURE_ERRORS[code];
  return name ? atolError(name) : atolError('UNKNOWN', message);
}

/**
 * Why a task's outcome is unknown after a crash, by task: the driver's "interrupted" texts where
 * it has one (receipts and corrections 177, shift reports 175 / 32); otherwise 15 "Неизвестная
 * ошибка" (the settlement report and cash movements: no source names a code).
 */
function interruptedError(task: AtolTask): AtolError {
  if (task.kind === 'openShift') return { code: 175, description: 'Отчет об открытии смены прерван' };
  if (task.kind === 'closeShift') return { code: 32, description: 'Отчет о закрытии смены прерван' };
  if (task.kind === 'receipt' || task.kind === 'correction') return atolError('CLOSE_RECEIPT_INTERRUPTED');
  return atolError('UNKNOWN');
}

/** The Idempotency-Key a task goes under on the adapter's paths (receipts, corrections, cash). */
const taskKey = (uuid: string, idx: number) => `atol:${uuid}:${idx}`;

/** The ФН document a report task makes, by which a blocked one is found after the saved number. */
const REPORT_KINDS = {
  openShift: 'shiftOpen',
  closeShift: 'shiftClose',
  settlementReport: 'settlementReport',
} as const;

/**
 * The queue of the emulated ATOL Web Requests server, one per device: requests run one after
 * another in arrival order, the tasks of a request in order, and after a failed task the rest
 * are `interrupted`. Everything is in `atol.db`, so an accepted uuid is never run twice.
 *
 * A fiscal task whose outcome is unknown (a crash mid-task, a lost link to the device) is
 * `blocked`, as on the real server, and the queue stops until it is decided: a receipt or a
 * correction by the Fiscalizer (the request id travels in the document), a cash movement by the
 * CashService (the device keeps each movement under its key's id), a shift or settlement report
 * by the ФН's documents after the number saved before it. Decided tasks become `ready` (with `warnings.recovered`)
 * or `error`; the rest of their request stays `interrupted`.
 */
export class AtolQueue {
  private running: Promise<void> | undefined;
  /** Requests running now, with the task each is on. */
  private readonly current = new Map<string, number>();
  /**
   * Blocked tasks, oldest request first: several when requests running side by side all lost
   * the device. The queue starts nothing new until every one is decided.
   */
  private blocked: Blocked[] = [];
  private retryTimer: NodeJS.Timeout | undefined;
  private sweepTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly pendingCallbacks = new Set<Promise<void>>();
  private readonly now: () => number;
  /** Set while the loop waits with requests running: a new request wakes it. */
  private wake: (() => void) | undefined;

  constructor(private readonly o: AtolQueueOptions) {
    this.now = o.now ?? Date.now;
  }

  /** Decides what a crash left in progress, then starts working. */
  async start(): Promise<void> {
    this.sweep();
    this.sweepTimer = setInterval(() => this.sweep(), RETENTION_SWEEP_MS);
    this.sweepTimer.unref();
    const open = this.o.store.openRequests();
    for (const r of open) {
      const row = this.o.store.tasks(r.uuid).find((t) => t.status === 'inProgress' || t.status === 'blocked');
      if (!row) continue;
      const parsed = this.parse(row);
      if (row.status === 'inProgress') {
        const error = parsed.ok ? interruptedError(parsed.task) : atolError('UNKNOWN');
        this.o.store.finishTask(r.uuid, row.idx, outcomeOf('blocked', error));
      }
      // Requests that ran side by side: each started task is blocked, in queue order.
      this.blocked.push({ uuid: r.uuid, idx: row.idx, number: r.number });
    }
    await this.resolveBlocked();
    this.kick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    clearInterval(this.sweepTimer);
    await this.running;
    await Promise.allSettled([...this.pendingCallbacks]);
  }

  /** Waits until nothing runs, then forgets every request (the emulator's reset). */
  async clear(): Promise<void> {
    const wasStopped = this.stopped;
    this.stopped = true;
    await this.running;
    clearTimeout(this.retryTimer);
    this.blocked = [];
    this.o.store.clear();
    this.stopped = wasStopped;
  }

  parseContext() {
    const minute = truncateToMinute(this.o.clock.now());
    return { year: localParts(minute, this.o.timezone).year, vat20: this.o.vat20 };
  }

  async add(uuid: string, tasks: unknown[], resultUrl?: string): Promise<AddOutcome> {
    if (this.o.store.request(uuid)) return { ok: false, reason: 'duplicate' };
    try {
      const number = await this.o.store.insert({
        uuid,
        device: 'default',
        tasks,
        now: this.now(),
        ...(resultUrl ? { callbackUrl: resultUrl } : {}),
      });
      this.kick();
      this.wake?.();
      return { ok: true, number };
    } catch (e) {
      if ((e as { code?: string }).code?.startsWith('SQLITE_CONSTRAINT')) return { ok: false, reason: 'duplicate' };
      throw e;
    }
  }

  results(uuid: string): RequestResult | undefined {
    // Every accepted request has at least one task (an empty one is refused at POST): no
    // tasks means no request, without a second query on every poll.
    const tasks = this.o.store.tasks(uuid);
    if (tasks.length === 0) return undefined;
    return {
      results: tasks.map((t): TaskResult => {
        const status =
          t.status === 'wait' && this.current.get(uuid) === t.idx ? 'inProgress' : (t.status as TaskStatus);
        return taskResult(
          status,
          { code: t.error_code, description: t.error_description || NO_ERROR.description },
          t.result === null ? null : (JSON.parse(t.result) as unknown),
        );
      }),
    };
  }

  /** DELETE: only a request that has not started can go. */
  cancel(uuid: string): 'notFound' | 'started' | 'canceled' {
    if (this.current.has(uuid)) return 'started';
    return this.o.store.cancel(uuid, CANCELED, this.now());
  }

  queueStatus(): RequestsQueueStatus {
    const c = this.o.store.counts();
    return { number: c.open, canceled: c.canceled, ready: c.ready, ...this.blockState() };
  }

  /** What a POST answers with: no counts, which cost a pass over every request kept. */
  blockState(): Pick<RequestsQueueStatus, 'isBlocked' | 'blockReason' | 'blockedUUID'> {
    const b = this.blocked[0];
    return { isBlocked: b !== undefined, blockReason: b ? 'connectionError' : '', blockedUUID: b?.uuid ?? '' };
  }

  /** For /v1/health. */
  snapshot(): { waiting: number; blocked: boolean; blockedUuid: string | null } {
    const s = this.queueStatus();
    return { waiting: s.number, blocked: s.isBlocked, blockedUuid: s.isBlocked ? s.blockedUUID : null };
  }

  /** A synchronous query (`/operations/query*`, bypassing the queue) answered from the device. */
  status() {
    return this.o.driver.status();
  }

  /** The shift's counters, read without printing (the query shortcuts). */
  shiftTotals() {
    return this.o.driver.shiftTotals();
  }

  private sweep(): void {
    if (this.o.retentionMs > 0) this.o.store.deleteExpired(this.now() - this.o.retentionMs);
  }

  private kick(): void {
    if (this.running || this.stopped || this.blocked.length > 0) return;
    this.running = this.loop().finally(() => {
      this.running = undefined;
      // A request added while the loop was finishing its last one.
      if (!this.stopped && this.blocked.length === 0 && this.o.store.nextOpen()) this.kick();
    });
  }

  /**
   * Requests start in arrival order. A request that is one receipt or correction (or, as the
   * last of a run, several) may start while the ones before it still wait for their durable
   * result: it reaches the device after them (every step before the device — the task's start,
   * the Fiscalizer's intent — goes through FIFO group commits, and the device's job queue is
   * FIFO), so the documents are numbered in arrival order and each sees the device in the state
   * a serial run would leave it (a refusal changes nothing on the device). Anything else starts
   * only when nothing runs, as on the real server. Nothing new starts while a task is blocked.
   */
  private async loop(): Promise<void> {
    const running = new Map<string, Promise<void>>();
    /** The last started request has more tasks to come: nothing may overtake them. */
    let barrier = false;
    let failed = false;
    const settle = () => Promise.race(running.values());
    try {
      for (;;) {
        if (this.stopped || this.blocked.length > 0 || failed) break;
        // The running requests are the oldest open ones: the next is right after them.
        const next = this.o.store.openRequests(running.size + 1).find((r) => !running.has(r.uuid))?.uuid;
        if (next === undefined) {
          if (running.size === 0) break;
          // Wait for a running request to finish or a new one to arrive, whichever is first.
          await Promise.race([settle(), new Promise<void>((resolve) => (this.wake = resolve))]);
          this.wake = undefined;
          continue;
        }
        const kind = this.pipelineKind(next);
        if (running.size > 0 && (barrier || kind === 'serial' || running.size >= RECEIPT_WINDOW)) {
          await settle();
          continue;
        }
        barrier = kind !== 'single';
        const run = this.runRequest(next)
          .catch((e: unknown) => {
            // A bug or a broken database: leave the requests as they are rather than spin.
            this.o.log?.warn({ err: e }, 'ATOL queue stopped');
            failed = true;
          })
          .finally(() => running.delete(next));
        running.set(next, run);
        if (kind === 'serial') await run;
      }
    } finally {
      await Promise.all(running.values());
      if (failed) this.current.clear();
    }
  }

  /**
   * `single`: one receipt or correction, which later requests may overtake once it has started;
   * `tail`: several, the last that may join the requests running; `serial`: anything else.
   */
  private pipelineKind(uuid: string): 'single' | 'tail' | 'serial' {
    const ctx = this.parseContext();
    const rows = this.o.store.tasks(uuid);
    const receipts = rows.every((t) => {
      if (t.status !== 'wait') return false;
      const p = parseTask(JSON.parse(t.task) as unknown, ctx);
      return p.ok && (p.task.kind === 'receipt' || p.task.kind === 'correction');
    });
    if (!receipts) return 'serial';
    return rows.length === 1 ? 'single' : 'tail';
  }

  private parse(row: AtolTaskRow): ParsedTask {
    return parseTask(JSON.parse(row.task) as unknown, this.parseContext());
  }

  private async runRequest(uuid: string): Promise<void> {
    const rows = this.o.store.tasks(uuid);
    const last = rows.length - 1;
    for (const row of rows) {
      if (row.status !== 'wait' && row.status !== 'inProgress') continue;
      this.current.set(uuid, row.idx);
      const parsed = this.parse(row);
      const outcome = parsed.ok ? await this.execute(uuid, row.idx, parsed) : failed(parsed.error);
      if (outcome === 'blocked') {
        this.current.delete(uuid);
        return;
      }
      if (outcome.status === 'error' || row.idx === last) {
        await this.o.store.group.run(() =>
          this.o.store.finishRequest(uuid, { idx: row.idx, outcome }, INTERRUPTED, this.now()),
        );
        this.current.delete(uuid);
        this.callback(uuid);
        return;
      }
      await this.o.store.group.run(() => this.o.store.finishTask(uuid, row.idx, outcome));
    }
    // Every task was already finished (resumed after a crash between the last two writes).
    this.o.store.finishRequest(uuid, undefined, INTERRUPTED, this.now());
    this.current.delete(uuid);
  }

  private async execute(
    uuid: string,
    idx: number,
    parsed: { ok: true; task: AtolTask },
  ): Promise<TaskOutcome | 'blocked'> {
    const task = parsed.task;
    const { driver } = this.o;
    const tz = this.o.timezone;
    switch (task.kind) {
      case 'receipt':
      case 'correction': {
        await this.o.store.group.run(() => this.o.store.startTask(uuid, idx, null));
        const key = taskKey(uuid, idx);
        let r: ReceiptOutcome;
        try {
          r =
            task.kind === 'receipt'
              ? await this.o.receipts.receipt(key, task.body)
              : await this.o.receipts.correction(key, task.body);
        } catch {
          // Whatever threw, the archive decides (the Fiscalizer's intent, if written, is settled there).
          return this.block(uuid, idx, atolError('NO_CONNECTION'));
        }
        if (r.ok) {
          const messages = [...task.warnings, ...r.receipt.warnings];
          return ready(fiscalResult(r.receipt.document, tz, { recovered: r.replayed, messages }));
        }
        const f = r.failure;
        if (f.code === 'DEVICE_UNAVAILABLE') return this.block(uuid, idx, atolError('NO_CONNECTION'));
        if (f.code === 'VALIDATION_FAILED') return failed(validationError(f.errors ?? [], task.itemIndex));
        return failed(failureError(f.code, f.message));
      }
      case 'cash': {
        await this.o.store.group.run(() => this.o.store.startTask(uuid, idx, null));
        let r: CashOutcome;
        try {
          r = await this.o.cash.move(task.type === 'cashIn' ? 'in' : 'out', taskKey(uuid, idx), task.body);
        } catch {
          // E.g. the device could not say whether the key moved cash before: its record decides later.
          return this.block(uuid, idx, atolError('NO_CONNECTION'));
        }
        if (r.ok) return ready(cashResult(r.movement.balance));
        const f = r.failure;
        // A cash-out the device may have paid: the queue waits for the device's record, never pays twice.
        if (f.code === 'DEVICE_UNAVAILABLE') return this.block(uuid, idx, atolError('NO_CONNECTION'));
        if (f.code === 'VALIDATION_FAILED') return failed(validationError(f.errors ?? [], []));
        return failed(failureError(f.code, f.message));
      }
      case 'openShift':
      case 'closeShift':
      case 'settlementReport': {
        let after: number;
        try {
          after = (await driver.status()).fn.lastFiscalDocNumber;
        } catch {
          return failed(atolError('NO_CONNECTION'));
        }
        this.o.store.startTask(uuid, idx, after);
        const options = task.cashier !== undefined ? { cashier: task.cashier } : {};
        try {
          if (task.kind === 'settlementReport')
            return ready(settlementReportResult(await driver.settlementReport(options), tz));
          const doc = task.kind === 'openShift' ? await driver.openShift(options) : await driver.closeShift(options);
          return ready(fiscalResult(doc, tz));
        } catch (e) {
          if (e instanceof FiscalError && e.code !== 'DEVICE_STOPPED') return failed(failureError(e.code, e.message));
          return this.block(uuid, idx, atolError('NO_CONNECTION'));
        }
      }
      case 'query':
        try {
          return ready(await this.query(task));
        } catch (e) {
          if (e instanceof FiscalError) return failed(failureError(e.code, e.message));
          return failed(atolError('NO_CONNECTION'));
        }
      case 'print':
        if (task.type !== 'reportX') return ready(null);
        try {
          await driver.xReport();
          return ready(null);
        } catch (e) {
          if (e instanceof FiscalError) return failed(failureError(e.code, e.message));
          return failed(atolError('NO_CONNECTION'));
        }
    }
  }

  private async query(task: Extract<AtolTask, { kind: 'query' }>): Promise<unknown> {
    const { driver, extras } = this.o;
    const s = await driver.status();
    if (task.type === 'getShiftTotals') return shiftTotalsResult(await driver.shiftTotals(), s.cashBalance);
    switch (task.type) {
      case 'getDeviceStatus':
        return deviceStatusResult(s);
      case 'getShiftStatus':
        return shiftStatusResult(s);
      case 'getFnInfo':
        return fnInfoResult(s, extras);
      case 'getFnStatus':
        return fnStatusResult(s);
      case 'ofdExchangeStatus':
        return ofdExchangeStatusResult(s);
      case 'getRegistrationInfo':
        return registrationInfoResult(s, extras);
      case 'getDeviceInfo':
        return deviceInfoResult(s, extras);
      case 'getCashDrawerStatus':
        return cashDrawerStatusResult(s);
      case 'getLastFiscalParams': {
        const doc = await this.lastDocument(s.fn.lastFiscalDocNumber, task.forReceipt);
        return doc ? fiscalResult(doc, this.o.timezone) : null;
      }
    }
  }

  private async lastDocument(last: number, receipt: boolean): Promise<FiscalDocument | undefined> {
    for (let n = last; n >= 1 && n > last - 1000; n--) {
      const doc = await this.o.driver.getDocument(n);
      // `forReceipt`: the last чек, and a correction is one (form 31 is a кассовый чек коррекции).
      if (doc && (!receipt || doc.kind === 'receipt' || doc.kind === 'correction')) return doc;
    }
    return undefined;
  }

  private block(uuid: string, idx: number, error: AtolError): 'blocked' {
    this.o.store.finishTask(uuid, idx, outcomeOf('blocked', error));
    const number = this.o.store.request(uuid)?.number ?? 0;
    this.blocked.push({ uuid, idx, number });
    this.blocked.sort((a, b) => a.number - b.number);
    this.scheduleRetry();
    return 'blocked';
  }

  private scheduleRetry(): void {
    clearTimeout(this.retryTimer);
    if (this.stopped) return;
    this.retryTimer = setTimeout(() => {
      void this.resolveBlocked().then(() => this.kick());
    }, this.o.retryMs ?? 1000);
    this.retryTimer.unref();
  }

  /** Decides the blocked task from the ФН, or leaves it blocked and looks again later. */
  private async resolveBlocked(): Promise<void> {
    for (;;) {
      const b = this.blocked[0];
      if (!b) return;
      const row = this.o.store.tasks(b.uuid).find((t) => t.idx === b.idx);
      if (row) {
        const parsed = this.parse(row);
        const original = { code: row.error_code, description: row.error_description };
        let decision: TaskOutcome | 'unknown';
        try {
          decision = parsed.ok ? await this.decide(b.uuid, row, parsed.task, original) : failed(parsed.error);
        } catch {
          // The device still cannot be read: look again later.
          decision = 'unknown';
        }
        if (decision === 'unknown') {
          this.scheduleRetry();
          return;
        }
        this.o.store.finishRequest(b.uuid, { idx: b.idx, outcome: decision }, INTERRUPTED, this.now());
        this.callback(b.uuid);
      }
      this.blocked.shift();
    }
  }

  private async decide(
    uuid: string,
    row: AtolTaskRow,
    task: AtolTask,
    original: AtolError,
  ): Promise<TaskOutcome | 'unknown'> {
    const tz = this.o.timezone;
    if (task.kind === 'receipt' || task.kind === 'correction') {
      const o = await this.o.receipts.outcomeOf(taskKey(uuid, row.idx));
      if (o.state === 'unknown') return 'unknown';
      if (o.state === 'none') return failed(original);
      const messages = [...task.warnings, ...o.receipt.warnings];
      return ready(fiscalResult(o.receipt.document, tz, { recovered: true, messages }));
    }
    if (task.kind === 'cash') {
      const o = await this.o.cash.outcomeOf(taskKey(uuid, row.idx));
      if (o.state === 'unknown') return 'unknown';
      if (o.state === 'none') return failed(original);
      return ready(cashResult(o.movement.balance));
    }
    if (task.kind === 'openShift' || task.kind === 'closeShift' || task.kind === 'settlementReport') {
      if (row.after_doc === null) return failed(original);
      let last: number;
      try {
        last = (await this.o.driver.status()).fn.lastFiscalDocNumber;
      } catch {
        return 'unknown';
      }
      const kind = REPORT_KINDS[task.kind];
      for (let n = row.after_doc + 1; n <= last; n++) {
        const doc = await this.o.driver.getDocument(n);
        if (doc?.kind !== kind) continue;
        if (doc.kind === 'settlementReport') return ready(settlementReportResult(doc, tz, { recovered: true }));
        return ready(fiscalResult(doc, tz, { recovered: true }));
      }
      return failed(original);
    }
    // Not fiscal: nothing to find out, and running it again is harmless.
    return failed(original);
  }

  /** `callbacks.resultUrl`: the finished request's results plus its uuid, POSTed once. */
  private callback(uuid: string): void {
    const url = this.o.store.request(uuid)?.callback_url;
    if (!url) return;
    const results = this.results(uuid);
    const sent = fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ uuid, ...results }),
      signal: AbortSignal.timeout(5000),
    })
      .then(async (res) => {
        await res.arrayBuffer();
        if (!res.ok) this.o.log?.warn({ uuid, url, status: res.status }, 'ATOL callback refused');
      })
      .catch((err: unknown) => this.o.log?.warn({ err, uuid, url }, 'ATOL callback failed'))
      .finally(() => this.pendingCallbacks.delete(sent));
    this.pendingCallbacks.add(sent);
  }
}
