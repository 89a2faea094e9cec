import { OPERATION_NAMES, type Operation } from '../../fiscal/codes.ts';
import type { FiscalDocument, FnIdentity, ShiftTotals } from '../../fiscal/document.ts';
import { documentJson } from '../../fiscal/document-json.ts';
import { type CashMovement, emptyShiftTotals, type FnState, type FnStep } from '../../fiscal/fn-core.ts';
import { parseStoredDocument } from '../../fiscal/stored-document.ts';
import { type Db, openDatabase } from './open-database.ts';

const MIGRATIONS = [
  `
  CREATE TABLE fn_identity (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    fn_number TEXT NOT NULL,
    body TEXT NOT NULL,
    secret TEXT NOT NULL
  );
  CREATE TABLE documents (
    number INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    shift_number INTEGER,
    date_time INTEGER NOT NULL,
    fiscal_sign TEXT NOT NULL,
    request_id TEXT,
    body TEXT NOT NULL
  );
  CREATE INDEX documents_request_id ON documents(request_id) WHERE request_id IS NOT NULL;
  -- The ФН is append-only: numbers are contiguous and a written document never changes.
  CREATE TRIGGER documents_contiguous BEFORE INSERT ON documents
    WHEN NEW.number <> (SELECT COALESCE(MAX(number), 0) + 1 FROM documents)
    BEGIN SELECT RAISE(ABORT, 'fiscal document numbers must be contiguous'); END;
  CREATE TRIGGER documents_immutable BEFORE UPDATE ON documents
    BEGIN SELECT RAISE(ABORT, 'fiscal documents are immutable'); END;
  CREATE TRIGGER documents_append_only BEFORE DELETE ON documents
    BEGIN SELECT RAISE(ABORT, 'fiscal documents are immutable'); END;
  CREATE TABLE counters (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    last_doc_number INTEGER NOT NULL,
    last_doc_at INTEGER NOT NULL,
    shift_number INTEGER NOT NULL,
    shift_open INTEGER NOT NULL,
    shift_opened_at INTEGER,
    receipts_in_shift INTEGER NOT NULL,
    documents_in_shift INTEGER NOT NULL,
    unsent_count INTEGER NOT NULL,
    first_unsent_number INTEGER,
    first_unsent_at INTEGER
  );
  CREATE TABLE shift_totals (
    operation TEXT PRIMARY KEY,
    count INTEGER NOT NULL,
    total INTEGER NOT NULL,
    cash INTEGER NOT NULL,
    card INTEGER NOT NULL,
    prepaid INTEGER NOT NULL,
    credit INTEGER NOT NULL,
    other INTEGER NOT NULL
  );
  CREATE TABLE confirmations (
    doc_number INTEGER PRIMARY KEY REFERENCES documents(number),
    confirmed_at INTEGER NOT NULL
  );
  `,
  // FnState fields added after 0.1 (1194 in full, 1157, the drawer, ФН closed) as one JSON value;
  // NULL on rows written before, which fn-core reads as its defaults.
  `ALTER TABLE counters ADD COLUMN ext TEXT;`,
  `
  -- Cash in / cash out: non-fiscal, no document number, but the drawer's history, each with the
  -- id of the request that asked for it so a crash between here and the adapter is settled.
  CREATE TABLE cash_movements (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL CHECK (kind IN ('in', 'out')),
    amount INTEGER NOT NULL,
    balance INTEGER NOT NULL,
    at INTEGER NOT NULL,
    request_id TEXT,
    body TEXT NOT NULL
  );
  CREATE INDEX cash_movements_request_id ON cash_movements(request_id) WHERE request_id IS NOT NULL;
  `,
  // Ordered confirmation (ffd.md §7): the ФН's confirmed point is the last document of the
  // gap-free acknowledged prefix, so the unsent count is everything after it, acknowledged or
  // not. Archives written before counted only the unacknowledged documents.
  `UPDATE counters SET unsent_count =
     CASE WHEN first_unsent_number IS NULL THEN 0 ELSE last_doc_number - first_unsent_number + 1 END;`,
];

export interface ConfirmOutcome {
  confirmed: number[];
  alreadyConfirmed: number[];
  unknown: number[];
}

