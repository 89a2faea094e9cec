import { createHash, randomUUID } from 'node:crypto';
import canonicalize from 'canonicalize';
import type { KktDriver } from '../device/driver.ts';
import type { Clock } from '../fiscal/clock.ts';
import type { TaxationType } from '../fiscal/codes.ts';
import type { ReceiptDocument } from '../fiscal/document.ts';
import { FiscalError } from '../fiscal/errors.ts';
import { HLC_ZERO, type Hlc, hlcTick, hlcToString } from '../fiscal/hlc.ts';
import { localParts, truncateToMinute } from '../fiscal/local-time.ts';
import { validateReceipt } from '../fiscal/receipt-validation.ts';
import type { AdapterStore, RequestRecord } from '../io/sqlite/adapter-store.ts';
import { deviceProblem, type Problem, validationProblem } from './problems.ts';
import { fiscalDocView, type ReceiptResponse } from './receipt-response.ts';

export interface FiscalizerOptions {
  driver: KktDriver;
  store: AdapterStore;
  clock: Clock;
  timezone: string;
  defaultTaxation: TaxationType;
  bufferMaxSize: number;
  bufferBlockThreshold: number;
  /** Called after a receipt reached the buffer (committed): wakes the sync worker. */
  onBuffered?: () => void;
}

export type ReceiptOutcome =
  | { ok: true; response: ReceiptResponse; replayed: boolean }
  | { ok: false; problem: Problem };

const fail = (problem: Problem): ReceiptOutcome => ({ ok: false, problem });

const inFlightProblem = (key: string): Problem => ({
  status: 409,
  title: 'Request in progress',
  detail: `a request with Idempotency-Key "${key}" is still being processed; retry when it has finished`,
  code: 'IDEMPOTENCY_KEY_IN_FLIGHT',
});

const mismatchProblem = (key: string): Problem => ({
  status: 422,
  title: 'Idempotency-Key reused',
  detail: `Idempotency-Key "${key}" was already used with a different request body`,
  code: 'IDEMPOTENCY_KEY_MISMATCH',
});

let lastIdMs = 0;
let idSeq = 0;

/**
 * A time-ordered receipt id (UUID version 7, RFC 9562: 48-bit Unix milliseconds, a 12-bit
 * counter, 62 random bits). Ids that grow with time are appended at the right edge of the
 * receipt_id indexes (adapter.db twice, the device archive once) instead of dirtying a random
 * B-tree page per receipt, which roughly halves the pages every durable commit writes.
 */
export function newReceiptId(now: number = Date.now()): string {
  if (now > lastIdMs) {
    lastIdMs = now;
    idSeq = 0;
  } else if (++idSeq > 0xfff) {
    // More than 4096 ids in one millisecond (or the clock stepped back): borrow the next one.
    lastIdMs++;
    idSeq = 0;
  }
  const ms = lastIdMs.toString(16).padStart(12, '0');
  // randomUUID is v4: its last two groups already carry the RFC variant bits and 62 random bits.
  const random = randomUUID().slice(19);
  return `${ms.slice(0, 8)}-${ms.slice(8)}-7${idSeq.toString(16).padStart(3, '0')}-${random}`;
}

export function bodyHash(body: unknown): string {
  return createHash('sha256')
    .update(canonicalize(body) ?? '')
    .digest('hex');
}

/**
 * Exactly-once fiscalization. The intent (key, body hash, receipt id) is durable before the
 * device is asked; the document and the answer are durable before the POS hears of them; an
 * intent a crash left behind is settled from the device's own archive at start-up. So a
 * retried request gets the first answer and never a second fiscal document.
 */
export class Fiscalizer {
  private readonly inFlight = new Set<string>();
  private lastDocNumber = 0;
  private hlc: Hlc;

  constructor(private readonly o: FiscalizerOptions) {
    const saved = o.store.loadHlc();
    this.hlc = saved ?? HLC_ZERO;
  }

  get inFlightCount(): number {
    return this.inFlight.size;
  }

  /** Pending receipts plus those being printed: the buffer slots already promised. */
  bufferUsed(): number {
    return this.o.store.bufferCounts().pending + this.inFlight.size;
  }

  bufferBlockAt(): number {
    return Math.max(1, Math.floor(this.o.bufferMaxSize * this.o.bufferBlockThreshold));
  }

  /** Settles intents left in flight by a crash; run before serving requests. */
  async recover(): Promise<{ completed: number; discarded: number }> {
    const status = await this.o.driver.status();
    this.lastDocNumber = status.fn.lastFiscalDocNumber;
    let completed = 0;
    let discarded = 0;
    for (const intent of this.o.store.inFlightRequests()) {
      if (await this.settle(intent)) completed++;
      else discarded++;
    }
    return { completed, discarded };
  }

