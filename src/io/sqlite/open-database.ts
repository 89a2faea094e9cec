import { statSync } from 'node:fs';
import { basename } from 'node:path';
import Database from 'better-sqlite3';
import { STORAGE_CAUSE_TEXT, storageCause } from './storage-errors.ts';

export type Db = Database.Database;

/**
 * A data dir the adapter must not start on (a damaged or foreign file, another process on it):
 * one line for the operator naming the file and what to do, no SQLite internals.
 */
export class DataDirError extends Error {
  override readonly name = 'DataDirError';
  readonly code = 'DATA_DIR_REFUSED';
}

const RECOVERY = 'see "Recovering a data dir" in docs/adapter.md';

/**
 * Opens a SQLite file the way every kkt-emu store needs it: WAL for concurrent readers and
 * synchronous=FULL, so a commit that returned survives power loss, not just a crash.
 * `migrations[i]` takes the schema from version i to i + 1 (PRAGMA user_version).
 */
export function openDatabase(
  path: string,
  migrations: readonly string[],
  options: { fullCheckMaxBytes?: number } = {},
): Db {
  let db: Db;
  try {
    db = new Database(path);
  } catch (e) {
    throw refusal(path, e);
  }
  try {
    db.pragma('journal_mode = WAL');
    // A damaged file must stop the start, not fail every receipt later (RECOVERY explains what to do).
    checkIntegrity(db, path, options.fullCheckMaxBytes ?? FULL_CHECK_MAX_BYTES);
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version > migrations.length)
      throw new Error(`${path}: schema version ${version} is newer than this kkt-emu (${migrations.length})`);
    for (let v = version; v < migrations.length; v++) {
      db.transaction(() => {
        db.exec(migrations[v] as string);
        db.pragma(`user_version = ${v + 1}`);
      })();
    }
    return db;
  } catch (e) {
    db.close();
    throw refusal(path, e);
  }
}

/**
 * Below this size (file plus WAL) the whole file is checked at start; above it only what a
 * start reads first. quick_check reads every page: about 1.2 s for a data dir of 100,000 receipts
 * (346 MB), which would hold every start of a busy till for seconds.
 */
const FULL_CHECK_MAX_BYTES = 32 * 1024 * 1024;

function fileBytes(path: string): number {
  let n = 0;
  for (const suffix of ['', '-wal']) {
    try {
      n += statSync(path + suffix).size;
    } catch {
      // no WAL yet
    }
  }
  return n;
}

/**
 * A small file gets SQLite's quick_check. A large one gets the schema and each table's first and
 * last rows, which walks every table's root and edge pages: a file overwritten or truncated still
 * stops the start, and damage deeper in a large file is reported by SQLite on the access that
 * meets it (SQLITE_CORRUPT, a storage failure the adapter reports without losing data).
 */
function checkIntegrity(db: Db, path: string, fullCheckMaxBytes: number): void {
  if (fileBytes(path) <= fullCheckMaxBytes) {
    const check = db.pragma('quick_check', { simple: true });
    if (check !== 'ok') throw new DataDirError(`${path} is damaged (SQLite quick_check failed); ${RECOVERY}`);
    return;
  }
  const tables = db
    .prepare<[], { name: string; sql: string }>(
      "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
    )
    .all();
  for (const { name, sql } of tables) {
    const quoted = `"${name.replace(/"/g, '""')}"`;
    if (/WITHOUT\s+ROWID/i.test(sql)) db.prepare(`SELECT * FROM ${quoted} LIMIT 1`).all();
    else {
      db.prepare(`SELECT * FROM ${quoted} ORDER BY rowid LIMIT 1`).all();
      db.prepare(`SELECT * FROM ${quoted} ORDER BY rowid DESC LIMIT 1`).all();
    }
  }
}

function refusal(path: string, e: unknown): unknown {
  if (e instanceof DataDirError) return e;
  const cause = storageCause(e);
  if (cause === undefined) return e;
  const what =
    cause === 'corrupt'
      ? `is damaged or not a kkt-emu database (${basename(path)})`
      : `cannot be opened: ${STORAGE_CAUSE_TEXT[cause]}`;
  return new DataDirError(`${path} ${what}; ${RECOVERY}`);
}