interface CountersRow {
  last_doc_number: number;
  last_doc_at: number;
  shift_number: number;
  shift_open: number;
  shift_opened_at: number | null;
  receipts_in_shift: number;
  documents_in_shift: number;
  unsent_count: number;
  first_unsent_number: number | null;
  first_unsent_at: number | null;
  ext: string | null;
}

interface TotalsRow {
  operation: Operation;
  count: number;
  total: number;
  cash: number;
  card: number;
  prepaid: number;
  credit: number;
  other: number;
}

/** The FnState fields that have no column of their own, or null when none is set. */
function extOf(s: FnState): string | null {
  const ext: Partial<FnState> = {};
  if (s.shiftCounters !== undefined) ext.shiftCounters = s.shiftCounters;
  if (s.fnTotals !== undefined) ext.fnTotals = s.fnTotals;
  if (s.cashBalance !== undefined) ext.cashBalance = s.cashBalance;
  if (s.fnClosed !== undefined) ext.fnClosed = s.fnClosed;
  return Object.keys(ext).length > 0 ? JSON.stringify(ext) : null;
}

/**
 * The memory of one fiscal drive: an append-only, contiguously numbered table of documents and
 * the counters that go with them, always written together in one transaction.
 */
export class FiscalArchive {
  readonly identity: FnIdentity;
  readonly secret: string;
  private readonly db: Db;
  private cached: FnState;
  private readonly insertDoc;
  private readonly writeCounters;
  private readonly writeTotals;
  private readonly selectDoc;
  private readonly selectFrom;
  private readonly insertCash;
  private readonly selectCashByRequest;
  private readonly selectCashSince;
  private readonly selectByRequest;
  private readonly insertConfirmation;
  private readonly nextUnsent;
  private readonly selectUnsent;

  private constructor(db: Db, identity: FnIdentity, secret: string, initial?: FnState) {
    this.db = db;
    this.identity = identity;
    this.secret = secret;
    this.insertDoc = db.prepare(
      `INSERT INTO documents (number, kind, shift_number, date_time, fiscal_sign, request_id, body)
       VALUES (@number, @kind, @shift_number, @date_time, @fiscal_sign, @request_id, @body)`,
    );
    this.writeCounters = db.prepare(
      `INSERT OR REPLACE INTO counters VALUES (1, @last_doc_number, @last_doc_at, @shift_number, @shift_open,
       @shift_opened_at, @receipts_in_shift, @documents_in_shift, @unsent_count, @first_unsent_number, @first_unsent_at,
       @ext)`,
    );
    this.writeTotals = db.prepare(
      `INSERT OR REPLACE INTO shift_totals VALUES (@operation, @count, @total, @cash, @card, @prepaid, @credit, @other)`,
    );
    this.selectDoc = db.prepare<[number], { body: string }>('SELECT body FROM documents WHERE number = ?');
    this.selectFrom = db.prepare<[number, number], { body: string }>(
      'SELECT body FROM documents WHERE number >= ? ORDER BY number LIMIT ?',
    );
    this.insertCash = db.prepare(
      `INSERT INTO cash_movements (kind, amount, balance, at, request_id, body)
       VALUES (@kind, @amount, @balance, @at, @request_id, @body)`,
    );
    this.selectCashByRequest = db.prepare<[string], { body: string }>(
      'SELECT body FROM cash_movements WHERE request_id = ? ORDER BY seq LIMIT 1',
    );
    this.selectCashSince = db.prepare<[number], { body: string }>(
      'SELECT body FROM cash_movements WHERE at >= ? ORDER BY seq',
    );
    this.selectByRequest = db.prepare<[string], { body: string }>(
      'SELECT body FROM documents WHERE request_id = ? ORDER BY number LIMIT 1',
    );
    this.insertConfirmation = db.prepare(
      'INSERT OR IGNORE INTO confirmations (doc_number, confirmed_at) VALUES (?, ?)',
    );
    this.nextUnsent = db.prepare<[number], { number: number; date_time: number }>(
      `SELECT d.number, d.date_time FROM documents d
       WHERE d.number >= ? AND NOT EXISTS (SELECT 1 FROM confirmations c WHERE c.doc_number = d.number)
       ORDER BY d.number LIMIT 1`,
    );
    this.selectUnsent = db.prepare<[number, number], { body: string }>(
      `SELECT d.body FROM documents d
       WHERE d.number >= ? AND NOT EXISTS (SELECT 1 FROM confirmations c WHERE c.doc_number = d.number)
       ORDER BY d.number LIMIT ?`,
    );
    this.cached = initial ?? this.readState();
  }