  /**
   * Decides an intent whose outcome is unknown from the device's archive: completes it with
   * the document printed for it, or removes it when the device never printed one.
   */
  private async settle(intent: RequestRecord): Promise<ReceiptResponse | undefined> {
    const doc = await this.o.driver.findReceipt(intent.receipt_id, intent.after_doc_number);
    if (!doc) {
      await this.o.store.group.run(() => this.o.store.deleteInFlight(intent.idempotency_key));
      return undefined;
    }
    const request = JSON.parse(intent.request) as unknown;
    const validation = validateReceipt(request, this.validationContext());
    return this.complete(intent, doc, validation.ok ? validation.warnings : []);
  }

  async receipt(key: string, body: unknown): Promise<ReceiptOutcome> {
    if (this.inFlight.has(key)) return fail(inFlightProblem(key));
    this.inFlight.add(key);
    try {
      const hash = bodyHash(body);
      const existing = this.o.store.getRequest(key);
      if (existing) {
        if (existing.body_hash !== hash) return fail(mismatchProblem(key));
        if (existing.state === 'done' && existing.response !== null)
          return { ok: true, response: JSON.parse(existing.response) as ReceiptResponse, replayed: true };
        // Left in flight by a crash or a device failure, and not running now: settle it first.
        const settled = await this.settle(existing);
        if (settled) return { ok: true, response: settled, replayed: true };
      }
      return await this.fiscalizeNew(key, hash, body);
    } finally {
      this.inFlight.delete(key);
    }
  }

  private async fiscalizeNew(key: string, hash: string, body: unknown): Promise<ReceiptOutcome> {
    const validation = validateReceipt(body, this.validationContext());
    if (!validation.ok) return fail(validationProblem(validation.errors));
    const blockAt = this.bufferBlockAt();
    // This request's own slot is already counted in inFlight.
    const used = this.bufferUsed() - 1;
    if (used >= blockAt)
      return fail({
        status: 503,
        title: 'Buffer full',
        detail: `Buffer full: ${used} receipts wait for the ОФД (block threshold ${blockAt}); nothing was fiscalized`,
        code: 'BUFFER_FULL',
      });
    const intent: RequestRecord = {
      idempotency_key: key,
      body_hash: hash,
      receipt_id: newReceiptId(),
      state: 'in_flight',
      after_doc_number: this.lastDocNumber,
      request: JSON.stringify(body),
      created_at: this.o.clock.now(),
      completed_at: null,
      response: null,
    };
    await this.o.store.group.run(() => this.o.store.insertRequest(intent));
    let doc: ReceiptDocument;
    try {
      doc = await this.o.driver.printReceipt({ ...validation.value, requestId: intent.receipt_id });
    } catch (e) {
      return fail(await this.afterDeviceError(intent, e));
    }
    const response = await this.complete(intent, doc, validation.warnings);
    return { ok: true, response, replayed: false };
  }

  /**
   * A refusal means nothing was printed: the intent goes, so the same key may be retried.
   * Any other failure leaves the outcome unknown, so the device's archive decides.
   */
  private async afterDeviceError(intent: RequestRecord, e: unknown): Promise<Problem> {
    if (e instanceof FiscalError && e.code !== 'DEVICE_STOPPED') {
      await this.o.store.group.run(() => this.o.store.deleteInFlight(intent.idempotency_key));
      return deviceProblem(e);
    }
    const message = e instanceof Error ? e.message : String(e);
    return {
      status: 503,
      title: 'Device unavailable',
      detail: `the device did not complete the receipt (${message}); retry with the same Idempotency-Key to get its outcome`,
      code: 'DEVICE_UNAVAILABLE',
    };
  }

  private async complete(intent: RequestRecord, doc: ReceiptDocument, warnings: string[]): Promise<ReceiptResponse> {
    const response: ReceiptResponse = {
      status: 'printed',
      receipt_id: intent.receipt_id,
      idempotency_key: intent.idempotency_key,
      fiscal_doc: fiscalDocView(doc, this.o.timezone),
      buffer: { status: 'pending' },
      warnings,
    };
    const now = this.o.clock.now();
    this.hlc = hlcTick(this.hlc, now);
    const hlc = this.hlc;
    this.lastDocNumber = Math.max(this.lastDocNumber, doc.number);
    const store = this.o.store;
    await store.group.run(() => {
      store.completeRequest(
        {
          receipt_id: intent.receipt_id,
          idempotency_key: intent.idempotency_key,
          fn_number: doc.fnNumber,
          fiscal_doc_number: doc.number,
          request: intent.request,
          document: JSON.stringify(doc),
          fiscal_doc: JSON.stringify(response.fiscal_doc),
          hlc: hlcToString(hlc),
          created_at: now,
        },
        JSON.stringify(response),
        now,
      );
      store.saveHlc(hlc.wall, hlc.logical);
    });
    store.notePending();
    this.o.onBuffered?.();
    return response;
  }

  private validationContext() {
    // Whole minutes, like document times, so localParts answers from its one-entry memo.
    const minute = truncateToMinute(this.o.clock.now());
    return { defaultTaxation: this.o.defaultTaxation, year: localParts(minute, this.o.timezone).year };
  }
}
