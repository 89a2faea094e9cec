import { GroupCommitter } from './group-commit.ts';
import type { Db } from './open-database.ts';
import { openDatabase } from './open-database.ts';

const MIGRATIONS = [
  `
  -- One row per Idempotency-Key: written before the device is asked, completed after.
  CREATE TABLE requests (
    idempotency_key TEXT PRIMARY KEY,
    body_hash TEXT NOT NULL,
    receipt_id TEXT NOT NULL UNIQUE,
    state TEXT NOT NULL CHECK (state IN ('in_flight', 'done')),
    after_doc_number INTEGER NOT NULL,
    request TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    completed_at INTEGER,
    response TEXT
  );
  CREATE INDEX requests_in_flight ON requests(state) WHERE state = 'in_flight';
  -- The durable buffer: every fiscalized receipt until the ОФД has it.
  CREATE TABLE receipts (
    receipt_id TEXT PRIMARY KEY,
    idempotency_key TEXT NOT NULL,
    fn_number TEXT NOT NULL,
    fiscal_doc_number INTEGER NOT NULL,
    request TEXT NOT NULL,
    document TEXT NOT NULL,
    fiscal_doc TEXT NOT NULL,
    sync_status TEXT NOT NULL DEFAULT 'pending' CHECK (sync_status IN ('pending', 'synced', 'failed')),
    retry_count INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    ofd_id TEXT,
    hlc TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    synced_at INTEGER,
    UNIQUE (fn_number, fiscal_doc_number)
  );
  CREATE INDEX receipts_status_fifo ON receipts(sync_status, fiscal_doc_number);
  CREATE TABLE hlc_state (id INTEGER PRIMARY KEY CHECK (id = 1), wall INTEGER NOT NULL, logical INTEGER NOT NULL);
  `,
  `
  -- One stored copy of each thing (0.1 kept five overlapping JSON copies per receipt): the request
  -- body in requests, the fiscal document in receipts, and the answer's warnings. The answer and
  -- the fiscal_doc view are rendered again from them on replay.
  ALTER TABLE requests ADD COLUMN warnings TEXT;
  UPDATE requests SET warnings = json_extract(response, '$.warnings')
    WHERE response IS NOT NULL AND json_array_length(json_extract(response, '$.warnings')) > 0;
  ALTER TABLE requests DROP COLUMN response;
  ALTER TABLE receipts DROP COLUMN request;
  ALTER TABLE receipts DROP COLUMN fiscal_doc;
  `,
  `
  -- Cash in / cash out, exactly once per Idempotency-Key, like receipts: the intent is durable
  -- before the device is asked; the movement (what the device did) once it answered.
  CREATE TABLE cash_requests (
    idempotency_key TEXT PRIMARY KEY,
    body_hash TEXT NOT NULL,
    request_id TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL CHECK (kind IN ('in', 'out')),
    state TEXT NOT NULL CHECK (state IN ('in_flight', 'done')),
    movement TEXT,
    created_at INTEGER NOT NULL
  );
  -- Facts about the data dir: which fiscal archive (ФН) this database belongs to.
  CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  -- Written and deleted by the storage probe: can the adapter write again (disk space back)?
  CREATE TABLE storage_probe (id INTEGER PRIMARY KEY, filler BLOB);
  -- Retention: synced receipts by age.
  CREATE INDEX receipts_synced_at ON receipts(synced_at) WHERE sync_status = 'synced';
  `,
];

export type SyncStatus = 'pending' | 'synced' | 'failed';

export interface CashRequestRecord {
  idempotency_key: string;
  body_hash: string;
  request_id: string;
  kind: 'in' | 'out';
  state: 'in_flight' | 'done';
  /** The device's movement as JSON, once done. */
  movement: string | null;
  created_at: number;
}

export interface RequestRecord {
  idempotency_key: string;
  body_hash: string;
  receipt_id: string;
  state: 'in_flight' | 'done';
  after_doc_number: number;
  request: string;
  created_at: number;
  completed_at: number | null;
  /** The answer's warnings as a JSON array; NULL for none. */
  warnings: string | null;
  /** The fiscal document printed for the request (joined from receipts), once done. */
  document: string | null;
}

export interface ReceiptRecord {
  receipt_id: string;
  idempotency_key: string;
  fn_number: string;
  fiscal_doc_number: number;
  document: string;
  sync_status: SyncStatus;
  retry_count: number;
  last_error: string | null;
  ofd_id: string | null;
  hlc: string;
  created_at: number;
  synced_at: number | null;
}

/** A receipt rebuilt from the fiscal archive (adapter.db lost): its key row and its buffer row at once. */
export interface RebuiltReceipt {
  idempotency_key: string;
  body_hash: string;
  receipt_id: string;
  fn_number: string;
  fiscal_doc_number: number;
  document: string;
  hlc: string;
  created_at: number;
  synced: boolean;
}