  /**
   * Opens the archive at `path`, or creates it: `create` supplies a new drive's identity and
   * its registration step (document 1), written in the same transaction as the identity.
   * `check` sets how much of the file is checked at open (openDatabase).
   */
  static open(
    path: string,
    create: () => { identity: FnIdentity; secret: string; registration: FnStep },
    check: { fullCheckMaxBytes?: number } = {},
  ): FiscalArchive {
    const db = openDatabase(path, MIGRATIONS, check);
    try {
      const row = db.prepare('SELECT body, secret FROM fn_identity WHERE id = 1').get() as
        | { body: string; secret: string }
        | undefined;
      if (row) return new FiscalArchive(db, JSON.parse(row.body) as FnIdentity, row.secret);
      const fresh = create();
      const archive = new FiscalArchive(db, fresh.identity, fresh.secret, fresh.registration.state);
      db.transaction(() => {
        db.prepare('INSERT INTO fn_identity (id, fn_number, body, secret) VALUES (1, ?, ?, ?)').run(
          fresh.identity.fnNumber,
          JSON.stringify(fresh.identity),
          fresh.secret,
        );
        archive.writeSteps([fresh.registration]);
      })();
      return archive;
    } catch (e) {
      db.close();
      throw e;
    }
  }

  /** The counters as last committed (kept in memory; the database is only read at open). */
  state(): FnState {
    return this.cached;
  }

  /**
   * The counters another connection (the ФН thread, the archive's writer while it runs) has
   * committed: this connection then only reads, and its reads and `state()` must agree.
   */
  adopt(state: FnState): void {
    this.cached = state;
  }

  /** Writes the documents and counters of one step atomically: all or nothing. */
  commit(step: FnStep): void {
    this.commitMany([step]);
  }

  /** Group commit: several steps in one transaction (one fsync), e.g. a burst of receipts. */
  commitMany(steps: readonly FnStep[]): void {
    if (steps.length === 0) return;
    this.db.transaction(() => this.writeSteps(steps))();
    this.cached = (steps[steps.length - 1] as FnStep).state;
  }

  getDocument(number: number): FiscalDocument | undefined {
    const row = this.selectDoc.get(number);
    return row ? parseStoredDocument(row.body) : undefined;
  }

  /** The cash movement made for a request, if any. */
  findCashByRequestId(requestId: string): CashMovement | undefined {
    const row = this.selectCashByRequest.get(requestId);
    return row ? (JSON.parse(row.body) as CashMovement) : undefined;
  }

  /** Cash movements made at or after `at`, oldest first (a shift's cash in / cash out registers). */
  cashMovementsSince(at: number): CashMovement[] {
    return this.selectCashSince.all(at).map((row) => JSON.parse(row.body) as CashMovement);
  }

  /** Documents from `fromNumber` on, in number order (the ФН archive as the tax service reads it). */
  documentsFrom(fromNumber: number, limit: number): FiscalDocument[] {
    return this.selectFrom.all(fromNumber, limit).map((r) => parseStoredDocument(r.body));
  }

  findByRequestId(requestId: string): FiscalDocument | undefined {
    const row = this.selectByRequest.get(requestId);
    return row ? parseStoredDocument(row.body) : undefined;
  }

  /**
   * Documents the ОФД has not acknowledged yet, from `fromNumber` on, oldest first. A document
   * acknowledged ahead of an earlier unacknowledged one is not listed (it needs no resend), though
   * the ФН does not count it as confirmed until the gap before it closes.
   */
  unconfirmed(fromNumber: number, limit: number): FiscalDocument[] {
    const from = Math.max(fromNumber, this.cached.firstUnsentNumber ?? this.cached.lastDocNumber + 1);
    return this.selectUnsent.all(from, limit).map((r) => parseStoredDocument(r.body));
  }

