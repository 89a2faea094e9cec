import type { KktDriver } from '../../device/driver.ts';
import type { Clock } from '../../fiscal/clock.ts';
import type { FiscalDocument } from '../../fiscal/document.ts';
import { type OfdPayload, toOfdPayload } from '../../fiscal/ofd-payload.ts';
import type { OfdResult } from '../../io/http/ofd-client.ts';
import type { AdapterStore, PendingReceipt, SyncOutcome } from '../../io/sqlite/adapter-store.ts';
import type { PassInput, PassResult } from '../../machines/sync-worker.machine.ts';
import type { Breaker } from './breaker.ts';

/** The one thing a pass needs from the ОФД client (src/io/http/ofd-client.ts implements it). */
export interface OfdSender {
  send(payload: OfdPayload, signal?: AbortSignal): Promise<OfdResult>;
}

export interface SyncPassDeps {
  store: AdapterStore;
  driver: KktDriver;
  ofd: OfdSender;
  breaker: Breaker;
  /** Fiscal time: when a receipt was synced. */
  clock: Clock;
  /** Real time for backoff between retries (network politeness, not fiscal time). */
  netClock: Clock;
  timezone: string;
  batchSize: number;
  retryAttempts: number;
  /**
   * Calls on the wire at once once the ОФД has answered, dispatched in number order (the ОФД
   * client pipelines them on one connection, so they also arrive in that order).
   */
  concurrency: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  random?: () => number;
  /**
   * Reports the ОФД refused for good (`fn:number`), kept for the process's lifetime so they
   * are not resent on every pass. Receipts have `failed` in the buffer for this.
   */
  rejectedDocuments?: Set<string>;
  /** Counted up as the pass goes, for a manual sync that answers before the pass ends. */
  progress?: { synced: number; failed: number };
}

type Delivery =
  | { kind: 'accepted'; ofdId: string; attempts: number }
  | { kind: 'rejected'; reason: string; attempts: number }
  | { kind: 'pending'; reason: string | null; attempts: number };

