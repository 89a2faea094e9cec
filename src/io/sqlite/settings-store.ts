import { type Db, openDatabase } from './open-database.ts';

const MIGRATIONS = [
  `
  CREATE TABLE cells (
    tbl INTEGER NOT NULL,
    row INTEGER NOT NULL,
    field INTEGER NOT NULL,
    value BLOB NOT NULL,
    PRIMARY KEY (tbl, row, field)
  ) WITHOUT ROWID;
  `,
];

/** Where a device keeps the settings a host has written: (table, row, field) → bytes. */
export interface CellStore {
  get(table: number, row: number, field: number): Buffer | undefined;
  set(table: number, row: number, field: number, value: Buffer): void;
  close(): void;
}

/** Settings that live as long as the object: tests and embedded fronts without a data dir. */
export class MemoryCellStore implements CellStore {
  private readonly cells = new Map<string, Buffer>();
  get(table: number, row: number, field: number): Buffer | undefined {
    return this.cells.get(`${table}/${row}/${field}`);
  }
  set(table: number, row: number, field: number, value: Buffer): void {
    this.cells.set(`${table}/${row}/${field}`, Buffer.from(value));
  }
  close(): void {}
}

/**
 * A ККТ's settings tables on disk, beside its ФН archive: they belong to the register, not to
 * the fiscal drive, so they survive restarts and a ФН replacement. Only values a host wrote are
 * stored; the rest are the factory values. Each write is its own durable transaction.
 */
export class SqliteCellStore implements CellStore {
  private readonly db: Db;
  private readonly select;
  private readonly upsert;

  private constructor(db: Db) {
    this.db = db;
    this.select = db.prepare<[number, number, number], { value: Buffer }>(
      'SELECT value FROM cells WHERE tbl = ? AND row = ? AND field = ?',
    );
    this.upsert = db.prepare('INSERT OR REPLACE INTO cells (tbl, row, field, value) VALUES (?, ?, ?, ?)');
  }

  static open(path: string): SqliteCellStore {
    return new SqliteCellStore(openDatabase(path, MIGRATIONS));
  }

  get(table: number, row: number, field: number): Buffer | undefined {
    return this.select.get(table, row, field)?.value;
  }

  set(table: number, row: number, field: number, value: Buffer): void {
    this.upsert.run(table, row, field, value);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