  /**
   * Records the ОФД's acknowledgements, durably, and moves the ФН's confirmed point as a real ФН
   * does (ffd.md §7): strictly in document-number order. An acknowledgement for N while an earlier
   * document is still unacknowledged is kept (it is listed in `confirmed`: the archive has it) but
   * the point stays before that earlier document; the unsent count (1097), first unsent number
   * (1116) and date (1098), and with it the 30-day rule, follow the point. Once the gap closes,
   * the point jumps over every acknowledgement kept beyond it.
   */
  confirm(numbers: readonly number[], at: number): ConfirmOutcome {
    const outcome: ConfirmOutcome = { confirmed: [], alreadyConfirmed: [], unknown: [] };
    this.db.transaction(() => {
      const s = this.cached;
      for (const n of [...new Set(numbers)].sort((a, b) => a - b)) {
        if (!Number.isSafeInteger(n) || n < 1 || n > s.lastDocNumber) outcome.unknown.push(n);
        else if (this.insertConfirmation.run(n, at).changes === 1) outcome.confirmed.push(n);
        else outcome.alreadyConfirmed.push(n);
      }
      if (outcome.confirmed.length === 0) return;
      if (s.firstUnsentNumber === null) return;
      const first = this.nextUnsent.get(s.firstUnsentNumber);
      const next: FnState = {
        ...s,
        unsentCount: first ? s.lastDocNumber - first.number + 1 : 0,
        firstUnsentNumber: first?.number ?? null,
        firstUnsentAt: first?.date_time ?? null,
      };
      this.writeCountersRow(next);
      this.cached = next;
    })();
    return outcome;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  /** Every step's documents, then the counters once: only the last step's counters survive anyway. */
  private writeSteps(steps: readonly FnStep[]): void {
    for (const doc of steps.flatMap((step) => step.documents)) {
      this.insertDoc.run({
        number: doc.number,
        kind: doc.kind,
        shift_number: 'shiftNumber' in doc ? doc.shiftNumber : null,
        date_time: doc.dateTime,
        fiscal_sign: doc.fiscalSign,
        request_id: doc.kind === 'receipt' || doc.kind === 'correction' ? (doc.requestId ?? null) : null,
        body: documentJson(doc),
      });
    }
    for (const cash of steps.flatMap((step) => (step.cash ? [step.cash] : [])))
      this.insertCash.run({ ...cash, request_id: cash.requestId ?? null, body: JSON.stringify(cash) });
    const state = (steps[steps.length - 1] as FnStep).state;
    this.writeCountersRow(state);
    for (const op of OPERATION_NAMES) {
      const t = state.shiftTotals[op];
      this.writeTotals.run({ operation: op, count: t.count, total: t.total, ...t.payments });
    }
  }

  private writeCountersRow(s: FnState): void {
    this.writeCounters.run({
      last_doc_number: s.lastDocNumber,
      last_doc_at: s.lastDocAt,
      shift_number: s.shiftNumber,
      shift_open: s.shiftOpen ? 1 : 0,
      shift_opened_at: s.shiftOpenedAt,
      receipts_in_shift: s.receiptsInShift,
      documents_in_shift: s.documentsInShift,
      unsent_count: s.unsentCount,
      first_unsent_number: s.firstUnsentNumber,
      first_unsent_at: s.firstUnsentAt,
      ext: extOf(s),
    });
  }

  private readState(): FnState {
    const c = this.db.prepare('SELECT * FROM counters WHERE id = 1').get() as CountersRow | undefined;
    if (!c) throw new Error('fiscal archive has an identity but no counters');
    const totals: ShiftTotals = emptyShiftTotals();
    for (const r of this.db.prepare('SELECT * FROM shift_totals').all() as TotalsRow[]) {
      totals[r.operation] = {
        count: r.count,
        total: r.total,
        payments: { cash: r.cash, card: r.card, prepaid: r.prepaid, credit: r.credit, other: r.other },
      };
    }
    const ext = c.ext === null ? {} : (JSON.parse(c.ext) as Partial<FnState>);
    return {
      ...ext,
      lastDocNumber: c.last_doc_number,
      lastDocAt: c.last_doc_at,
      shiftNumber: c.shift_number,
      shiftOpen: c.shift_open === 1,
      shiftOpenedAt: c.shift_opened_at,
      receiptsInShift: c.receipts_in_shift,
      documentsInShift: c.documents_in_shift,
      shiftTotals: totals,
      unsentCount: c.unsent_count,
      firstUnsentNumber: c.first_unsent_number,
      firstUnsentAt: c.first_unsent_at,
    };
  }
}
