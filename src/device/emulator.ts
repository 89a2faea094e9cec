import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Actor, type AnyActorRef, createActor, type InspectionEvent } from 'xstate';
import type { Clock } from '../fiscal/clock.ts';
import type {
  CorrectionDocument,
  CorrectionInput,
  FiscalDocument,
  ReceiptDocument,
  ReceiptInput,
  SettlementReportDocument,
  ShiftCloseDocument,
  ShiftOpenDocument,
  ShiftTotalsRead,
  XReport,
} from '../fiscal/document.ts';
import { FiscalError } from '../fiscal/errors.ts';
import type { DeviceFaults } from '../fiscal/faults.ts';
import {
  applyOperation,
  blockReason,
  type CashMovement,
  type FnPolicy,
  type FnStep,
  registeredTaxations,
  reregister,
  shiftDeadline,
  shiftState,
  withDefaults,
} from '../fiscal/fn-core.ts';
import { FiscalArchive } from '../io/sqlite/fiscal-archive.ts';
import { provideKkt } from '../machines/kkt.machine.ts';
import type { FiscalizeInput, FiscalizeOutput, JobOp, JobOutcome, JobResult } from '../machines/kkt.types.ts';
import type { CashRequest, ConfirmResult, DeviceStatus, KktDriver } from './driver.ts';
import { fiscalizeBatch, xReport } from './fiscalize-batch.ts';
import { FnThreadClient } from './fn-thread-client.ts';
import { newFiscalDrive, type RegistrationOptions } from './new-fiscal-drive.ts';
import { drawDelay, type PrintDelay } from './print-delay.ts';

export interface EmulatorOptions {
  dataDir: string;
  clock: Clock;
  registration: RegistrationOptions;
  printDelay: PrintDelay;
  autoOpenShift: boolean;
  /** Cash control (KKT_CASH_CONTROL) and what shift close does to the drawer; default: no control, balance carried over. */
  policy?: FnPolicy;
  /** Most jobs fiscalized in one archive transaction when there is no print delay. */
  batchLimit?: number;
  /** Options given to createActor, e.g. an `inspect` observer. */
  inspect?: (event: InspectionEvent) => void;
  /** Told about every device actor started (a new one after a ФН replacement): the inspector attaches to it. */
  onActor?: (actor: AnyActorRef) => void;
  /**
   * The ФН's work (operations, fiscal signs, the archive's commits and fsyncs) in a thread of its
   * own (fn-thread.ts), off the event loop of whoever drives the device: KKT_FN_THREAD.
   */
  fnThread?: boolean;
}

type KktActor = Actor<ReturnType<typeof provideKkt>>;

/** Where the emulated ККТ with serial `kktSerial` keeps its ФН archive. */
export function archivePathFor(dataDir: string, kktSerial: string): string {
  return join(dataDir, `kkt-${kktSerial}.db`);
}

/** SQLite keeps an archive in up to three files. */
const ARCHIVE_FILE_SUFFIXES = ['', '-wal', '-shm'] as const;

/**
 * The emulated ККТ: the `kkt` machine over a fiscal archive, behind the driver interface.
 * Also exposes what only an emulator can do: faults, a fresh ФН.
 */
export class EmulatedKkt implements KktDriver {
  readonly kind = 'emulator' as const;
  private archive!: FiscalArchive;
  /** The archive's writer while the ФН runs in its own thread; `archive` then only reads. */
  private fnThread: FnThreadClient | undefined;
  private actor!: KktActor;
  private nextJobId = 1;
  /** Jobs submitted this turn of the event loop, handed to the machine together (flushOutbox). */
  private outbox: { id: number; op: JobOp }[] = [];
  /** Batches are possible (no print delay): submissions of one turn go to the machine together. */
  private coalesce = false;
  private readonly pending = new Map<
    number,
    { resolve: (r: JobResult) => void; reject: (e: unknown) => void; done: Promise<JobResult> }
  >();
  private closed = false;
  private replaced = false;

  private constructor(private readonly options: EmulatorOptions) {}

  static open(options: EmulatorOptions): EmulatedKkt {
    const kkt = new EmulatedKkt(options);
    kkt.start();
    return kkt;
  }

  get archivePath(): string {
    return archivePathFor(this.options.dataDir, this.options.registration.kktSerial);
  }

  /** The actor, for inspection and tests; nothing outside the device may send it events. */
  get machine(): KktActor {
    return this.actor;
  }

