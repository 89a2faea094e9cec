import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { EmulatedKkt, type EmulatorOptions } from '../../src/device/emulator.ts';
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
});
