import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { newFiscalDrive } from '../../src/device/new-fiscal-drive.ts';
import type { FiscalDocument } from '../../src/fiscal/document.ts';
import { verifyFiscalSign } from '../../src/fiscal/fiscal-sign.ts';
import { applyOperation, type FnOperation, type FnStep } from '../../src/fiscal/fn-core.ts';
import { FiscalArchive } from '../../src/io/sqlite/fiscal-archive.ts';
import { type Db, openDatabase } from '../../src/io/sqlite/open-database.ts';
import { MINUTE_MS, registration, simpleSale, T0, tempDir } from '../helpers/kkt-fixtures.ts';

let dir: string;
let cleanup: () => void;
const open: Array<{ close(): void }> = [];

beforeEach(() => {
  ({ dir, cleanup } = tempDir('kkt-archive-'));
});

afterEach(() => {
  for (const o of open.splice(0)) o.close();
  cleanup();
});

function archivePath() {
  return join(dir, 'fn.db');
}

function openArchive(create?: () => ReturnType<typeof newFiscalDrive>): FiscalArchive {
  const archive = FiscalArchive.open(
    archivePath(),
    create ??
      (() => {
        throw new Error('create must not be called for an existing archive');
      }),
  );
  open.push(archive);
  return archive;
}

function createArchive(): FiscalArchive {
  return openArchive(() => newFiscalDrive(registration(), T0));
}

function rawConnection(): Db {
  const db = new Database(archivePath());
  open.push(db);
  return db;
}

function step(archive: FiscalArchive, op: FnOperation, now: number): FnStep {
  return applyOperation(archive.state(), archive.identity, archive.secret, op, now);
}

const sale = (): FnOperation => ({ kind: 'receipt', receipt: simpleSale(), autoOpenShift: true });

function allDocuments(archive: FiscalArchive): FiscalDocument[] {
  const docs: FiscalDocument[] = [];
  for (let n = 1; ; n++) {
    const d = archive.getDocument(n);
    if (!d) return docs;
    docs.push(d);
  }
}

