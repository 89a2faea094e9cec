import { hash, randomUUID } from 'node:crypto';
import type { KktDriver } from '../device/driver.ts';
import { canonicalJson } from '../fiscal/canonical-json.ts';
import type { Clock } from '../fiscal/clock.ts';
import type { TaxationType } from '../fiscal/codes.ts';
import type { CorrectionDocument, CorrectionInput, ReceiptDocument } from '../fiscal/document.ts';
import { documentJson } from '../fiscal/document-json.ts';
import { FiscalError } from '../fiscal/errors.ts';
import { HLC_ZERO, type Hlc, hlcTick, hlcToString } from '../fiscal/hlc.ts';
import { localParts, truncateToMinute } from '../fiscal/local-time.ts';
import { validateCorrection, validateReceipt } from '../fiscal/receipt-validation.ts';
import type { AdapterStore, RequestRecord, SyncStatus } from '../io/sqlite/adapter-store.ts';
import { STORAGE_CAUSE_TEXT } from '../io/sqlite/storage-errors.ts';
import type { ReceiptBuffer } from './buffer.ts';
import { failureOf, type ServiceFailure, validationFailure } from './errors.ts';
import type { StorageHealth } from './storage-health.ts';

/** A write of the adapter's records failed; `printed` tells whether the device had printed already. */
class RecordNotWritten extends Error {
  constructor(
    readonly error: unknown,
    readonly printed: number | undefined,
  ) {
    super('the adapter could not write its records');
  }
}

export interface FiscalizerOptions {
  driver: KktDriver;
  store: AdapterStore;
  buffer: ReceiptBuffer;
  clock: Clock;
  timezone: string;
  defaultTaxation: TaxationType;
  /** Called after a receipt reached the buffer (committed): wakes the sync worker. */
  onBuffered?: () => void;
  /** Told of every failed and successful write: health shows a full disk (service/storage-health.ts). */
  storage?: StorageHealth;
}

/** What the buffer holds and the ОФД gets: receipts and correction receipts (form 31). */
export type SettlementDocument = ReceiptDocument | CorrectionDocument;

/** The two kinds of request the fiscalizer takes: POST /v1/kkt/receipt and POST /v1/kkt/correction. */
export type SettlementKind = SettlementDocument['kind'];

/** A receipt the device printed for an Idempotency-Key: what the answer to the POS is made of. */
export interface PrintedReceipt {
  receiptId: string;
  idempotencyKey: string;
  document: SettlementDocument;
  warnings: string[];
}

export interface StoredReceipt {
  receiptId: string;
  idempotencyKey: string;
  request: unknown;
  document: SettlementDocument;
  syncStatus: SyncStatus;
  ofdId: string | null;
  retryCount: number;
  lastError: string | null;
  hlc: string;
  createdAt: number;
  syncedAt: number | null;
}

export type ReceiptOutcome =
  | { ok: true; receipt: PrintedReceipt; replayed: boolean }
  | { ok: false; failure: ServiceFailure };

export type KeyOutcome =
  | { state: 'printed'; receipt: PrintedReceipt }
  | { state: 'none' }
  | { state: 'unknown'; message: string };

