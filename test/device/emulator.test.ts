import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { EmulatedKkt, type EmulatorOptions } from '../../src/device/emulator.ts';
import { documentJson } from '../../src/fiscal/document-json.ts';
import { verifyFiscalSign } from '../../src/fiscal/fiscal-sign.ts';
import { VirtualClock } from '../../src/io/clock.ts';
import { registration, simpleSale, T0, tempDir } from '../helpers/kkt-fixtures.ts';

const cleanups: Array<() => Promise<void> | void> = [];

afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function setup(overrides: Partial<EmulatorOptions> = {}) {
  const { dir, cleanup } = tempDir('kkt-emulator-');
  const clock = new VirtualClock({ start: T0, manual: true });
  const options: EmulatorOptions = {
    dataDir: dir,
    clock,
    registration: registration(),
    printDelay: { min: 0, max: 0 },
    autoOpenShift: true,
    ...overrides,
  };
  const kkt = EmulatedKkt.open(options);
  cleanups.push(cleanup, () => kkt.close());
  return { kkt, dir, clock, options };
}

function documentCount(path: string): number {
  const db = new Database(path, { readonly: true });
  try {
    return (db.prepare('SELECT COUNT(*) AS n FROM documents').get() as { n: number }).n;
  } finally {
    db.close();
  }
}

// Both ways the device runs its ФН: on the caller's event loop, and in the ФН thread (KKT_FN_THREAD).
function withDb<T>(path: string, use: (db: Database.Database) => T): T {
  const db = new Database(path);
  try {
    return use(db);
  } finally {
    db.close();
  }
}

