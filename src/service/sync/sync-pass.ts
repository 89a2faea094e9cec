import type { KktDriver } from '../../device/driver.ts';
import type { Clock } from '../../fiscal/clock.ts';
import type { FiscalDocument } from '../../fiscal/document.ts';
import { type OfdPayload, toOfdPayload } from '../../fiscal/ofd-payload.ts';
import type { OfdResult } from '../../io/http/ofd-client.ts';
import type { AdapterStore, SyncOutcome } from '../../io/sqlite/adapter-store.ts';
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

/**
 * One sync pass: the oldest pending receipts (one batch) go to the ОФД, then — once the buffer
 * has nothing pending — the other documents the ФН still waits on (shift reports, registration),
 * so the 30-day rule is cleared by everything the device printed, not only receipts.
 *
 * The first call of a pass goes alone; only after it succeeds do calls run in parallel, and
 * after any failure they go one at a time again. So a dead ОФД sees exactly `threshold` calls
 * before the breaker opens, not `threshold + concurrency`.
 */
export class SyncPass {
  private errors = 0;
  private lastError: string | null = null;
  private parallel = false;
  private refused = false;

  constructor(
    private readonly deps: SyncPassDeps,
    private readonly input: PassInput,
    private readonly signal?: AbortSignal,
  ) {}

  static run(deps: SyncPassDeps, input: PassInput, signal?: AbortSignal): Promise<PassResult> {
    return new SyncPass(deps, input, signal).run();
  }

  async run(): Promise<PassResult> {
    const { store, breaker, batchSize } = this.deps;
    if (this.input.manual && breaker.state() === 'OPEN') breaker.forceProbe();
    const batch = store.pendingBatch(batchSize);
    const outcome: SyncOutcome = { synced: [], failed: [], retried: [] };
    const deliveries = await this.deliverAll(batch, (r) =>
      toOfdPayload(JSON.parse(r.document) as FiscalDocument, this.deps.timezone, r.receipt_id),
    );
    const confirm: { fn: string; number: number }[] = [];
    batch.forEach((r, i) => {
      const d = deliveries[i];
      if (!d) return;
      if (d.kind === 'accepted') {
        outcome.synced.push({ receipt_id: r.receipt_id, ofd_id: d.ofdId, attempts: d.attempts });
        confirm.push({ fn: r.fn_number, number: r.fiscal_doc_number });
      } else if (d.kind === 'rejected') {
        outcome.failed.push({ receipt_id: r.receipt_id, reason: d.reason, attempts: d.attempts });
      } else if (d.reason !== null) {
        outcome.retried.push({ receipt_id: r.receipt_id, reason: d.reason, attempts: d.attempts });
      }
    });
    // The buffer learns first: if the process dies before the device is told, the next pass
    // finds the documents still unconfirmed, sees them synced and only confirms them.
    store.applySyncOutcome(outcome, this.deps.clock.now());
    await this.confirm(confirm);
    const attempted = outcome.synced.length + outcome.failed.length;
    let documents = { delivered: 0, full: false };
    if (store.bufferCounts().pending === 0 && !this.refused) documents = await this.deliverDocuments();
    const pending = store.bufferCounts().pending;
    // Judge the breaker as it is now, not as it was when a call was refused: a long call may
    // have outlived the open delay, and a worker parked in backingOff would then wait for a
    // half-open transition that already happened.
    const open = breaker.state() === 'OPEN';
    return {
      synced: outcome.synced.length,
      failed: outcome.failed.length,
      skipped: pending,
      documents: documents.delivered,
      errors: this.errors,
      lastError: this.lastError,
      breakerOpen: open,
      more:
        !open && ((pending > 0 && (this.refused || (batch.length === batchSize && attempted > 0))) || documents.full),
    };
  }

  /** Delivers items in order with bounded concurrency; results are index-aligned with items. */
  private async deliverAll<T>(items: readonly T[], toPayload: (item: T) => OfdPayload): Promise<Delivery[]> {
    const results: Delivery[] = new Array(items.length);
    let next = 0;
    const going = () => next < items.length && !this.refused && !this.signal?.aborted;
    const lane = async () => {
      while (going() && this.parallel) {
        const i = next++;
        results[i] = await this.deliver(toPayload(items[i] as T));
      }
    };
    while (going()) {
      if (this.parallel) {
        await Promise.all(Array.from({ length: this.deps.concurrency }, lane));
      } else {
        // One at a time until a call succeeds (and again after any failure).
        const i = next++;
        results[i] = await this.deliver(toPayload(items[i] as T));
      }
    }
    for (let i = 0; i < items.length; i++) results[i] ??= { kind: 'pending', reason: null, attempts: 0 };
    return results;
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

  private async confirm(docs: readonly { fn: string; number: number }[]): Promise<void> {
    if (docs.length === 0) return;
    const status = await this.deps.driver.status();
    // Receipts of a retired ФН are still delivered, but only the current ФН can be told.
    const numbers = docs.filter((d) => d.fn === status.fn.number).map((d) => d.number);
    if (numbers.length > 0) await this.deps.driver.confirmDelivered(numbers);
  }

  /**
   * The ФН's other unconfirmed documents: shift reports and the registration go to the ОФД;
   * receipts the buffer already shows as synced are only confirmed; receipts still pending,
   * failed or on their way into the buffer are left to it.
   */
  private async deliverDocuments(): Promise<{ delivered: number; full: boolean }> {
    const { driver, store, batchSize } = this.deps;
    const rejected = this.deps.rejectedDocuments ?? new Set<string>();
    const PAGE = 200;
    let from = 1;
    let delivered = 0;
    // Documents this pass had no budget for: the worker passes again at once for them.
    let leftover = false;
    for (let page = 0; !this.refused; page++) {
      if (page === 5 || delivered >= batchSize) {
        leftover = true;
        break;
      }
      const docs = await driver.unconfirmedDocuments(from, PAGE);
      if (docs.length === 0) break;
      const confirmOnly: number[] = [];
      const toSend: FiscalDocument[] = [];
      for (const doc of docs) {
        from = doc.number + 1;
        if (rejected.has(`${doc.fnNumber}:${doc.number}`)) continue;
        if (doc.kind !== 'receipt') toSend.push(doc);
        else {
          const known = store.receiptByDocument(doc.fnNumber, doc.number);
          if (known?.sync_status === 'synced') confirmOnly.push(doc.number);
          // A receipt with a request id was printed for an adapter request: it reaches the
          // buffer when that request completes (or at recovery), and is sent from there with
          // its receipt id. Only receipts someone else printed (another program on the
          // device's serial line) are sent from here.
          else if (!known && doc.requestId === undefined) toSend.push(doc);
        }
      }
      const sent = toSend.slice(0, batchSize - delivered);
      if (sent.length < toSend.length) leftover = true;
      const results = await this.deliverAll(sent, (d) => toOfdPayload(d, this.deps.timezone));
      const accepted = sent.filter((_, i) => results[i]?.kind === 'accepted').map((d) => d.number);
      sent.forEach((d, i) => {
        if (results[i]?.kind === 'rejected') rejected.add(`${d.fnNumber}:${d.number}`);
      });
      delivered += accepted.length;
      const numbers = [...confirmOnly, ...accepted];
      if (numbers.length > 0) await driver.confirmDelivered(numbers);
      if (docs.length < PAGE) break;
    }
    return { delivered, full: leftover && delivered > 0 && !this.refused };
  }
}
