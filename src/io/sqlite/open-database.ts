import Database from 'better-sqlite3';

export type Db = Database.Database;

/**
 * Opens a SQLite file the way every kkt-emu store needs it: WAL for concurrent readers and
 * synchronous=FULL, so a commit that returned survives power loss, not just a crash.
 * `migrations[i]` takes the schema from version i to i + 1 (PRAGMA user_version).
 */
export function openDatabase(path: string, migrations: readonly string[]): Db {
  const db = new Database(path);
  try {
    db.pragma('journal_mode = WAL');
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
    throw e;
  }
}
