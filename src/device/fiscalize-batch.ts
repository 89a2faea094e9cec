import type { XReport } from '../fiscal/document.ts';
import { FiscalError } from '../fiscal/errors.ts';
import { applyOperation, type FnPolicy, type FnState, type FnStep, shiftState } from '../fiscal/fn-core.ts';
import type { FiscalArchive } from '../io/sqlite/fiscal-archive.ts';
import { STORAGE_CAUSE_TEXT, storageCause } from '../io/sqlite/storage-errors.ts';
import type { Job, JobOutcome } from '../machines/kkt.types.ts';

/**
 * One batch of the printer's jobs against the ФН: each operation in order on the counters the
 * one before left, then every document of the batch in one archive transaction (one fsync).
 * What the emulated device runs for a batch, on its own event loop or in the ФН thread.
 * A refused job (FiscalError) is that job's outcome; the rest of the batch goes on.
 */
export function fiscalizeBatch(
  archive: FiscalArchive,
  jobs: readonly Job[],
  now: number,
  policy: FnPolicy | undefined,
): JobOutcome[] {
  const { identity, secret } = archive;
  let state = archive.state();
  const steps: FnStep[] = [];
  const outcomes: JobOutcome[] = [];
  for (const job of jobs) {
    if (job.op.kind === 'xReport') {
      outcomes.push({ id: job.id, ok: true, result: { kind: 'xReport', report: xReport(state, now) } });
      continue;
    }
    try {
      const step = applyOperation(state, identity, secret, job.op, now, policy);
      steps.push(step);
      state = step.state;
      outcomes.push({
        id: job.id,
        ok: true,
        result: { kind: 'documents', documents: step.documents, ...(step.cash ? { cash: step.cash } : {}) },
      });
    } catch (e) {
      if (!(e instanceof FiscalError)) throw e;
      outcomes.push({ id: job.id, ok: false, error: e });
    }
  }
  // The documents are in the ФН before the paper comes out, as on a real device.
  try {
    archive.commitMany(steps);
  } catch (e) {
    throw archiveWriteFailed(e);
  }
  return outcomes;
}

/**
 * Nothing was written (the transaction rolled back): every job of the batch is refused, in
 * words, with the SQLite error kept as the cause for the adapter's storage health.
 */
function archiveWriteFailed(e: unknown): FiscalError {
  const cause = storageCause(e);
  const error = new FiscalError(
    'DEVICE_STOPPED',
    `the fiscal archive could not be written${cause ? ` (${STORAGE_CAUSE_TEXT[cause]})` : ''}`,
  );
  return Object.assign(error, { cause: e });
}

export function xReport(s: FnState, now: number): XReport {
  return {
    at: now,
    shiftNumber: s.shiftNumber,
    shiftState: shiftState(s, now),
    receiptsInShift: s.receiptsInShift,
    documentsInShift: s.documentsInShift,
    totals: s.shiftTotals,
    lastDocNumber: s.lastDocNumber,
    unsentCount: s.unsentCount,
  };
}
