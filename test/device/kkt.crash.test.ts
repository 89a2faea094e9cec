import { type ChildProcess, spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { EmulatedKkt } from '../../src/device/emulator.ts';
import { OPERATION_NAMES } from '../../src/fiscal/codes.ts';
import type { FiscalDocument, ReceiptDocument, ShiftTotals } from '../../src/fiscal/document.ts';
import { verifyFiscalSign } from '../../src/fiscal/fiscal-sign.ts';
import { systemClock } from '../../src/io/clock.ts';
import { FiscalArchive } from '../../src/io/sqlite/fiscal-archive.ts';
import { registration, simpleSale, tempDir } from '../helpers/kkt-fixtures.ts';

const REPO = resolve(import.meta.dirname, '../..');
const ROUNDS = 3;
const MIN_ACKS = 200;
const ROUND_TIMEOUT_MS = 20_000;

interface Ack {
  number: number;
  receiptNumber: number;
  requestId: string;
}

const children: ChildProcess[] = [];
const cleanups: Array<() => void> = [];

afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const c of cleanups.splice(0)) c();
});

/** Runs print-forever.ts on `dir`, SIGKILLs it once it has acknowledged at least `minAcks` receipts. */
async function printAndKill(
  dir: string,
  minAcks: number,
  extraMs: number,
  fnThread: boolean,
): Promise<{ acks: Ack[]; start: number }> {
  const args = ['--import', 'tsx', 'test/helpers/print-forever.ts', dir, '4', ...(fnThread ? ['fn-thread'] : [])];
  const child = spawn(process.execPath, args, {
    cwd: REPO,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  const acks: Ack[] = [];
  let start = -1;
  let stderr = '';
  child.stderr?.on('data', (b: Buffer) => {
    stderr += b.toString();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) =>
    child.on('exit', (code, signal) => res({ code, signal })),
  );
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const linesClosed = new Promise<void>((res) => lines.on('close', () => res()));
  let killTimer: NodeJS.Timeout | undefined;
  const enough = new Promise<void>((res, rej) => {
    const deadline = setTimeout(
      () => rej(new Error(`only ${acks.length} acks in ${ROUND_TIMEOUT_MS} ms; stderr: ${stderr}`)),
      ROUND_TIMEOUT_MS,
    );
    lines.on('line', (line) => {
      const [tag, a, b, c] = line.split(' ');
      if (tag === 'ready') start = Number(a);
      else if (tag === 'ack') acks.push({ number: Number(a), receiptNumber: Number(b), requestId: String(c) });
      if (acks.length >= minAcks && !killTimer) {
        clearTimeout(deadline);
        // Kill at a random moment after the threshold, in the middle of whatever it is doing.
        killTimer = setTimeout(() => {
          child.kill('SIGKILL');
          res();
        }, extraMs);
      }
    });
    exited.then(({ code, signal }) => {
      if (!killTimer) {
        clearTimeout(deadline);
        rej(new Error(`print-forever exited early (code ${code}, signal ${signal}): ${stderr}`));
      }
    });
  });
  await enough;
  const { signal } = await exited;
  expect(signal).toBe('SIGKILL');
  // Lines already in the pipe when the process died still count as acknowledged.
  await linesClosed;
  return { acks, start };
}

function readAll(archive: FiscalArchive): FiscalDocument[] {
  const docs: FiscalDocument[] = [];
  for (let n = 1; ; n++) {
    const d = archive.getDocument(n);
    if (!d) return docs;
    docs.push(d);
  }
}

/** The counters a drive must have after exactly these documents (none confirmed by an ОФД). */
function countersFrom(docs: FiscalDocument[]) {
  let shiftNumber = 0;
  let shiftOpen = false;
  let receipts = 0;
  let documentsInShift = 0;
  let totals: ShiftTotals | null = null;
  const fresh = (): ShiftTotals =>
    Object.fromEntries(
      OPERATION_NAMES.map((op) => [
        op,
        { count: 0, total: 0, payments: { cash: 0, card: 0, prepaid: 0, credit: 0, other: 0 } },
      ]),
    ) as ShiftTotals;
  for (const d of docs) {
    if (shiftOpen) documentsInShift++;
    if (d.kind === 'shiftOpen') {
      expect(shiftOpen).toBe(false);
      shiftNumber++;
      expect(d.shiftNumber).toBe(shiftNumber);
      shiftOpen = true;
      receipts = 0;
      documentsInShift = 1;
      totals = fresh();
    } else if (d.kind === 'receipt') {
      expect(shiftOpen).toBe(true);
      receipts++;
      expect([d.shiftNumber, d.receiptNumber]).toEqual([shiftNumber, receipts]);
      const t = (totals as ShiftTotals)[d.operation];
      t.count++;
      t.total += d.total;
      t.payments.cash += d.payments.cash - d.change;
      t.payments.card += d.payments.card;
    } else if (d.kind === 'shiftClose') {
      shiftOpen = false;
    }
  }
  return { shiftNumber, shiftOpen, receipts, documentsInShift, totals: totals ?? fresh() };
}

function verifyArchive(path: string, acks: Ack[], previousLast: number) {
  const archive = FiscalArchive.open(path, () => {
    throw new Error('the archive must already exist');
  });
  try {
    const state = archive.state();
    const n = state.lastDocNumber;
    const docs = readAll(archive);
    // 1..N, contiguous, nothing beyond the counters, nothing lost that was there before.
    expect(docs.map((d) => d.number)).toEqual(Array.from({ length: n }, (_, i) => i + 1));
    expect(n).toBeGreaterThanOrEqual(previousLast);
    const raw = new Database(path, { readonly: true });
    try {
      expect(raw.prepare('SELECT COUNT(*) AS c, MAX(number) AS m FROM documents').get()).toEqual({ c: n, m: n });
    } finally {
      raw.close();
    }
    // Every fiscal sign is the drive's own.
    for (const d of docs) {
      if (!verifyFiscalSign(d, archive.secret)) throw new Error(`document ${d.number}: fiscal sign does not verify`);
    }
    // Every acknowledged receipt is there, as acknowledged.
    for (const ack of acks) {
      expect(ack.number).toBeGreaterThan(previousLast);
      expect(ack.number).toBeLessThanOrEqual(n);
      const d = docs[ack.number - 1] as ReceiptDocument;
      expect({ kind: d.kind, receiptNumber: d.receiptNumber, requestId: d.requestId }).toEqual({
        kind: 'receipt',
        receiptNumber: ack.receiptNumber,
        requestId: ack.requestId,
      });
    }
    // The counters agree with the documents.
    const derived = countersFrom(docs);
    expect(state).toMatchObject({
      lastDocAt: docs.at(-1)?.dateTime,
      shiftNumber: derived.shiftNumber,
      shiftOpen: derived.shiftOpen,
      receiptsInShift: derived.receipts,
      documentsInShift: derived.documentsInShift,
      unsentCount: n,
      firstUnsentNumber: 1,
    });
    expect(state.shiftTotals).toEqual(derived.totals);
    return { n, receipts: derived.receipts, shiftNumber: derived.shiftNumber };
  } finally {
    archive.close();
  }
}

// The ФН on the printing process's own event loop, and in the ФН thread (KKT_FN_THREAD): a kill
// takes the thread down with the process, mid-transaction or not.
describe.each([{ fnThread: false }, { fnThread: true }])(
  'crash safety: SIGKILL while printing (ФН thread: $fnThread)',
  ({ fnThread }) => {
    it(
      `loses no acknowledged receipt and leaves no gap, over ${ROUNDS} kills`,
      async () => {
        const { dir, cleanup } = tempDir('kkt-crash-');
        cleanups.push(cleanup);
        const reg = registration();
        const path = join(dir, `kkt-${reg.kktSerial}.db`);
        let last = 1; // a fresh drive starts with its registration report
        let totalAcks = 0;
        for (let round = 0; round < ROUNDS; round++) {
          const minAcks = MIN_ACKS + Math.floor(Math.random() * 300);
          const { acks, start } = await printAndKill(dir, minAcks, Math.floor(Math.random() * 40), fnThread);
          expect(start).toBe(last);
          expect(acks.length).toBeGreaterThanOrEqual(minAcks);
          totalAcks += acks.length;
          const v = verifyArchive(path, acks, last);

          // The device carries on from the last document: counters and numbering continue.
          const kkt = EmulatedKkt.open({
            dataDir: dir,
            clock: systemClock,
            registration: reg,
            printDelay: { min: 0, max: 0 },
            autoOpenShift: true,
            fnThread,
          });
          try {
            const status = await kkt.status();
            expect(status.fn.lastFiscalDocNumber).toBe(v.n);
            expect(status.shift).toMatchObject({ state: 'opened', number: v.shiftNumber, receipts: v.receipts });
            const next = await kkt.printReceipt(simpleSale());
            expect([next.number, next.shiftNumber, next.receiptNumber]).toEqual([
              v.n + 1,
              v.shiftNumber,
              v.receipts + 1,
            ]);
          } finally {
            await kkt.close();
          }
          last = v.n + 1;
        }
        expect(totalAcks).toBeGreaterThanOrEqual(ROUNDS * MIN_ACKS);
      },
      ROUNDS * ROUND_TIMEOUT_MS + 10_000,
    );
  },
);