describe.each([{ fnThread: false }, { fnThread: true }])('EmulatedKkt (ФН thread: $fnThread)', ({ fnThread }) => {
  const open = (overrides: Partial<EmulatorOptions> = {}) => setup({ fnThread, ...overrides });

  it('replaceFiscalDrive keeps every retired archive and never reuses the configured ФН number', async () => {
    const { kkt, dir } = open({ registration: registration({ fnNumber: '9999000000000001' }) });
    for (let i = 0; i < 5; i++) await kkt.printReceipt(simpleSale());
    expect((await kkt.status()).fn.lastFiscalDocNumber).toBe(7);
    await kkt.replaceFiscalDrive();
    const second = await kkt.status();
    expect(second.fn.lastFiscalDocNumber).toBe(1);
    expect(second.fn.number).not.toBe('9999000000000001');
    expect(second.fn.number).toMatch(/^9999\d{12}$/);
    await kkt.printReceipt(simpleSale());
    await kkt.replaceFiscalDrive();
    const status = await kkt.status();
    expect(status.fn.lastFiscalDocNumber).toBe(1);
    expect(status.shift).toMatchObject({ state: 'closed', number: 0 });

    const retired = readdirSync(dir).filter((f) => f.includes('.fn-') && f.endsWith('.db'));
    expect(retired.sort()).toEqual(
      [`kkt-00000000000001.fn-9999000000000001.db`, `kkt-00000000000001.fn-${second.fn.number}.db`].sort(),
    );
    // Each retired ФН ends with the Z report of its open shift and its closure report (form 6);
    // each new one starts with a re-registration (form 11) naming the old one.
    expect(documentCount(join(dir, 'kkt-00000000000001.fn-9999000000000001.db'))).toBe(9);
    expect(documentCount(join(dir, `kkt-00000000000001.fn-${second.fn.number}.db`))).toBe(5);
    expect(documentCount(kkt.archivePath)).toBe(1);
    const [first] = await kkt.documents(1, 1);
    expect(first).toMatchObject({
      kind: 'reregistration',
      reasons: ['fn_replacement'],
      previousFnNumber: second.fn.number,
    });
  });

  it('replaceFiscalDrive with generated numbers gives the new drive its own number and secret', async () => {
    const { kkt } = open();
    const first = (await kkt.status()).fn.number;
    const receipt = await kkt.printReceipt(simpleSale());
    await kkt.replaceFiscalDrive();
    expect((await kkt.status()).fn.number).not.toBe(first);
    const again = await kkt.printReceipt(simpleSale());
    expect(again.number).toBe(receipt.number);
    expect(again.fiscalSign).not.toBe(receipt.fiscalSign);
  });

  it('close lets queued work finish, then refuses new work with DEVICE_STOPPED', async () => {
    const { kkt } = open({ printDelay: { min: 10, max: 10 } });
    const queued = [kkt.printReceipt(simpleSale()), kkt.printReceipt(simpleSale()), kkt.xReport()] as const;
    await kkt.close();
    const [a, b, x] = await Promise.all(queued);
    expect([a.number, b.number]).toEqual([3, 4]);
    expect(x.lastDocNumber).toBe(4);
    await expect(kkt.printReceipt(simpleSale())).rejects.toMatchObject({ code: 'DEVICE_STOPPED' });
    await kkt.close(); // idempotent
  });

  it('reopening on the same directory continues the numbering and the shift', async () => {
    const { kkt, options, clock } = open();
    await kkt.printReceipt(simpleSale());
    await kkt.printReceipt(simpleSale());
    await kkt.close();
    clock.advance(60_000);
    const again = EmulatedKkt.open(options);
    cleanups.push(() => again.close());
    const doc = await again.printReceipt(simpleSale());
    expect([doc.number, doc.shiftNumber, doc.receiptNumber]).toEqual([5, 1, 3]);
  });

  it('a burst is fiscalized contiguously, each document as the archive stored it, signed with its secret', async () => {
    const { kkt } = open();
    const docs = await Promise.all(Array.from({ length: 40 }, () => kkt.printReceipt(simpleSale())));
    // Document 1 is the registration, 2 the shift opened for the first receipt.
    expect(docs.map((d) => d.number)).toEqual(Array.from({ length: 40 }, (_, i) => i + 3));
    const status = await kkt.status();
    expect(status.fn.lastFiscalDocNumber).toBe(42);
    expect(status.shift.receipts).toBe(40);
    const rows = withDb(kkt.archivePath, (db) =>
      db.prepare('SELECT number, body, (SELECT secret FROM fn_identity) AS secret FROM documents').all(),
    ) as { number: number; body: string; secret: string }[];
    for (const doc of docs) {
      const row = rows.find((r) => r.number === doc.number);
      // The adapter's buffer stores documentJson(doc): it must be the archive's text, byte for byte.
      expect(documentJson(doc)).toBe(row?.body);
      expect(verifyFiscalSign(doc, row?.secret as string)).toBe(true);
    }
    expect(await kkt.getDocument(42)).toEqual(docs.at(-1));
  });

  it('a refusal keeps its code and field errors; the drawer policy applies', async () => {
    const { kkt } = open({ policy: { cashControl: true, resetCashAtShiftClose: false } });
    await expect(kkt.cashOut({ amount: 0 })).rejects.toMatchObject({
      name: 'FiscalError',
      code: 'VALIDATION_FAILED',
      errors: [expect.objectContaining({ path: expect.any(String) })],
    });
    await expect(kkt.cashOut({ amount: 100 })).rejects.toMatchObject({ code: 'INSUFFICIENT_CASH' });
    const moved = await kkt.cashIn({ amount: 500, requestId: 'in-1' });
    expect(moved).toMatchObject({ kind: 'in', amount: 500, balance: 500 });
    expect(await kkt.findCashMovement('in-1')).toEqual(moved);
    expect((await kkt.status()).cashBalance).toBe(500);
  });

  it('an archive that cannot be written refuses the batch with DEVICE_STOPPED and its cause; nothing is half-written', async () => {
    const { kkt } = open();
    const first = await kkt.printReceipt(simpleSale());
    // Another connection makes every insert fail, as a full disk would (SQLite rolls the batch back).
    withDb(kkt.archivePath, (db) =>
      db.exec(`CREATE TRIGGER injected BEFORE INSERT ON documents BEGIN SELECT RAISE(ABORT, 'injected'); END;`),
    );
    const refused = await kkt.printReceipt(simpleSale()).catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: 'DEVICE_STOPPED', message: /fiscal archive could not be written/ });
    expect((refused as { cause?: { code?: string } }).cause?.code).toBe('SQLITE_CONSTRAINT_TRIGGER');
    expect((await kkt.status()).fn.lastFiscalDocNumber).toBe(first.number);
    withDb(kkt.archivePath, (db) => db.exec('DROP TRIGGER injected'));
    const next = await kkt.printReceipt(simpleSale());
    expect(next.number).toBe(first.number + 1);
  });

  it('ОФД confirmations move the unsent counters the device reports', async () => {
    const { kkt } = open();
    const a = await kkt.printReceipt(simpleSale());
    await kkt.printReceipt(simpleSale());
    expect((await kkt.status()).fn).toMatchObject({ unsentCount: 4, firstUnsentNumber: 1 });
    const outcome = await kkt.confirmDelivered([1, 2, a.number, 99]);
    expect(outcome).toEqual({ confirmed: [1, 2, a.number], alreadyConfirmed: [], unknown: [99] });
    expect((await kkt.status()).fn).toMatchObject({ unsentCount: 1, firstUnsentNumber: a.number + 1 });
    expect((await kkt.unconfirmedDocuments(1, 10)).map((d) => d.number)).toEqual([a.number + 1]);
  });
});

describe('the ФН thread', () => {
  it('a thread that dies refuses what it was asked and everything after with DEVICE_STOPPED, and close does not hang', async () => {
    const { kkt } = setup({ fnThread: true });
    await kkt.printReceipt(simpleSale());
    const worker = (kkt as unknown as { fnThread: { worker: { terminate(): Promise<number> } } }).fnThread.worker;
    await worker.terminate();
    await expect(kkt.printReceipt(simpleSale())).rejects.toMatchObject({
      code: 'DEVICE_STOPPED',
      message: /thread stopped/,
    });
    await expect(kkt.confirmDelivered([1])).rejects.toMatchObject({ code: 'DEVICE_STOPPED' });
    await kkt.close();
  });
});