describe('FiscalArchive', () => {
  it('creates the drive with document 1, the registration report, on first open', () => {
    let calls = 0;
    const archive = openArchive(() => {
      calls++;
      return newFiscalDrive(registration(), T0);
    });
    expect(calls).toBe(1);
    const doc = archive.getDocument(1);
    expect(doc).toMatchObject({ kind: 'registration', number: 1, dateTime: T0, fnNumber: archive.identity.fnNumber });
    expect(verifyFiscalSign(doc as FiscalDocument, archive.secret)).toBe(true);
    expect(archive.getDocument(2)).toBeUndefined();
    expect(archive.state()).toMatchObject({
      lastDocNumber: 1,
      lastDocAt: T0,
      shiftNumber: 0,
      shiftOpen: false,
      unsentCount: 1,
      firstUnsentNumber: 1,
      firstUnsentAt: T0,
    });
  });

  it('reopening keeps identity, secret, counters and documents, without calling create', () => {
    const first = createArchive();
    first.commit(step(first, sale(), T0 + MINUTE_MS)); // shift open (2) + receipt (3)
    first.commit(step(first, sale(), T0 + 2 * MINUTE_MS)); // receipt (4)
    first.confirm([2], T0 + 3 * MINUTE_MS);
    const state = first.state();
    const identity = first.identity;
    const secret = first.secret;
    const docs = allDocuments(first);
    first.close();

    const second = openArchive();
    expect(second.identity).toEqual(identity);
    expect(second.secret).toBe(secret);
    expect(second.state()).toEqual(state);
    // 2 is acknowledged but 1 is not: the ФН still counts all four as unsent.
    expect(second.state()).toMatchObject({
      lastDocNumber: 4,
      receiptsInShift: 2,
      unsentCount: 4,
      firstUnsentNumber: 1,
    });
    expect(allDocuments(second)).toEqual(docs);
    // And it carries on from there.
    second.commit(step(second, sale(), T0 + 4 * MINUTE_MS));
    expect(second.getDocument(5)).toMatchObject({ kind: 'receipt', receiptNumber: 3 });
  });

  it('a written document can be neither updated nor deleted, even through another connection', () => {
    const archive = createArchive();
    archive.commit(step(archive, sale(), T0));
    const raw = rawConnection();
    expect(() => raw.prepare("UPDATE documents SET body = '{}' WHERE number = 1").run()).toThrow(/immutable/);
    expect(() => raw.prepare("UPDATE documents SET fiscal_sign = '0' WHERE number = 3").run()).toThrow(/immutable/);
    expect(() => raw.prepare('DELETE FROM documents WHERE number = 3').run()).toThrow(/immutable/);
    expect(() => raw.prepare('DELETE FROM documents').run()).toThrow(/immutable/);
    expect(() =>
      raw.prepare('INSERT OR REPLACE INTO documents SELECT * FROM documents WHERE number = 2').run(),
    ).toThrow();
    expect(raw.prepare('SELECT COUNT(*) AS n FROM documents').get()).toEqual({ n: 3 });
    for (const d of allDocuments(archive)) expect(verifyFiscalSign(d, archive.secret)).toBe(true);
  });

  it('rejects a non-contiguous document number and writes nothing of that step', () => {
    const archive = createArchive();
    const good = step(archive, sale(), T0); // documents 2 and 3
    const before = archive.state();

    const gap: FnStep = {
      state: good.state,
      documents: good.documents.map((d) => ({ ...d, number: d.number + 1 })),
    };
    expect(() => archive.commit(gap)).toThrow(/contiguous/);

    // Second document of the step is out of sequence: the first must not stay behind.
    const [open2, receipt3] = good.documents as [FiscalDocument, FiscalDocument];
    const half: FnStep = { state: good.state, documents: [open2, { ...receipt3, number: 5 }] };
    expect(() => archive.commit(half)).toThrow(/contiguous/);

    // A duplicate number is refused as well.
    const dup: FnStep = { state: good.state, documents: [{ ...open2, number: 1 }] };
    expect(() => archive.commit(dup)).toThrow();

    expect(archive.state()).toEqual(before);
    expect(archive.getDocument(2)).toBeUndefined();
    const raw = rawConnection();
    expect(raw.prepare('SELECT last_doc_number FROM counters').get()).toEqual({ last_doc_number: 1 });

    archive.commit(good);
    expect(allDocuments(archive).map((d) => d.number)).toEqual([1, 2, 3]);
  });

  it('commitMany writes several steps in one transaction, all or nothing', () => {
    const archive = createArchive();
    const s1 = step(archive, sale(), T0);
    const s2 = applyOperation(s1.state, archive.identity, archive.secret, sale(), T0);
    const bad: FnStep = { state: s2.state, documents: s2.documents.map((d) => ({ ...d, number: 99 })) };
    expect(() => archive.commitMany([s1, bad])).toThrow(/contiguous/);
    expect(archive.state().lastDocNumber).toBe(1);
    expect(archive.getDocument(2)).toBeUndefined();
    archive.commitMany([s1, s2]);
    expect(archive.state()).toEqual(s2.state);
    expect(allDocuments(archive).map((d) => d.number)).toEqual([1, 2, 3, 4]);
  });

  it('confirm moves the confirmed point in number order; out-of-order acknowledgements wait for the gap', () => {
    const archive = createArchive();
    // Documents 1..6 at distinct minutes.
    archive.commit(step(archive, sale(), T0 + 1 * MINUTE_MS)); // 2, 3
    archive.commit(step(archive, sale(), T0 + 2 * MINUTE_MS)); // 4
    archive.commit(step(archive, sale(), T0 + 3 * MINUTE_MS)); // 5
    archive.commit(step(archive, sale(), T0 + 4 * MINUTE_MS)); // 6
    const at = (n: number) => archive.getDocument(n)?.dateTime;
    const pointer = () => {
      const s = archive.state();
      return { unsent: s.unsentCount, first: s.firstUnsentNumber, at: s.firstUnsentAt };
    };
    expect(pointer()).toEqual({ unsent: 6, first: 1, at: T0 });

    // Kept, but the point stays before document 1: nothing counts as confirmed yet.
    expect(archive.confirm([3, 5], T0)).toEqual({ confirmed: [3, 5], alreadyConfirmed: [], unknown: [] });
    expect(pointer()).toEqual({ unsent: 6, first: 1, at: T0 });
    expect(archive.unconfirmed(1, 100).map((d) => d.number)).toEqual([1, 2, 4, 6]);

    // 1 and 2 close the gap: the point jumps over the kept 3 and stops before 4.
    expect(archive.confirm([2, 1], T0)).toEqual({ confirmed: [1, 2], alreadyConfirmed: [], unknown: [] });
    expect(pointer()).toEqual({ unsent: 3, first: 4, at: at(4) });

    expect(archive.confirm([3, 4, 4, 0, 7, -1, 1.5, 5], T0)).toEqual({
      confirmed: [4],
      alreadyConfirmed: [3, 5],
      unknown: [-1, 0, 1.5, 7],
    });
    expect(pointer()).toEqual({ unsent: 1, first: 6, at: at(6) });

    // Nothing new: the counters stay as they are.
    expect(archive.confirm([1, 2, 99], T0)).toEqual({ confirmed: [], alreadyConfirmed: [1, 2], unknown: [99] });
    expect(pointer()).toEqual({ unsent: 1, first: 6, at: at(6) });

    expect(archive.confirm([6], T0).confirmed).toEqual([6]);
    expect(pointer()).toEqual({ unsent: 0, first: null, at: null });

    // A new document becomes the first unsent one.
    archive.commit(step(archive, sale(), T0 + 5 * MINUTE_MS));
    expect(pointer()).toEqual({ unsent: 1, first: 7, at: T0 + 5 * MINUTE_MS });

    // And the pointer is what a reopen reads back.
    const state = archive.state();
    archive.close();
    expect(openArchive().state()).toEqual(state);
  });

  it('runs in WAL mode with synchronous = FULL', () => {
    const archive = createArchive();
    const db = (archive as unknown as { db: Db }).db;
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('synchronous', { simple: true })).toBe(2);
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    // WAL is a property of the file: another connection sees it too.
    expect(rawConnection().pragma('journal_mode', { simple: true })).toBe('wal');
  });
});

describe('openDatabase', () => {
  it('applies migrations once and refuses a newer schema', () => {
    const path = join(dir, 'm.db');
    const migrations = ['CREATE TABLE a (x);', 'CREATE TABLE b (y);'];
    const db = openDatabase(path, migrations);
    expect(db.pragma('user_version', { simple: true })).toBe(2);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('synchronous', { simple: true })).toBe(2);
    db.close();
    const again = openDatabase(path, migrations);
    expect(again.pragma('user_version', { simple: true })).toBe(2);
    again.close();
    expect(() => openDatabase(path, migrations.slice(0, 1))).toThrow(/newer/);
  });

  it('a failing migration leaves the previous version intact', () => {
    const path = join(dir, 'f.db');
    openDatabase(path, ['CREATE TABLE a (x);']).close();
    expect(() => openDatabase(path, ['CREATE TABLE a (x);', 'CREATE TABLE c (z); SELECT * FROM missing;'])).toThrow();
    const db = openDatabase(path, ['CREATE TABLE a (x);']);
    expect(db.pragma('user_version', { simple: true })).toBe(1);
    expect(db.prepare("SELECT COUNT(*) AS n FROM sqlite_master WHERE name = 'c'").get()).toEqual({ n: 0 });
    db.close();
  });
});
