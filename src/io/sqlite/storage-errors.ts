/** What went wrong with a database file, in words an operator acts on. */
export type StorageCause = 'disk_full' | 'read_only' | 'io_error' | 'corrupt' | 'busy';

export const STORAGE_CAUSE_TEXT: Record<StorageCause, string> = {
  disk_full: 'disk full',
  read_only: 'the data dir is read-only',
  io_error: 'disk I/O error',
  corrupt: 'the database file is damaged',
  busy: 'the database is locked by another process',
};

/** The cause of a SQLite failure (better-sqlite3's `SqliteError.code`, extended codes included). */
export function storageCause(e: unknown): StorageCause | undefined {
  const code = typeof e === 'object' && e !== null ? (e as { code?: unknown }).code : undefined;
  if (typeof code !== 'string') return undefined;
  if (code === 'SQLITE_FULL' || code === 'ENOSPC') return 'disk_full';
  if (code.startsWith('SQLITE_READONLY') || code === 'EROFS' || code === 'SQLITE_CANTOPEN') return 'read_only';
  if (code.startsWith('SQLITE_IOERR') || code === 'EIO') return 'io_error';
  if (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB') return 'corrupt';
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) return 'busy';
  return undefined;
}
