import { assign, type DoneActorEvent, type ErrorActorEvent, emit, fromPromise, setup } from 'xstate';
import { DIAGRAM_CLOCK, type MachineClock } from './machine-clock.ts';

/**
 * The ОФД sync worker. It wakes on its interval, soon after new receipts and on a manual sync,
 * runs one pass at a time (the pass itself is an injected actor: buffer, ОФД client and
 * breaker live outside the machine), chains passes while there is more to send, and waits in
 * `backingOff` while the breaker is open instead of polling a dead ОФД.
 */
export interface PassInput {
  manual: boolean;
  passNo: number;
}

export interface PassResult {
  /** Receipts the ОФД accepted in this pass. */
  synced: number;
  /** Receipts the ОФД rejected as invalid (now `failed`). */
  failed: number;
  /** Pending receipts this pass did not get to (breaker open, or beyond the batch). */
  skipped: number;
  /** Other fiscal documents (shift reports, registration) delivered. */
  documents: number;
  /** Transient failures (each counted by the breaker). */
  errors: number;
  lastError: string | null;
  /** The breaker refused calls: wait for it instead of passing again. */
  breakerOpen: boolean;
  /** A full batch went through: pass again at once. */
  more: boolean;
}

export interface SyncWorkerInput {
  intervalMs: number;
  kickMs: number;
}

export interface SyncWorkerContext extends SyncWorkerInput {
  passNo: number;
  /** A manual sync arrived during a pass: run another one right after it. */
  manualPending: boolean;
  /** Receipts arrived during a pass (it read its batch before them): sync soon after it. */
  receiptsPending: boolean;
  manual: boolean;
  lastPass: (PassResult & { passNo: number; manual: boolean; startedAt: number; finishedAt: number }) | null;
  passStartedAt: number;
  totals: { passes: number; synced: number; failed: number; documents: number; errors: number };
  lastError: { message: string; at: number } | null;
}

export type SyncWorkerEvent =
  | { type: 'sync.request' }
  | { type: 'receipts.added' }
  | { type: 'breaker.halfOpen' }
  | { type: 'worker.stop' };

export type SyncWorkerEmitted =
  | { type: 'pass.done'; passNo: number; result: PassResult }
  | { type: 'pass.failed'; passNo: number; error: string };

const output = ({ event }: { event: DoneActorEvent<PassResult> }) => event.output;
const failure = ({ event }: { event: ErrorActorEvent }) => event.error;