const fail = (code: ServiceFailure['code'], message: string): ReceiptOutcome => ({
  ok: false,
  failure: { code, message },
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
  // crypto.hash, one call: half the cost of a Hash object for a body this size (Node ≥ 20.12).
  return hash('sha256', canonicalJson(body), 'hex');
}

/** The hash, or undefined for a body RFC 8785 cannot canonicalize (the HTTP layer refuses those first). */
function safeBodyHash(body: unknown): string | undefined {
  try {
    return bodyHash(body);
  } catch {
    return undefined;
  }
}

/**
 * Exactly-once fiscalization. The intent (key, body hash, receipt id) is durable before the
 * device is asked; the document is durable before the POS hears of it; an intent a crash left
 * behind is settled from the device's own archive at start-up. So a retried request gets the
 * first answer (rendered again from the one stored document) and never a second fiscal document.
 */
export class Fiscalizer {
  private readonly inFlight = new Set<string>();
  private lastDocNumber = 0;
  /** 1062 of the registration (read at recover): a receipt's taxation must be one of them. */
  private registered: readonly TaxationType[] | undefined;
  private hlc: Hlc;

  constructor(private readonly o: FiscalizerOptions) {
    const saved = o.store.loadHlc();
    this.hlc = saved ?? HLC_ZERO;
  }

  /** Settles intents left in flight by a crash; run before serving requests. */
  async recover(): Promise<{ completed: number; discarded: number }> {
    const status = await this.o.driver.status();
    this.lastDocNumber = status.fn.lastFiscalDocNumber;
    // A driver that cannot read the registration's 1062 reports none: the device then decides.
    this.registered = status.kkt.taxationTypes.length > 0 ? status.kkt.taxationTypes : undefined;
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
  private async settle(intent: RequestRecord): Promise<PrintedReceipt | undefined> {
    const doc = await this.o.driver.findReceipt(intent.receipt_id, intent.after_doc_number);
    if (!doc) {
      await this.o.store.group.run(() => this.o.store.deleteInFlight(intent.idempotency_key));
      return undefined;
    }
    const request = JSON.parse(intent.request) as unknown;
    const validation = this.validate(doc.kind, request);
    return this.complete(intent, doc, validation.ok ? validation.warnings : []);
  }

  /** POST /v1/kkt/receipt: exactly one receipt per Idempotency-Key. */
  receipt(key: string, body: unknown): Promise<ReceiptOutcome> {
    return this.fiscalize('receipt', key, body);
  }

  /** POST /v1/kkt/correction: exactly one correction receipt (form 31) per Idempotency-Key. */
  correction(key: string, body: unknown): Promise<ReceiptOutcome> {
    return this.fiscalize('correction', key, body);
  }

  private async fiscalize(kind: SettlementKind, key: string, body: unknown): Promise<ReceiptOutcome> {
    if (this.inFlight.has(key))
      return fail(
        'IDEMPOTENCY_KEY_IN_FLIGHT',
        `a request with Idempotency-Key "${key}" is still being processed; retry when it has finished`,
      );
    this.inFlight.add(key);
    try {
      const hash = safeBodyHash(body);
      if (hash === undefined) {
        const validation = validateReceipt(body, this.validationContext());
        return {
          ok: false,
          failure: validationFailure(
            validation.ok ? [{ path: '', message: 'cannot be canonicalized' }] : validation.errors,
          ),
        };
      }
      const existing = this.o.store.getRequest(key);
      if (existing) {
        // A stored document means the request is done (in-flight intents have no receipt row yet).
        const stored =
          existing.document === null ? undefined : storedReceipt(existing, parseDocument(existing.document));
        if (existing.body_hash !== hash || (stored !== undefined && stored.document.kind !== kind))
          return fail(
            'IDEMPOTENCY_KEY_MISMATCH',
            `Idempotency-Key "${key}" was already used with a different request body`,
          );
        if (stored) return { ok: true, receipt: stored, replayed: true };
        if (existing.state === 'done') {
          // Pruned by retention: the fiscal archive still has the document.
          const doc = await this.o.driver.findReceipt(existing.receipt_id, existing.after_doc_number);
          if (doc) return { ok: true, receipt: storedReceipt(existing, doc), replayed: true };
          return fail(
            'DEVICE_UNAVAILABLE',
            `the document printed for Idempotency-Key "${key}" is not in the device's archive`,
          );
        }
        // Left in flight by a crash or a device failure, and not running now: settle it first.
        const settled = await this.settle(existing);
        if (settled) return { ok: true, receipt: settled, replayed: true };
      }
      const outcome = await this.fiscalizeNew(kind, key, hash, body);
      if (outcome.ok) this.o.storage?.succeeded();
      return outcome;
    } catch (e) {
      return { ok: false, failure: this.storageFailure(e) };
    } finally {
      this.inFlight.delete(key);
    }
  }

  /**
   * A failed write of the adapter's own records. Never "failed": the receipt may be printed, so
   * the POS learns its outcome by retrying the same key once storage is back (the in-flight
   * record, when it was written, is settled from the device's archive then).
   */
  private storageFailure(e: unknown): ServiceFailure {
    const printed = e instanceof RecordNotWritten ? e.printed : undefined;
    const cause = e instanceof RecordNotWritten ? e.error : e;
    const kind = this.o.storage?.failed(cause, 'adapter.db write');
    if (kind === undefined && !(e instanceof RecordNotWritten)) throw e;
    const why = kind ? STORAGE_CAUSE_TEXT[kind] : 'a storage error';
    return {
      code: 'STORAGE_UNAVAILABLE',
      message:
        printed !== undefined
          ? `the receipt was printed (fiscal document ${printed}) but the adapter could not record it (${why}); retry with the same Idempotency-Key to get its answer once storage is back`
          : `the adapter could not record the request (${why}); retry with the same Idempotency-Key`,
    };
  }

  /**
   * What became of `key` without printing anything: the receipt printed for it, `none` when
   * nothing was (an intent left in flight is settled from the device's archive and removed),
   * or `unknown` while the device cannot tell. How a blocked ATOL task is decided.
   */
  async outcomeOf(key: string): Promise<KeyOutcome> {
    if (this.inFlight.has(key)) return { state: 'unknown', message: 'the request is still being processed' };
    const existing = this.o.store.getRequest(key);
    if (!existing) return { state: 'none' };
    if (existing.state === 'done' && existing.document !== null)
      return { state: 'printed', receipt: storedReceipt(existing, parseDocument(existing.document)) };
    this.inFlight.add(key);
    try {
      const settled = await this.settle(existing);
      return settled ? { state: 'printed', receipt: settled } : { state: 'none' };
    } catch (e) {
      return { state: 'unknown', message: e instanceof Error ? e.message : String(e) };
    } finally {
      this.inFlight.delete(key);
    }
  }

  /** A receipt in the buffer with the request it was printed for. */
  stored(receiptId: string): StoredReceipt | undefined {
    const r = this.o.store.getReceipt(receiptId);
    if (!r) return undefined;
    return {
      receiptId: r.receipt_id,
      idempotencyKey: r.idempotency_key,
      request: JSON.parse(r.request) as unknown,
      document: parseDocument(r.document),
      syncStatus: r.sync_status,
      ofdId: r.ofd_id,
      retryCount: r.retry_count,
      lastError: r.last_error,
      hlc: r.hlc,
      createdAt: r.created_at,
      syncedAt: r.synced_at,
    };
  }

  private validate(kind: SettlementKind, body: unknown) {
    return kind === 'receipt'
      ? validateReceipt(body, this.validationContext())
      : validateCorrection(body, this.validationContext());
  }

  private async fiscalizeNew(kind: SettlementKind, key: string, hash: string, body: unknown): Promise<ReceiptOutcome> {
    const validation = this.validate(kind, body);
    if (!validation.ok) return { ok: false, failure: validationFailure(validation.errors) };
    const buffer = this.o.buffer;
    if (!buffer.claim())
      return fail(
        'BUFFER_FULL',
        `Buffer full: ${buffer.used()} receipts wait for the ОФД (block threshold ${buffer.blockAt()}); nothing was fiscalized`,
      );
    try {
      const intent: Omit<RequestRecord, 'state' | 'completed_at' | 'warnings' | 'document'> = {
        idempotency_key: key,
        body_hash: hash,
        receipt_id: newReceiptId(),
        after_doc_number: this.lastDocNumber,
        request: JSON.stringify(body),
        created_at: this.o.clock.now(),
      };
      await this.o.store.group.run(() => this.o.store.insertRequest(intent));
      let doc: SettlementDocument;
      try {
        const ids = { requestId: intent.receipt_id, idempotencyKey: key, bodyHash: hash };
        // Object.assign, not two spreads: the same object at a fraction of the cost on Node 20's V8.
        doc =
          kind === 'receipt'
            ? await this.o.driver.printReceipt(Object.assign({}, validation.value, ids))
            : await this.o.driver.printCorrection(Object.assign({}, validation.value as CorrectionInput, ids));
      } catch (e) {
        return { ok: false, failure: await this.afterDeviceError(intent, e) };
      }
      const receipt = await this.complete(intent, doc, validation.warnings);
      return { ok: true, receipt, replayed: false };
    } finally {
      buffer.release();
    }
  }

  /**
   * A refusal means nothing was printed: the intent goes, so the same key may be retried.
   * Any other failure leaves the outcome unknown, so the device's archive decides.
   */
  private async afterDeviceError(intent: Pick<RequestRecord, 'idempotency_key'>, e: unknown): Promise<ServiceFailure> {
    if (e instanceof FiscalError && e.code !== 'DEVICE_STOPPED') {
      await this.o.store.group.run(() => this.o.store.deleteInFlight(intent.idempotency_key));
      return failureOf(e);
    }
    // The device's own storage (the emulator's archive) failing on the same disk.
    if (e instanceof Error) this.o.storage?.failed(e.cause, 'fiscal archive write');
    const message = e instanceof Error ? e.message : String(e);
    return {
      code: 'DEVICE_UNAVAILABLE',
      message: `the device did not complete the receipt (${message}); retry with the same Idempotency-Key to get its outcome`,
    };
  }

  private async complete(
    intent: Pick<RequestRecord, 'idempotency_key' | 'receipt_id'>,
    doc: SettlementDocument,
    warnings: string[],
  ): Promise<PrintedReceipt> {
    const now = this.o.clock.now();
    this.hlc = hlcTick(this.hlc, now);
    const hlc = this.hlc;
    this.lastDocNumber = Math.max(this.lastDocNumber, doc.number);
    const store = this.o.store;
    await store.group
      .run(() => {
        store.completeRequest(
          {
            receipt_id: intent.receipt_id,
            idempotency_key: intent.idempotency_key,
            fn_number: doc.fnNumber,
            fiscal_doc_number: doc.number,
            document: documentJson(doc),
            hlc: hlcToString(hlc),
            created_at: now,
          },
          warnings,
          now,
        );
        store.saveHlc(hlc.wall, hlc.logical);
      })
      .catch((e: unknown) => {
        throw new RecordNotWritten(e, doc.number);
      });
    store.notePending();
    this.o.onBuffered?.();
    return { receiptId: intent.receipt_id, idempotencyKey: intent.idempotency_key, document: doc, warnings };
  }

  private validationContext() {
    // Whole minutes, like document times, so localParts answers from its one-entry memo.
    const minute = truncateToMinute(this.o.clock.now());
    const local = localParts(minute, this.o.timezone);
    const today = `${local.year}-${String(local.month).padStart(2, '0')}-${String(local.day).padStart(2, '0')}`;
    return {
      defaultTaxation: this.o.defaultTaxation,
      year: local.year,
      today,
      ...(this.registered ? { registeredTaxation: this.registered } : {}),
    };
  }
}

const parseDocument = (json: string) => JSON.parse(json) as SettlementDocument;

function storedReceipt(r: RequestRecord, document: SettlementDocument): PrintedReceipt {
  return {
    receiptId: r.receipt_id,
    idempotencyKey: r.idempotency_key,
    document,
    warnings: r.warnings === null ? [] : (JSON.parse(r.warnings) as string[]),
  };
}
