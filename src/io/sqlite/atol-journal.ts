import { type Db, openDatabase } from './open-database.ts';

const MIGRATIONS = [
  `
  -- What the atol driver asked an ATOL server to fiscalize, and what came back: the receipt's
  -- input is on disk before the POST, so after a crash the server's result completes it.
  CREATE TABLE journal (
    uuid TEXT PRIMARY KEY,
    input TEXT NOT NULL,
    number INTEGER,
    document TEXT
  );
  CREATE INDEX journal_number ON journal(number) WHERE number IS NOT NULL;
  `,
];

/** `atol-driver.db` in the adapter's data dir (WAL, synchronous=FULL). */
export class AtolJournal {
  private readonly db: Db;
  private readonly stmts;

  constructor(path: string) {
    this.db = openDatabase(path, MIGRATIONS);
    const db = this.db;
    this.stmts = {
      put: db.prepare('INSERT OR IGNORE INTO journal (uuid, input) VALUES (?, ?)'),
      complete: db.prepare('INSERT OR REPLACE INTO journal (uuid, input, number, document) VALUES (?, ?, ?, ?)'),
      get: db.prepare<[string], { input: string; document: string | null }>(
        'SELECT input, document FROM journal WHERE uuid = ?',
      ),
      byNumber: db.prepare<[number], { document: string }>(
        'SELECT document FROM journal WHERE number = ? ORDER BY rowid DESC LIMIT 1',
      ),
      remove: db.prepare('DELETE FROM journal WHERE uuid = ? AND document IS NULL'),
    };
  }

  /** Records what is about to be sent under `uuid` (durable before it returns). */
  put(uuid: string, input: unknown): void {
    this.stmts.put.run(uuid, JSON.stringify(input));
  }

  /** What came back; `number` is null for what is not a fiscal document (a cash movement). */
  complete(uuid: string, input: unknown, number: number | null, document: unknown): void {
    this.stmts.complete.run(uuid, JSON.stringify(input), number, JSON.stringify(document));
  }

  get(uuid: string): { input: unknown; document: unknown } | undefined {
    const r = this.stmts.get.get(uuid);
    if (!r) return undefined;
    return { input: JSON.parse(r.input), document: r.document === null ? undefined : JSON.parse(r.document) };
  }

  document(number: number): unknown {
    const r = this.stmts.byNumber.get(number);
    return r ? JSON.parse(r.document) : undefined;
  }

  /** The server never got it: forget the intent. */
  remove(uuid: string): void {
    this.stmts.remove.run(uuid);
  }

  clear(): void {
    this.db.exec('DELETE FROM journal');
  }

  close(): void {
    this.db.close();
  }
}
