import { setTimeout as sleep } from 'node:timers/promises';
import { createActor } from 'xstate';
import { newFiscalDrive, type RegistrationOptions } from '../../src/device/new-fiscal-drive.ts';
import { FiscalError } from '../../src/fiscal/errors.ts';
import { applyOperation, type FnState } from '../../src/fiscal/fn-core.ts';
import { VirtualClock } from '../../src/io/clock.ts';
import { provideKkt } from '../../src/machines/kkt.machine.ts';
import type { FiscalizeInput, FiscalizeOutput, JobOp, JobOutcome } from '../../src/machines/kkt.types.ts';
import { registration, T0 } from './kkt-fixtures.ts';

export interface HarnessOptions {
  registration?: Partial<RegistrationOptions>;
  /** Real milliseconds each fiscalize call takes (the print time). */
  printMs?: number;
  batchLimit?: number;
  start?: number;
  /** Adjusts the drive's counters before the machine starts, e.g. a shift opened before a restart. */
  initialFn?: (fn: FnState) => FnState;
}

export interface FiscalizeCall {
  jobs: number[];
  startedAt: number;
  endedAt: number;
}

/**
 * The kkt machine alone, wired to a manual VirtualClock and an in-memory fiscal drive (fn-core
 * over a plain array instead of the SQLite archive), so the machine is tested without IO.
 */
export function machineHarness(options: HarnessOptions = {}) {
  const clock = new VirtualClock({ start: options.start ?? T0, manual: true });
  const drive = newFiscalDrive(registration(options.registration), clock.now());
  const { identity, secret } = drive;
  let fn: FnState = options.initialFn ? options.initialFn(drive.registration.state) : drive.registration.state;
  const docTimes = new Map<number, number>(drive.registration.documents.map((d) => [d.number, d.dateTime]));
  const confirmed = new Set<number>();
  const calls: FiscalizeCall[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const errors: unknown[] = [];

  const fiscalize = async (input: FiscalizeInput): Promise<FiscalizeOutput> => {
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    const startedAt = performance.now();
    try {
      const now = clock.now();
      const outcomes: JobOutcome[] = [];
      for (const job of input.jobs) {
        if (job.op.kind === 'xReport') {
          outcomes.push({
            id: job.id,
            ok: true,
            result: {
              kind: 'xReport',
              report: {
                at: now,
                shiftNumber: fn.shiftNumber,
                shiftState: 'closed',
                receiptsInShift: fn.receiptsInShift,
                documentsInShift: fn.documentsInShift,
                totals: fn.shiftTotals,
                lastDocNumber: fn.lastDocNumber,
                unsentCount: fn.unsentCount,
              },
            },
          });
          continue;
        }
        try {
          const step = applyOperation(fn, identity, secret, job.op, now);
          fn = step.state;
          for (const d of step.documents) docTimes.set(d.number, d.dateTime);
          outcomes.push({ id: job.id, ok: true, result: { kind: 'documents', documents: step.documents } });
        } catch (e) {
          if (!(e instanceof FiscalError)) throw e;
          outcomes.push({ id: job.id, ok: false, error: e });
        }
      }
      if (options.printMs) await sleep(options.printMs);
      return { fn, outcomes };
    } finally {
      inFlight--;
      calls.push({ jobs: input.jobs.map((j) => j.id), startedAt, endedAt: performance.now() });
    }
  };

  const actor = createActor(provideKkt(clock, fiscalize), {
    input: { identity, fn, batchLimit: options.batchLimit ?? 1 },
    clock,
  });
  const waiters = new Map<number, (o: JobOutcome) => void>();
  actor.on('job.settled', ({ outcome }) => {
    waiters.get(outcome.id)?.(outcome);
    waiters.delete(outcome.id);
  });
  actor.subscribe({ error: (e) => errors.push(e) });
  actor.start();
  let nextId = 1;

  return {
    clock,
    actor,
    identity,
    calls,
    errors,
    get maxInFlight() {
      return maxInFlight;
    },
    fn: () => fn,
    value: () => actor.getSnapshot().value as Record<string, unknown>,
    region: (name: 'shift' | 'fiscalDrive' | 'printer') => (actor.getSnapshot().value as Record<string, unknown>)[name],
    submit(op: JobOp): Promise<JobOutcome> {
      const id = nextId++;
      const p = new Promise<JobOutcome>((resolve) => waiters.set(id, resolve));
      actor.send({ type: 'job.submit', jobs: [{ id, op }] });
      return p;
    },
    /** The ОФД confirmed these documents: recompute the oldest unconfirmed one and tell the machine. */
    confirm(numbers: number[]) {
      for (const n of numbers) confirmed.add(n);
      let first: number | null = null;
      for (let n = 1; n <= fn.lastDocNumber; n++) {
        if (!confirmed.has(n)) {
          first = n;
          break;
        }
      }
      fn = {
        ...fn,
        unsentCount: fn.lastDocNumber - confirmed.size,
        firstUnsentNumber: first,
        firstUnsentAt: first === null ? null : (docTimes.get(first) ?? null),
      };
      actor.send({ type: 'fn.changed', fn });
    },
    stop() {
      actor.stop();
    },
  };
}