/** The sync worker reading time (pass start and end, error times) from `clock`. */
export function syncWorkerMachineFor(clock: MachineClock) {
  return setup({
    types: {
      context: {} as SyncWorkerContext,
      events: {} as SyncWorkerEvent,
      input: {} as SyncWorkerInput,
      emitted: {} as SyncWorkerEmitted,
    },
    actors: {
      syncPass: fromPromise<PassResult, PassInput>(async () => {
        throw new Error('syncWorker: the syncPass actor must be provided by the adapter');
      }),
    },
    delays: {
      syncInterval: ({ context }) => context.intervalMs,
      kick: ({ context }) => context.kickMs,
    },
    guards: {
      manualQueued: ({ context }) => context.manualPending,
      breakerOpen: (_, result: PassResult) => result.breakerOpen,
      moreToDo: (_, result: PassResult) => result.more,
      receiptsArrived: ({ context }) => context.receiptsPending,
    },
    actions: {
      beginPass: assign({
        passNo: ({ context }) => context.passNo + 1,
        manual: ({ context, event }) => event.type === 'sync.request' || context.manualPending,
        manualPending: false,
        receiptsPending: false,
        passStartedAt: () => clock.now(),
      }),
      queueManual: assign({ manualPending: true }),
      noteReceipts: assign({ receiptsPending: true }),
      recordPass: assign(({ context }, result: PassResult) => {
        const t = context.totals;
        const now = clock.now();
        return {
          lastPass: {
            ...result,
            passNo: context.passNo,
            manual: context.manual,
            startedAt: context.passStartedAt,
            finishedAt: now,
          },
          totals: {
            passes: t.passes + 1,
            synced: t.synced + result.synced,
            failed: t.failed + result.failed,
            documents: t.documents + result.documents,
            errors: t.errors + result.errors,
          },
          lastError: result.lastError ? { message: result.lastError, at: now } : context.lastError,
        };
      }),
      recordError: assign(({ context }, error: unknown) => ({
        lastError: { message: String(error), at: clock.now() },
        totals: { ...context.totals, passes: context.totals.passes + 1 },
      })),
      announcePass: emit(({ context }, result: PassResult) => ({
        type: 'pass.done' as const,
        passNo: context.passNo,
        result,
      })),
      announceFailure: emit(({ context }, error: unknown) => ({
        type: 'pass.failed' as const,
        passNo: context.passNo,
        error: String(error),
      })),
    },
  }).createMachine({
    id: 'syncWorker',
    initial: 'idle',
    context: ({ input }) => ({
      ...input,
      passNo: 0,
      manualPending: false,
      receiptsPending: false,
      manual: false,
      lastPass: null,
      passStartedAt: 0,
      totals: { passes: 0, synced: 0, failed: 0, documents: 0, errors: 0 },
      lastError: null,
    }),
    states: {
      idle: {
        initial: 'waiting',
        on: { 'sync.request': { target: 'syncing', actions: 'beginPass' } },
        states: {
          waiting: {
            after: { syncInterval: { target: '#syncWorker.syncing', actions: 'beginPass' } },
            on: { 'receipts.added': 'soon' },
          },
          // Coalesces a burst of new receipts into one pass.
          soon: {
            after: { kick: { target: '#syncWorker.syncing', actions: 'beginPass' } },
          },
        },
      },
      syncing: {
        invoke: {
          src: 'syncPass',
          input: ({ context }) => ({ manual: context.manual, passNo: context.passNo }),
          onDone: [
            // A manual sync waiting for this pass runs now, open breaker or not: it is the probe.
            {
              guard: 'manualQueued',
              target: 'syncing',
              reenter: true,
              actions: [{ type: 'recordPass', params: output }, { type: 'announcePass', params: output }, 'beginPass'],
            },
            {
              guard: { type: 'breakerOpen', params: output },
              target: 'backingOff',
              actions: [
                { type: 'recordPass', params: output },
                { type: 'announcePass', params: output },
              ],
            },
            {
              guard: { type: 'moreToDo', params: output },
              target: 'syncing',
              reenter: true,
              actions: [{ type: 'recordPass', params: output }, { type: 'announcePass', params: output }, 'beginPass'],
            },
            {
              guard: 'receiptsArrived',
              target: 'idle.soon',
              actions: [
                { type: 'recordPass', params: output },
                { type: 'announcePass', params: output },
              ],
            },
            {
              target: 'idle',
              actions: [
                { type: 'recordPass', params: output },
                { type: 'announcePass', params: output },
              ],
            },
          ],
          onError: [
            {
              guard: 'manualQueued',
              target: 'syncing',
              reenter: true,
              actions: [
                { type: 'recordError', params: failure },
                { type: 'announceFailure', params: failure },
                'beginPass',
              ],
            },
            {
              target: 'idle',
              actions: [
                { type: 'recordError', params: failure },
                { type: 'announceFailure', params: failure },
              ],
            },
          ],
        },
        on: { 'sync.request': { actions: 'queueManual' }, 'receipts.added': { actions: 'noteReceipts' } },
      },
      backingOff: {
        on: {
          'breaker.halfOpen': { target: 'syncing', actions: 'beginPass' },
          'sync.request': { target: 'syncing', actions: 'beginPass' },
        },
      },
    },
  });
}

/** The sync worker's definition, for diagrams and the inspector's catalog. */
export const syncWorkerMachine = syncWorkerMachineFor(DIAGRAM_CLOCK);