function sleep(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const handle = clock.setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clock.clearTimeout(handle);
      resolve();
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** One thing to send: a buffered receipt (with its receipt id) or another document of the ФН. */
type Work = { kind: 'receipt'; row: PendingReceipt; doc: FiscalDocument } | { kind: 'document'; doc: FiscalDocument };

/** How many unconfirmed documents of the ФН one pass looks at, beyond the ones it sends. */
const PAGE = 200;

/**
 * One sync pass: every document the ОФД has not acknowledged, in document-number order, as the
 * ФН itself sends them (ffd.md §7) — buffered receipts interleaved with the ФН's other documents
 * (registration, shift reports, corrections, settlement reports, …), dispatched in that order
 * (`deliverInOrder`), at most `batchSize` sends. A document that is still not accepted after its
 * retries stops the pass: nothing later is dispatched. A rejected one (the ОФД's explicit
 * verdict) does not stop it; it stays unconfirmed on the ФН.
 *
 * Receipts of a retired ФН, if the buffer still has any, go first (they are older than anything
 * on the current ФН).
 */
export class SyncPass {
  private errors = 0;
  private lastError: string | null = null;
  private refused = false;
  /** Calls overlap only after one succeeded, and not after a failure (until a success again). */
  private parallel = false;
  /** A document ended not accepted: nothing after it is dispatched any more. */
  private halted = false;
  /** 1048 from the current ФН's registration, for documents stored before receipts kept it. */
  private registeredUser: { fn: string; name: string | undefined } | undefined;

  constructor(
    private readonly deps: SyncPassDeps,
    private readonly input: PassInput,
    private readonly signal?: AbortSignal,
  ) {}

  static run(deps: SyncPassDeps, input: PassInput, signal?: AbortSignal): Promise<PassResult> {
    return new SyncPass(deps, input, signal).run();
  }

  async run(): Promise<PassResult> {
    const { store, breaker, driver } = this.deps;
    if (this.input.manual && breaker.state() === 'OPEN') breaker.forceProbe();
    const currentFn = (await driver.status()).fn.number;
    const plan = await this.plan(currentFn);
    const rejected = this.deps.rejectedDocuments ?? new Set<string>();
    const outcome: SyncOutcome = { synced: [], failed: [], retried: [] };
    const confirm = [...plan.confirmOnly];
    let documents = 0;
    const deliveries = await this.deliverInOrder(plan.work, currentFn);
    let stopped = false;
    plan.work.forEach((work, i) => {
      const d = deliveries[i];
      if (!d) return;
      const current = work.doc.fnNumber === currentFn;
      if (d.kind === 'accepted') {
        if (work.kind === 'receipt')
          outcome.synced.push({ receipt_id: work.row.receipt_id, ofd_id: d.ofdId, attempts: d.attempts });
        else documents++;
        // Receipts of a retired ФН are still delivered, but only the current ФН can be told.
        // An acceptance behind a document still unsent is kept by the ФН until the gap closes.
        if (current) confirm.push(work.doc.number);
      } else if (d.kind === 'rejected') {
        if (work.kind === 'receipt')
          outcome.failed.push({ receipt_id: work.row.receipt_id, reason: d.reason, attempts: d.attempts });
        else rejected.add(`${work.doc.fnNumber}:${work.doc.number}`);
      } else {
        if (d.reason !== null && work.kind === 'receipt')
          outcome.retried.push({ receipt_id: work.row.receipt_id, reason: d.reason, attempts: d.attempts });
        stopped = true;
      }
    });
    // The buffer learns first: if the process dies before the device is told, the next pass
    // finds the documents still unconfirmed, sees them synced and only confirms them.
    store.applySyncOutcome(outcome, this.deps.clock.now());
    if (confirm.length > 0) await driver.confirmDelivered(confirm);
    const progress = outcome.synced.length + outcome.failed.length + documents + plan.confirmOnly.length;
    const pending = store.bufferCounts().pending;
    // Judge the breaker as it is now, not as it was when a call was refused: a long call may
    // have outlived the open delay, and a worker parked in backingOff would then wait for a
    // half-open transition that already happened.
    const open = breaker.state() === 'OPEN';
    return {
      synced: outcome.synced.length,
      failed: outcome.failed.length,
      skipped: pending,
      documents,
      errors: this.errors,
      lastError: this.lastError,
      breakerOpen: open,
      more: !open && (this.refused ? pending > 0 || plan.leftover : !stopped && plan.leftover && progress > 0),
    };
  }

  /**
   * What this pass sends, in number order, and what it only confirms. Walks the ФН's
   * unacknowledged documents: a receipt pending in the buffer is sent from there (with its
   * receipt id), one the buffer shows as synced is only confirmed (a crash between the buffer
   * and the device), a failed one is skipped. A receipt printed for an adapter request but not
   * yet in the buffer ends the walk: it is sent with its receipt id once its request completes,
   * and nothing later may go before it. Only receipts someone else printed (another program on
   * the device's serial line) are sent from the ФН.
   */
  private async plan(currentFn: string): Promise<{ work: Work[]; confirmOnly: number[]; leftover: boolean }> {
    const { store, driver, batchSize } = this.deps;
    const rejected = this.deps.rejectedDocuments ?? new Set<string>();
    const pendingRows = store.pendingBatch(batchSize);
    const retired: Work[] = [];
    const mine = new Map<number, PendingReceipt>();
    for (const row of pendingRows) {
      if (row.fn_number === currentFn) mine.set(row.fiscal_doc_number, row);
      else retired.push({ kind: 'receipt', row, doc: JSON.parse(row.document) as FiscalDocument });
    }
    const work: Work[] = [];
    const confirmOnly: number[] = [];
    // Only receipts of a retired ФН fill the batch: the current ФН's wait for the next pass.
    let leftover = retired.length >= batchSize;
    // Documents up to `reached` were all looked at.
    let reached = 0;
    let from = 1;
    let looked = 0;
    // Mostly the pending receipts themselves: a page a little larger than the batch is enough.
    const page = Math.min(PAGE, batchSize + 16);
    walk: for (;;) {
      const docs = await driver.unconfirmedDocuments(from, page);
      for (const doc of docs) {
        if (retired.length + work.length >= batchSize || looked >= batchSize + 4 * PAGE) {
          leftover = true;
          break walk;
        }
        looked++;
        from = doc.number + 1;
        if (rejected.has(`${doc.fnNumber}:${doc.number}`)) {
          reached = doc.number;
          continue;
        }
        // Receipts and correction receipts live in the buffer (with their receipt ids).
        if (doc.kind === 'receipt' || doc.kind === 'correction') {
          const row = mine.get(doc.number);
          if (row) {
            mine.delete(doc.number);
            work.push({ kind: 'receipt', row, doc });
          } else {
            const known = store.receiptByDocument(doc.fnNumber, doc.number);
            if (known?.sync_status === 'synced') confirmOnly.push(doc.number);
            else if (known?.sync_status === 'pending') {
              // Beyond this pass's share of the buffer: the next pass takes it, in order.
              leftover = true;
              break walk;
            } else if (!known && doc.requestId !== undefined) break walk;
            else if (!known) work.push({ kind: 'document', doc });
          }
        } else work.push({ kind: 'document', doc });
        reached = doc.number;
      }
      if (docs.length < page) {
        reached = Number.POSITIVE_INFINITY;
        break;
      }
    }
    // Pending receipts the ФН already has acknowledged (sent once from the ФН, or acknowledged
    // ahead of a gap) still need their ОФД id: the resend is answered as a duplicate.
    for (const [number, row] of mine) {
      if (number < reached && retired.length + work.length < batchSize)
        work.push({ kind: 'receipt', row, doc: JSON.parse(row.document) as FiscalDocument });
    }
    work.sort((a, b) => a.doc.number - b.doc.number);
    return { work: [...retired, ...work], confirmOnly, leftover };
  }

  /**
   * Sends the plan in order; results are index-aligned with it. The first call goes alone; after
   * a success up to `concurrency` are on the wire, dispatched in order; after a failure they go one
   * at a time again; a document that ends not accepted halts dispatching (those already on the
   * wire finish). So a healthy ОФД receives everything in number order, and a dead one sees exactly
   * `threshold` calls.
   */
  private async deliverInOrder(work: readonly Work[], currentFn: string): Promise<(Delivery | undefined)[]> {
    const results: (Delivery | undefined)[] = new Array(work.length);
    let next = 0;
    const going = () => next < work.length && !this.halted && !this.refused && !this.signal?.aborted;
    const one = async (i: number) => {
      const w = work[i] as Work;
      const doc = await this.withUser(w.doc, currentFn);
      const d = await this.deliver(
        w.kind === 'receipt'
          ? toOfdPayload(doc, this.deps.timezone, w.row.receipt_id)
          : toOfdPayload(doc, this.deps.timezone),
      );
      if (d.kind === 'pending') this.halted = true;
      results[i] = d;
    };
    const lane = async () => {
      while (going() && this.parallel) await one(next++);
    };
    while (going()) {
      if (this.parallel) await Promise.all(Array.from({ length: this.deps.concurrency }, lane));
      else await one(next++);
    }
    return results;
  }

  /**
   * Receipts written before 0.2 lack 1048 (the user's name), which the ОФД requires: it is the
   * name the ФН was registered with, so it is taken from the current ФН's registration report.
   */
  private async withUser(doc: FiscalDocument, currentFn: string): Promise<FiscalDocument> {
    if ((doc.kind !== 'receipt' && doc.kind !== 'correction') || doc.userName !== undefined) return doc;
    if (doc.fnNumber !== currentFn) return doc;
    if (this.registeredUser?.fn !== currentFn) {
      const first = await this.deps.driver.getDocument(1);
      const name = first?.kind === 'registration' || first?.kind === 'reregistration' ? first.userName : undefined;
      this.registeredUser = { fn: currentFn, name };
    }
    const name = this.registeredUser.name;
    return name === undefined ? doc : { ...doc, userName: name };
  }

  private async deliver(payload: OfdPayload): Promise<Delivery> {
    const { breaker, ofd, retryAttempts, netClock } = this.deps;
    let lastReason: string | null = null;
    for (let attempt = 1; attempt <= retryAttempts; attempt++) {
      if (this.refused || this.signal?.aborted) return { kind: 'pending', reason: lastReason, attempts: attempt - 1 };
      if (!breaker.tryAcquire()) {
        this.refused = true;
        return { kind: 'pending', reason: lastReason, attempts: attempt - 1 };
      }
      let result: OfdResult;
      try {
        result = await ofd.send(payload, this.signal);
      } catch (e) {
        // Stopping mid-call: the answer is unknown, so the receipt stays pending (the ОФД
        // deduplicates the resend).
        if (this.signal?.aborted) return { kind: 'pending', reason: lastReason, attempts: attempt };
        throw e;
      }
      if (result.ok) {
        breaker.succeeded();
        if (this.deps.progress) this.deps.progress.synced++;
        this.parallel = true;
        return { kind: 'accepted', ofdId: result.ofdId, attempts: attempt };
      }
      if (result.kind === 'permanent') {
        // The ОФД answered: it is up, the document is what it refuses.
        breaker.succeeded();
        if (this.deps.progress) this.deps.progress.failed++;
        return { kind: 'rejected', reason: `${result.code}: ${result.reason}`, attempts: attempt };
      }
      lastReason = `${result.code}: ${result.reason}`;
      this.errors++;
      this.lastError = lastReason;
      this.parallel = false;
      breaker.failed(lastReason, this.deps.clock.now());
      if (attempt < retryAttempts && breaker.state() === 'CLOSED') {
        // An ОФД that says when to come back (429, 503 with Retry-After) is believed, up to a minute.
        const wait =
          result.retryAfterMs !== undefined
            ? Math.max(this.backoff(attempt), Math.min(result.retryAfterMs, 60_000))
            : this.backoff(attempt);
        await sleep(netClock, wait, this.signal);
      }
    }
    return { kind: 'pending', reason: lastReason, attempts: retryAttempts };
  }

  /** Exponential backoff with full jitter: spreads retries of many adapters after an outage. */
  private backoff(attempt: number): number {
    const { backoffBaseMs, backoffMaxMs, random = Math.random } = this.deps;
    return Math.round(random() * Math.min(backoffMaxMs, backoffBaseMs * 2 ** (attempt - 1)));
  }
}
