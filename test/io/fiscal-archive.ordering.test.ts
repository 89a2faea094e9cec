import { join } from 'node:path';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { newFiscalDrive } from '../../src/device/new-fiscal-drive.ts';
import { applyOperation, type FnOperation, OFD_WAIT_MAX_MS, ofdDeadline } from '../../src/fiscal/fn-core.ts';
import { FiscalArchive } from '../../src/io/sqlite/fiscal-archive.ts';
import { MINUTE_MS, registration, simpleSale, T0, tempDir } from '../helpers/kkt-fixtures.ts';

/*
 * The ФН confirms documents strictly in number order (ffd.md §7): whatever order the ОФД's
 * acknowledgements arrive in, the confirmed point is the largest N with every document ≤ N
 * acknowledged, and the unsent count, first unsent number and date and the 30-day deadline
 * follow that point — also across a reopen of the archive.
 */

let dir: string;
let cleanup: () => void;
beforeEach(() => {
  ({ dir, cleanup } = tempDir('kkt-archive-order-'));
});
afterEach(() => cleanup());

const sale = (): FnOperation => ({ kind: 'receipt', receipt: simpleSale(), autoOpenShift: true });

/** An archive with `receipts` sales (plus the registration and the shift open), a minute apart. */
function archiveWith(path: string, receipts: number): FiscalArchive {
  const archive = FiscalArchive.open(path, () => newFiscalDrive(registration(), T0));
  for (let i = 1; i <= receipts; i++) {
    archive.commit(applyOperation(archive.state(), archive.identity, archive.secret, sale(), T0 + i * MINUTE_MS));
  }
  return archive;
}

function expectOrderedPoint(archive: FiscalArchive, acked: ReadonlySet<number>): void {
  const s = archive.state();
  let point = 0;
  while (point < s.lastDocNumber && acked.has(point + 1)) point++;
  const first = point < s.lastDocNumber ? point + 1 : null;
  expect(s.firstUnsentNumber).toBe(first);
  expect(s.unsentCount).toBe(s.lastDocNumber - point);
  const firstAt = first === null ? null : (archive.getDocument(first)?.dateTime ?? -1);
  expect(s.firstUnsentAt).toBe(firstAt);
  expect(ofdDeadline(s)).toBe(firstAt === null ? null : firstAt + OFD_WAIT_MAX_MS);
  // What is still owed to the ОФД: exactly the documents without an acknowledgement.
  const owed = archive.unconfirmed(1, 10_000).map((d) => d.number);
  const expected: number[] = [];
  for (let n = 1; n <= s.lastDocNumber; n++) if (!acked.has(n)) expected.push(n);
  expect(owed).toEqual(expected);
}

describe('FiscalArchive: ordered confirmations', () => {
  it('property: any order of acknowledgements → the point is the largest N with all ≤ N acknowledged', () => {
    let run = 0;
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 12 }),
        // Batches of acknowledgements (duplicates and unknown numbers included), and whether the
        // archive is reopened after each batch or a new receipt is written.
        fc.array(
          fc.record({
            numbers: fc.array(fc.integer({ min: -1, max: 16 }), { maxLength: 6 }),
            after: fc.constantFrom('nothing', 'reopen', 'receipt'),
          }),
          { maxLength: 10 },
        ),
        (receipts, batches) => {
          const path = join(dir, `fn-${run++}.db`);
          let archive = archiveWith(path, receipts);
          let minute = receipts + 1;
          const acked = new Set<number>();
          try {
            expectOrderedPoint(archive, acked);
            for (const batch of batches) {
              const last = archive.state().lastDocNumber;
              const outcome = archive.confirm(batch.numbers, T0);
              const valid = batch.numbers.filter((n) => n >= 1 && n <= last);
              expect(outcome.confirmed).toEqual([...new Set(valid.filter((n) => !acked.has(n)))].sort((a, b) => a - b));
              for (const n of valid) acked.add(n);
              if (batch.after === 'reopen') {
                archive.close();
                archive = FiscalArchive.open(path, () => {
                  throw new Error('must not create');
                });
              } else if (batch.after === 'receipt') {
                const step = applyOperation(
                  archive.state(),
                  archive.identity,
                  archive.secret,
                  sale(),
                  T0 + minute++ * MINUTE_MS,
                );
                archive.commit(step);
              }
              expectOrderedPoint(archive, acked);
            }
          } finally {
            archive.close();
          }
        },
      ),
      { numRuns: 40 },
    );
  });

  it('the migration recounts unsent documents of an archive written with unordered confirmations', () => {
    const path = join(dir, 'old.db');
    const archive = archiveWith(path, 4); // documents 1..6
    archive.confirm([1, 3, 4], T0);
    archive.close();
    // As the previous schema version left it: 3 unacknowledged, first unsent 2, one version back.
    const raw = new Database(path);
    raw.prepare('UPDATE counters SET unsent_count = 3').run();
    const version = raw.pragma('user_version', { simple: true }) as number;
    raw.pragma(`user_version = ${version - 1}`);
    raw.close();
    const reopened = FiscalArchive.open(path, () => {
      throw new Error('must not create');
    });
    try {
      expect(reopened.state()).toMatchObject({ unsentCount: 5, firstUnsentNumber: 2 });
      expectOrderedPoint(reopened, new Set([1, 3, 4]));
    } finally {
      reopened.close();
    }
  });
});