  private start(replacing?: { fnNumber: string; cashBalance: number }): void {
    mkdirSync(this.options.dataDir, { recursive: true });
    const { clock } = this.options;
    this.archive = FiscalArchive.open(this.archivePath, () => {
      // A replacement drive is a different drive: it never reuses the configured number.
      const { fnNumber, ...rest } = this.options.registration;
      const registration = this.replaced || fnNumber === undefined ? rest : { ...rest, fnNumber };
      const drive = newFiscalDrive(registration, clock.now());
      if (!replacing) return drive;
      // A replacement ФН starts with a re-registration report (form 11, reason: ФН replaced) naming
      // the old ФН, not a form-1 registration; the drawer belongs to the ККТ and carries over.
      const rereg = reregister(drive.identity, drive.secret, {
        previousFnNumber: replacing.fnNumber,
        cashBalance: replacing.cashBalance,
      });
      return { ...drive, registration: rereg };
    });
    this.fnThread = this.options.fnThread
      ? FnThreadClient.start({
          archivePath: this.archivePath,
          ...(this.options.policy ? { policy: this.options.policy } : {}),
        })
      : undefined;
    const logic = provideKkt(clock, (input) => this.fiscalize(input));
    const batchLimit = this.options.printDelay.max === 0 ? (this.options.batchLimit ?? 256) : 1;
    this.coalesce = batchLimit > 1;
    this.actor = createActor(logic, {
      input: { identity: this.archive.identity, fn: this.archive.state(), batchLimit },
      clock,
      ...(this.options.inspect ? { inspect: this.options.inspect } : {}),
    });
    this.actor.on('job.settled', ({ outcome }) => this.settle(outcome));
    this.actor.subscribe({ error: (err) => this.failAll(err) });
    this.actor.start();
    this.options.onActor?.(this.actor);
  }

  private async fiscalize(input: FiscalizeInput): Promise<FiscalizeOutput> {
    const now = this.options.clock.now();
    let outcomes: JobOutcome[];
    if (this.fnThread) {
      const answer = await this.fnThread.batch(input.jobs, now);
      this.archive.adopt(answer.fn);
      outcomes = answer.outcomes;
    } else outcomes = fiscalizeBatch(this.archive, input.jobs, now, this.options.policy);
    let delay = 0;
    for (let i = 0; i < input.jobs.length; i++) delay += drawDelay(this.options.printDelay);
    if (delay > 0) await sleep(delay);
    return { fn: this.archive.state(), outcomes };
  }

  private settle(outcome: JobOutcome): void {
    const waiter = this.pending.get(outcome.id);
    if (!waiter) return;
    this.pending.delete(outcome.id);
    if (outcome.ok) waiter.resolve(outcome.result);
    else waiter.reject(outcome.error);
  }

  private failAll(cause: unknown): void {
    const message = cause instanceof Error ? cause.message : String(cause);
    for (const [id, waiter] of this.pending) {
      this.pending.delete(id);
      waiter.reject(new FiscalError('DEVICE_STOPPED', `device stopped: ${message}`));
    }
  }

  private submit(op: JobOp): Promise<JobResult> {
    if (this.closed) return Promise.reject(new FiscalError('DEVICE_STOPPED', 'the device is closed'));
    const id = this.nextJobId++;
    let resolve!: (r: JobResult) => void;
    let reject!: (e: unknown) => void;
    const done = new Promise<JobResult>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    this.pending.set(id, { resolve, reject, done });
    // With a print delay every receipt prints alone anyway: nothing to coalesce, no turn to wait.
    if (!this.coalesce) {
      this.actor.send({ type: 'job.submit', jobs: [{ id, op }] });
      return done;
    }
    this.outbox.push({ id, op });
    if (this.outbox.length === 1) setImmediate(() => this.flushOutbox());
    return done;
  }

  /**
   * Hands the jobs submitted since the last flush to the machine in one event. Requests whose
   * intents were committed together submit in one burst; delivered one by one, the first would
   * reach an idle printer and be fiscalized alone (its own archive commit) before the rest
   * arrived, so a burst of N cost two archive fsyncs instead of one.
   */
  private flushOutbox(): void {
    const jobs = this.outbox;
    this.outbox = [];
    if (jobs.length > 0) this.actor.send({ type: 'job.submit', jobs });
  }

  private async run(op: JobOp): Promise<Extract<JobResult, { kind: 'documents' }>> {
    const result = await this.submit(op);
    if (result.kind !== 'documents') throw new Error(`unexpected ${result.kind} result`);
    return result;
  }

