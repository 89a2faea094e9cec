import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { DataDirError } from './open-database.ts';

export interface DataDirLock {
  release(): void;
}

/**
 * One process per data dir. The lock is a SQLite file held in an exclusive transaction: the
 * operating system's lock (fcntl), released when the process ends however it ends, so a
 * crash leaves no stale lock behind. A second process (or a second adapter in this one) fails
 * at start with one line. The pid file beside it only makes that line say who holds it.
 */
export function lockDataDir(dataDir: string): DataDirLock {
  const path = join(dataDir, 'kkt-emu.lock');
  const pidPath = join(dataDir, 'kkt-emu.pid');
  const db = new Database(path, { timeout: 0 });
  try {
    db.pragma('locking_mode = EXCLUSIVE');
    db.exec('BEGIN EXCLUSIVE');
  } catch {
    db.close();
    let holder = '';
    try {
      holder = ` (pid ${readFileSync(pidPath, 'utf8').trim()})`;
    } catch {
      // no pid file: say nothing about who
    }
    throw new DataDirError(
      `KKT_DATA_DIR (--data-dir): ${dataDir} is in use by another kkt-emu process${holder}; stop it or use another data dir`,
    );
  }
  writeFileSync(pidPath, `${process.pid}\n`);
  let released = false;
  return {
    release() {
      if (released) return;
      released = true;
      if (db.open) db.close();
    },
  };
}