/** What one sync pass learnt, written in one transaction. */
export interface SyncOutcome {
  synced: { receipt_id: string; ofd_id: string; attempts: number }[];
  failed: { receipt_id: string; reason: string; attempts: number }[];
  /** Still pending after transient failures: attempts are counted and the reason kept. */
  retried: { receipt_id: string; reason: string; attempts: number }[];
}

export type PendingReceipt = Pick<ReceiptRecord, 'receipt_id' | 'fn_number' | 'fiscal_doc_number' | 'document'>;

export interface BufferCounts {
  pending: number;
  synced: number;
  failed: number;
}

/**
 * The adapter's own database (`adapter.db`): idempotency records and the receipt buffer.
 * Counts are kept in memory (derived once at open) because every POST checks capacity.
 */
export class AdapterStore {
  readonly db: Db;
  readonly group: GroupCommitter;
  private counts: BufferCounts;
  private readonly stmts;

  constructor(path: string) {
    this.db = openDatabase(path, MIGRATIONS);
    this.group = new GroupCommitter(this.db);
    const db = this.db;
    this.stmts = {
      getRequest: db.prepare<[string], RequestRecord>(
        `SELECT q.*, r.document FROM requests q LEFT JOIN receipts r ON r.receipt_id = q.receipt_id
         WHERE q.idempotency_key = ?`,
      ),
      insertRequest: db.prepare(
        `INSERT INTO requests (idempotency_key, body_hash, receipt_id, state, after_doc_number, request, created_at)
         VALUES (@idempotency_key, @body_hash, @receipt_id, 'in_flight', @after_doc_number, @request, @created_at)`,
      ),
      completeRequest: db.prepare(
        `UPDATE requests SET state = 'done', completed_at = @completed_at, warnings = @warnings
         WHERE idempotency_key = @idempotency_key AND state = 'in_flight'`,
      ),
      deleteRequest: db.prepare(`DELETE FROM requests WHERE idempotency_key = ? AND state = 'in_flight'`),
      inFlight: db.prepare<[], RequestRecord>(
        `SELECT *, NULL AS document FROM requests WHERE state = 'in_flight' ORDER BY created_at`,
      ),
      insertReceipt: db.prepare(
        `INSERT INTO receipts (receipt_id, idempotency_key, fn_number, fiscal_doc_number, document, hlc, created_at)
         VALUES (@receipt_id, @idempotency_key, @fn_number, @fiscal_doc_number, @document, @hlc, @created_at)`,
      ),
      getReceipt: db.prepare<[string], ReceiptRecord & { request: string }>(
        `SELECT r.*, q.request FROM receipts r JOIN requests q ON q.idempotency_key = r.idempotency_key
         WHERE r.receipt_id = ?`,
      ),
      oldestPending: db.prepare<[], { created_at: number }>(
        `SELECT created_at FROM receipts WHERE sync_status = 'pending' ORDER BY fiscal_doc_number LIMIT 1`,
      ),
      countBy: db.prepare<[], { sync_status: SyncStatus; n: number }>(
        'SELECT sync_status, COUNT(*) AS n FROM receipts GROUP BY sync_status',
      ),
      pendingBatch: db.prepare<[number], PendingReceipt>(
        `SELECT receipt_id, fn_number, fiscal_doc_number, document FROM receipts
         WHERE sync_status = 'pending' ORDER BY fiscal_doc_number LIMIT ?`,
      ),
      markSynced: db.prepare(
        `UPDATE receipts SET sync_status = 'synced', ofd_id = @ofd_id, synced_at = @at,
           retry_count = retry_count + @attempts - 1, last_error = NULL
         WHERE receipt_id = @receipt_id AND sync_status = 'pending'`,
      ),
      markFailed: db.prepare(
        `UPDATE receipts SET sync_status = 'failed', last_error = @reason, retry_count = retry_count + @attempts - 1
         WHERE receipt_id = @receipt_id AND sync_status = 'pending'`,
      ),
      noteRetry: db.prepare(
        `UPDATE receipts SET last_error = @reason, retry_count = retry_count + @attempts
         WHERE receipt_id = @receipt_id AND sync_status = 'pending'`,
      ),
      byDocument: db.prepare<[string, number], { receipt_id: string; sync_status: SyncStatus }>(
        'SELECT receipt_id, sync_status FROM receipts WHERE fn_number = ? AND fiscal_doc_number = ?',
      ),
      getCash: db.prepare<[string], CashRequestRecord>('SELECT * FROM cash_requests WHERE idempotency_key = ?'),
      insertCash: db.prepare(
        `INSERT INTO cash_requests (idempotency_key, body_hash, request_id, kind, state, created_at)
         VALUES (@idempotency_key, @body_hash, @request_id, @kind, 'in_flight', @created_at)`,
      ),
      completeCash: db.prepare(
        `UPDATE cash_requests SET state = 'done', movement = @movement
         WHERE idempotency_key = @idempotency_key AND state = 'in_flight'`,
      ),
      deleteCash: db.prepare(`DELETE FROM cash_requests WHERE idempotency_key = ? AND state = 'in_flight'`),
      inFlightCash: db.prepare<[], CashRequestRecord>(
        `SELECT * FROM cash_requests WHERE state = 'in_flight' ORDER BY created_at`,
      ),
      requeue: db.prepare(
        `UPDATE receipts SET sync_status = 'pending', last_error = NULL WHERE sync_status = 'failed'`,
      ),
      prunable: db.prepare<[number, number], { receipt_id: string; idempotency_key: string }>(
        `SELECT receipt_id, idempotency_key FROM receipts
         WHERE sync_status = 'synced' AND synced_at < ? ORDER BY synced_at LIMIT ?`,
      ),
      deleteReceipt: db.prepare('DELETE FROM receipts WHERE receipt_id = ?'),
      forgetBody: db.prepare(`UPDATE requests SET request = 'null' WHERE idempotency_key = ?`),
      getMeta: db.prepare<[string], { value: string }>('SELECT value FROM meta WHERE key = ?'),
      putMeta: db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)'),
      anyRequest: db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM (SELECT 1 FROM requests LIMIT 1)'),
      insertRebuiltRequest: db.prepare(
        `INSERT OR IGNORE INTO requests (idempotency_key, body_hash, receipt_id, state, after_doc_number, request, created_at, completed_at)
         VALUES (@idempotency_key, @body_hash, @receipt_id, 'done', @fiscal_doc_number - 1, 'null', @created_at, @created_at)`,
      ),
      insertRebuiltReceipt: db.prepare(
        `INSERT OR IGNORE INTO receipts (receipt_id, idempotency_key, fn_number, fiscal_doc_number, document, hlc, created_at,
           sync_status, synced_at)
         VALUES (@receipt_id, @idempotency_key, @fn_number, @fiscal_doc_number, @document, @hlc, @created_at,
           CASE WHEN @synced = 1 THEN 'synced' ELSE 'pending' END, CASE WHEN @synced = 1 THEN @created_at END)`,
      ),
      probeInsert: db.prepare('INSERT INTO storage_probe (filler) VALUES (randomblob(8192))'),
      probeDelete: db.prepare('DELETE FROM storage_probe'),
      getHlc: db.prepare<[], { wall: number; logical: number }>('SELECT wall, logical FROM hlc_state WHERE id = 1'),
      putHlc: db.prepare('INSERT OR REPLACE INTO hlc_state (id, wall, logical) VALUES (1, ?, ?)'),
    };
    this.counts = this.readCounts();
  }

  bufferCounts(): BufferCounts {
    return { ...this.counts };
  }

  getRequest(key: string): RequestRecord | undefined {
    return this.stmts.getRequest.get(key);
  }

  insertRequest(r: Omit<RequestRecord, 'state' | 'completed_at' | 'warnings' | 'document'>): void {
    this.stmts.insertRequest.run(r);
  }

  deleteInFlight(key: string): void {
    this.stmts.deleteRequest.run(key);
  }

  inFlightRequests(): RequestRecord[] {
    return this.stmts.inFlight.all();
  }

  /** Stores the fiscalized receipt and the warnings its answer gave; call inside one transaction. */
  completeRequest(
    receipt: Omit<ReceiptRecord, 'sync_status' | 'retry_count' | 'last_error' | 'ofd_id' | 'synced_at'>,
    warnings: readonly string[],
    completedAt: number,
  ): void {
    this.stmts.insertReceipt.run(receipt);
    const done = this.stmts.completeRequest.run({
      idempotency_key: receipt.idempotency_key,
      completed_at: completedAt,
      warnings: warnings.length > 0 ? JSON.stringify(warnings) : null,
    });
    if (done.changes !== 1) throw new Error(`request ${receipt.idempotency_key} was not in flight`);
  }

  /** Call once the transaction holding completeRequest has committed (a rollback must not count). */
  notePending(): void {
    this.counts.pending++;
  }

  /** The oldest pending receipts, in fiscal document order. */
  pendingBatch(limit: number): PendingReceipt[] {
    return this.stmts.pendingBatch.all(limit);
  }

  /**
   * Records a sync pass in one transaction: a receipt becomes `synced` only together with its
   * ОФД id. Rows that are no longer pending (a reset in between) are left alone.
   */
  applySyncOutcome(outcome: SyncOutcome, at: number): void {
    if (outcome.synced.length + outcome.failed.length + outcome.retried.length === 0) return;
    let synced = 0;
    let failed = 0;
    this.db.transaction(() => {
      for (const r of outcome.synced) synced += this.stmts.markSynced.run({ ...r, at }).changes;
      for (const r of outcome.failed) failed += this.stmts.markFailed.run(r).changes;
      for (const r of outcome.retried) this.stmts.noteRetry.run(r);
    })();
    this.counts.pending -= synced + failed;
    this.counts.synced += synced;
    this.counts.failed += failed;
  }

  /** The buffer's view of one fiscal document, if it is a receipt the adapter printed. */
  receiptByDocument(fnNumber: string, docNumber: number): { receipt_id: string; sync_status: SyncStatus } | undefined {
    return this.stmts.byDocument.get(fnNumber, docNumber);
  }

  /** A receipt with the request body it was printed for. */
  getReceipt(receiptId: string): (ReceiptRecord & { request: string }) | undefined {
    return this.stmts.getReceipt.get(receiptId);
  }

  oldestPendingAt(): number | null {
    return this.stmts.oldestPending.get()?.created_at ?? null;
  }

  getCashRequest(key: string): CashRequestRecord | undefined {
    return this.stmts.getCash.get(key);
  }

  insertCashRequest(r: Omit<CashRequestRecord, 'state' | 'movement'>): void {
    this.stmts.insertCash.run(r);
  }

  completeCashRequest(key: string, movement: string): void {
    if (this.stmts.completeCash.run({ idempotency_key: key, movement }).changes !== 1)
      throw new Error(`cash request ${key} was not in flight`);
  }

  deleteCashInFlight(key: string): void {
    this.stmts.deleteCash.run(key);
  }

  inFlightCashRequests(): CashRequestRecord[] {
    return this.stmts.inFlightCash.all();
  }

  loadHlc(): { wall: number; logical: number } | undefined {
    return this.stmts.getHlc.get();
  }

  saveHlc(wall: number, logical: number): void {
    this.stmts.putHlc.run(wall, logical);
  }

  /** Failed receipts back to pending (POST /v1/kkt/buffer/retry); answers how many. */
  requeueFailed(): number {
    const n = this.stmts.requeue.run().changes;
    this.counts.failed -= n;
    this.counts.pending += n;
    return n;
  }

  /**
   * Retention: forgets synced receipts older than `before` (their document and request body;
   * the key row stays, so a replay is still answered from the fiscal archive). At most `limit`
   * per call, so the database is never held for long. The ФН archive itself is never pruned.
   */
  pruneSynced(before: number, limit: number): number {
    const rows = this.stmts.prunable.all(before, limit);
    if (rows.length === 0) return 0;
    this.db.transaction(() => {
      for (const r of rows) {
        this.stmts.deleteReceipt.run(r.receipt_id);
        this.stmts.forgetBody.run(r.idempotency_key);
      }
    })();
    this.counts.synced -= rows.length;
    return rows.length;
  }

  getMeta(key: string): string | undefined {
    return this.stmts.getMeta.get(key)?.value;
  }

  setMeta(key: string, value: string): void {
    this.stmts.putMeta.run(key, value);
  }

  /** Whether any request was ever recorded: a used database. */
  hasHistory(): boolean {
    return (this.stmts.anyRequest.get()?.n ?? 0) > 0;
  }

  /** Writes receipts rebuilt from the fiscal archive, in one transaction. */
  insertRebuilt(rows: readonly RebuiltReceipt[]): void {
    this.db.transaction(() => {
      for (const r of rows) {
        const row = { ...r, synced: r.synced ? 1 : 0 };
        this.stmts.insertRebuiltRequest.run(row);
        this.stmts.insertRebuiltReceipt.run(row);
      }
    })();
    this.counts = this.readCounts();
  }

  /** A write that needs a fresh page, rolled back: fails while the disk is full or read-only. */
  probeWrite(): void {
    this.db.transaction(() => {
      this.stmts.probeInsert.run();
      this.stmts.probeDelete.run();
    })();
  }

  /** Test isolation (emulator reset): forget every receipt and request. */
  clear(): void {
    this.db.exec('DELETE FROM receipts; DELETE FROM requests; DELETE FROM cash_requests;');
    this.counts = this.readCounts();
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  private readCounts(): BufferCounts {
    const counts: BufferCounts = { pending: 0, synced: 0, failed: 0 };
    for (const row of this.stmts.countBy.all()) counts[row.sync_status] = row.n;
    return counts;
  }
}