  private async printed(op: JobOp): Promise<FiscalDocument[]> {
    return (await this.run(op)).documents;
  }

  async printReceipt(receipt: ReceiptInput): Promise<ReceiptDocument> {
    const docs = await this.printed({ kind: 'receipt', receipt, autoOpenShift: this.options.autoOpenShift });
    return docs[docs.length - 1] as ReceiptDocument;
  }

  async printCorrection(correction: CorrectionInput): Promise<CorrectionDocument> {
    const docs = await this.printed({ kind: 'correction', correction, autoOpenShift: this.options.autoOpenShift });
    return docs[docs.length - 1] as CorrectionDocument;
  }

  async cashIn(request: CashRequest): Promise<CashMovement> {
    return this.cash('cashIn', request);
  }

  async cashOut(request: CashRequest): Promise<CashMovement> {
    return this.cash('cashOut', request);
  }

  private async cash(kind: 'cashIn' | 'cashOut', request: CashRequest): Promise<CashMovement> {
    const result = await this.run({ kind, ...request, autoOpenShift: this.options.autoOpenShift });
    if (!result.cash) throw new Error(`${kind} made no cash movement`);
    return result.cash;
  }

  async settlementReport(options: { cashier?: string } = {}): Promise<SettlementReportDocument> {
    const [doc] = await this.printed({ kind: 'settlementReport', ...options });
    return doc as SettlementReportDocument;
  }

  async openShift(options: { cashier?: string } = {}): Promise<ShiftOpenDocument> {
    const [doc] = await this.printed({ kind: 'openShift', ...options });
    return doc as ShiftOpenDocument;
  }

  /** `resetCash` overrides the policy's reset at shift close (a Shtrih-M table 1 field 2 setting). */
  async closeShift(options: { cashier?: string; resetCash?: boolean } = {}): Promise<ShiftCloseDocument> {
    const [doc] = await this.printed({ kind: 'closeShift', ...options });
    return doc as ShiftCloseDocument;
  }

  async xReport(): Promise<XReport> {
    const result = await this.submit({ kind: 'xReport' });
    if (result.kind !== 'xReport') throw new Error(`unexpected ${result.kind} result`);
    return result.report;
  }

  /**
   * The archive's counters as they are now: no job, so no paper or cover needed. Cash
   * movements since the shift opened, as the Shtrih-M front's registers 242/243, 153/154 count.
   */
  async shiftTotals(): Promise<ShiftTotalsRead> {
    const openedAt = this.statusNow().shift.openedAt;
    const moves = openedAt === null ? [] : this.cashMovementsSince(openedAt);
    const sum = (kind: 'in' | 'out') => {
      const of = moves.filter((m) => m.kind === kind);
      return { count: of.length, total: of.reduce((a, m) => a + m.amount, 0) };
    };
    return { ...xReport(this.archive.state(), this.options.clock.now()), cash: { in: sum('in'), out: sum('out') } };
  }

  async status(): Promise<DeviceStatus> {
    return this.statusNow();
  }

  statusNow(): DeviceStatus {
    const snap = this.actor.getSnapshot();
    const s = this.archive.state();
    const id = this.archive.identity;
    const now = this.options.clock.now();
    const blocked = blockReason(s, id, now);
    const printer = (snap.value as { printer: string | Record<string, string> }).printer;
    const printerState = typeof printer === 'string' ? printer : Object.keys(printer)[0];
    return {
      state: blocked ? 'blocked' : (printerState as 'ready' | 'printing' | 'fault'),
      blockedReason: blocked,
      faults: { ...snap.context.faults },
      queued: snap.context.queue.length + snap.context.batch.length,
      now,
      timezone: id.timezone,
      kkt: {
        regNumber: id.kktRegNumber,
        serial: id.kktSerial,
        userInn: id.userInn,
        userName: id.userName,
        address: id.address,
        place: id.place ?? null,
        taxationTypes: registeredTaxations(id),
      },
      cashBalance: withDefaults(s).cashBalance,
      shift: {
        state: shiftState(s, now),
        number: s.shiftNumber,
        openedAt: s.shiftOpenedAt,
        receipts: s.receiptsInShift,
        deadline: shiftDeadline(s),
      },
      fn: {
        number: id.fnNumber,
        lastFiscalDocNumber: s.lastDocNumber,
        unsentCount: s.unsentCount,
        firstUnsentNumber: s.firstUnsentNumber,
        oldestUnsentAt: s.firstUnsentAt,
        validUntil: id.validUntil,
        capacity: id.capacity,
      },
    };
  }

