import { closeSync, mkdtempSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DataDirError, openDatabase } from '../../src/io/sqlite/open-database.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const SCHEMA = [
  `CREATE TABLE docs (number INTEGER PRIMARY KEY, body TEXT NOT NULL);
   CREATE TABLE keys (key TEXT PRIMARY KEY, doc INTEGER NOT NULL) WITHOUT ROWID;`,
];

/** A database of a few hundred pages, closed cleanly (WAL checkpointed into the file). */
function filled(): string {
  const dir = mkdtempSync(join(tmpdir(), 'kkt-opendb-'));
  dirs.push(dir);
  const path = join(dir, 'store.db');
  const db = openDatabase(path, SCHEMA);
  const doc = db.prepare('INSERT INTO docs (body) VALUES (?)');
  const key = db.prepare('INSERT INTO keys (key, doc) VALUES (?, ?)');
  db.transaction(() => {
    for (let i = 1; i <= 2000; i++) {
      doc.run('x'.repeat(300));
      key.run(`key-${i}`, i);
    }
  })();
  db.close();
  return path;
}

function overwriteAfterFirstPage(path: string): void {
  const size = statSync(path).size;
  const fd = openSync(path, 'r+');
  writeSync(fd, Buffer.alloc(size - 4096, 0x55), 0, size - 4096, 4096);
  closeSync(fd);
}

describe('openDatabase checks the file before a start uses it', () => {
  for (const [check, fullCheckMaxBytes] of [
    ['quick_check (a small file)', Number.POSITIVE_INFINITY],
    ['the spot check (a large file)', 0],
  ] as const) {
    it(`${check}: a sound file opens with its data`, () => {
      const path = filled();
      const db = openDatabase(path, SCHEMA, { fullCheckMaxBytes });
      expect(db.prepare('SELECT count(*) AS n FROM keys').get()).toEqual({ n: 2000 });
      db.close();
    });

    it(`${check}: a file overwritten after its first page is refused as damaged, naming it`, () => {
      const path = filled();
      overwriteAfterFirstPage(path);
      expect(() => openDatabase(path, SCHEMA, { fullCheckMaxBytes })).toThrow(DataDirError);
      expect(() => openDatabase(path, SCHEMA, { fullCheckMaxBytes })).toThrow(/store\.db.*damaged/);
    });
  }
});