  async getDocument(number: number): Promise<FiscalDocument | undefined> {
    return this.archive.getDocument(number);
  }

  async documents(fromNumber: number, limit: number): Promise<FiscalDocument[]> {
    return this.archive.documentsFrom(fromNumber, limit);
  }

  async findReceipt(requestId: string, afterNumber: number): Promise<ReceiptDocument | CorrectionDocument | undefined> {
    const doc = this.archive.findByRequestId(requestId);
    return (doc?.kind === 'receipt' || doc?.kind === 'correction') && doc.number > afterNumber ? doc : undefined;
  }

  async findCashMovement(requestId: string): Promise<CashMovement | undefined> {
    return this.archive.findCashByRequestId(requestId);
  }

  /** Cash movements made at or after `at` (the Shtrih-M front's shift cash registers). */
  cashMovementsSince(at: number): CashMovement[] {
    return this.archive.cashMovementsSince(at);
  }

  async unconfirmedDocuments(fromNumber: number, limit: number): Promise<FiscalDocument[]> {
    return this.archive.unconfirmed(fromNumber, limit);
  }

  async confirmDelivered(numbers: readonly number[]): Promise<ConfirmResult> {
    const at = this.options.clock.now();
    let outcome: ConfirmResult;
    if (this.fnThread) {
      const answer = await this.fnThread.confirm(numbers, at);
      this.archive.adopt(answer.fn);
      outcome = answer.outcome;
    } else outcome = this.archive.confirm(numbers, at);
    if (outcome.confirmed.length > 0) this.actor.send({ type: 'fn.changed', fn: this.archive.state() });
    return outcome;
  }

  /** Emulator only: paper out, cover open. */
  setFaults(faults: Partial<DeviceFaults>): void {
    this.actor.send({ type: 'fault.set', faults });
  }

  /**
   * Emulator only: replace the ФН as a service engineer would. An open shift is closed (Z report),
   * the old ФН is closed (form 6) and kept beside the new one, and the new ФН starts with a
   * re-registration report (form 11). A ФН that can no longer form documents (keys expired, full)
   * is retired without its form 6, as such a drive is in real life.
   */
  async replaceFiscalDrive(): Promise<void> {
    // Let queued work finish and stop the device, but keep the old archive open for its last documents.
    await this.stop({ keepArchive: true });
    const now = this.options.clock.now();
    const { identity, secret } = this.archive;
    const steps: FnStep[] = [];
    let state = this.archive.state();
    for (const op of [...(state.shiftOpen ? [{ kind: 'closeShift' } as const] : []), { kind: 'closeFn' } as const]) {
      try {
        const step = applyOperation(state, identity, secret, op, now, this.options.policy);
        steps.push(step);
        state = step.state;
      } catch (e) {
        if (!(e instanceof FiscalError)) throw e;
        break;
      }
    }
    this.archive.commitMany(steps);
    this.archive.close();
    const replacing = { fnNumber: identity.fnNumber, cashBalance: withDefaults(state).cashBalance };
    const retired = this.retiredArchivePath();
    for (const suffix of ARCHIVE_FILE_SUFFIXES) {
      if (existsSync(this.archivePath + suffix)) renameSync(this.archivePath + suffix, retired + suffix);
    }
    this.closed = false;
    this.replaced = true;
    this.start(replacing);
  }

  /**
   * A free name for the retired archive. The ФН number alone is not unique: with a configured
   * `fnNumber` every replacement drive has the same one, and renaming onto an earlier retired
   * archive would silently destroy its fiscal documents.
   */
  private retiredArchivePath(): string {
    const base = join(
      this.options.dataDir,
      `kkt-${this.options.registration.kktSerial}.fn-${this.archive.identity.fnNumber}`,
    );
    for (let i = 1; ; i++) {
      const path = i === 1 ? `${base}.db` : `${base}.${i}.db`;
      if (!ARCHIVE_FILE_SUFFIXES.some((suffix) => existsSync(path + suffix))) return path;
    }
  }

  async close(): Promise<void> {
    await this.stop();
  }

  /** Lets queued work finish, then stops the actor and closes the archive. */
  private async stop(options: { keepArchive?: boolean } = {}): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.allSettled([...this.pending.values()].map((waiter) => waiter.done));
    this.actor.stop();
    this.failAll(new Error('closed'));
    // The thread writes no more once closed: from here the device's own connection may write.
    await this.fnThread?.close();
    this.fnThread = undefined;
    if (!options.keepArchive) this.archive.close();
  }
}
