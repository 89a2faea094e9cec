import { assign, enqueueActions, fromPromise, raise, setup } from 'xstate';
import type { Clock } from '../fiscal/clock.ts';
import { FiscalError } from '../fiscal/errors.ts';
import { blockReason, isFull, ofdDeadline, shiftDeadline, shiftState } from '../fiscal/fn-core.ts';
import type { FiscalizeInput, FiscalizeOutput, KktContext, KktEmitted, KktEvent, KktInput } from './kkt.types.ts';

/**
 * The emulated ККТ. Three regions run side by side:
 * - `shift`: closed / opened / expired (the 24-hour rule, a timer on the shift's own deadline);
 * - `fiscalDrive`: ok / blocked (ФН full, keys expired, 30 days without ОФД confirmation);
 * - `printer`: ready / printing (one batch at a time, the rest queue) / fault (paper, cover).
 * Regions keep the shift timer alive through printer faults (a paper-out excursion must not
 * reset the 24 hours). The rules themselves live in `src/fiscal/fn-core.ts`; this machine
 * decides when work runs and shows where the device is.
 *
 * `fiscalize`, and the delays that read the clock, are provided by the device front
 * (`machine.provide`), so the machine itself does no IO.
 */

const DAY_MS = 24 * 60 * 60 * 1000;

export const kktMachine = setup({
  types: {
    context: {} as KktContext,
    events: {} as KktEvent,
    input: {} as KktInput,
    emitted: {} as KktEmitted,
  },
  actors: {
    fiscalize: fromPromise<FiscalizeOutput, FiscalizeInput>(async () => {
      throw new Error('kkt machine: the fiscalize actor must be provided by the device front');
    }),
  },
  delays: {
    // Overridden with the injected clock; these defaults only serve diagrams and inspection.
    shiftLimit: ({ context }) => Math.max(0, (shiftDeadline(context.fn) ?? Date.now() + DAY_MS) - Date.now()),
    keyValidity: ({ context }) => Math.max(0, context.identity.validUntil - Date.now()),
    ofdLimit: ({ context }) => Math.max(0, (ofdDeadline(context.fn) ?? Date.now() + 30 * DAY_MS) - Date.now()),
  },
  guards: {
    shiftIsOpen: ({ context }) => context.fn.shiftOpen,
    shiftIsExpired: ({ context }) => shiftState(context.fn, Date.now()) === 'expired',
    keysExpired: ({ context }) => Date.now() >= context.identity.validUntil,
    ofdWaitExceeded: ({ context }) => blockReason(context.fn, context.identity, Date.now()) === 'ofdTimeout',
    hasOfdDeadline: ({ context }) => ofdDeadline(context.fn) !== null,
    fnIsFull: ({ context }) => isFull(context.fn, context.identity),
    coverIsOpen: ({ context }) => context.faults.coverOpen,
    coverIsClosed: ({ context }) => !context.faults.coverOpen,
    paperIsOut: ({ context }) => context.faults.paperOut,
    noFaults: ({ context }) => !context.faults.coverOpen && !context.faults.paperOut,
    hasQueuedJobs: ({ context }) => context.queue.length > 0,
  },
  actions: {
    enqueueJob: assign({
      queue: ({ context, event }) => (event.type === 'job.submit' ? [...context.queue, event.job] : context.queue),
    }),
    setFaults: assign({
      faults: ({ context, event }) =>
        event.type === 'fault.set' ? { ...context.faults, ...event.faults } : context.faults,
    }),
    storeFn: assign({
      fn: ({ context, event }) => (event.type === 'fn.changed' ? event.fn : context.fn),
    }),
    takeBatch: assign(({ context }) => ({
      batch: context.queue.slice(0, context.batchLimit),
      queue: context.queue.slice(context.batchLimit),
    })),
    settleBatch: enqueueActions(({ enqueue, event }) => {
      const output = (event as unknown as { output: FiscalizeOutput }).output;
      enqueue.assign({ fn: output.fn, batch: [] });
      for (const outcome of output.outcomes) enqueue.emit({ type: 'job.settled', outcome });
    }),
    failBatch: enqueueActions(({ enqueue, context, event }) => {
      const cause = (event as unknown as { error: unknown }).error;
      const message = cause instanceof Error ? cause.message : String(cause);
      for (const job of context.batch) {
        const error =
          cause instanceof FiscalError ? cause : new FiscalError('DEVICE_STOPPED', `device error: ${message}`);
        enqueue.emit({ type: 'job.settled', outcome: { id: job.id, ok: false, error } });
      }
      enqueue.assign({ batch: [] });
    }),
    refuseQueuedJobs: enqueueActions(({ enqueue, context }) => {
      const error = context.faults.coverOpen
        ? new FiscalError('COVER_OPEN', 'the printer cover is open')
        : new FiscalError('PAPER_OUT', 'the printer is out of paper');
      for (const job of context.queue) enqueue.emit({ type: 'job.settled', outcome: { id: job.id, ok: false, error } });
      enqueue.assign({ queue: [] });
    }),
    announceFnChange: raise(({ context }) => ({ type: 'fn.changed' as const, fn: context.fn })),
  },
}).createMachine({
  id: 'kkt',
  type: 'parallel',
  context: ({ input }) => ({
    identity: input.identity,
    fn: input.fn,
    faults: { paperOut: false, coverOpen: false },
    queue: [],
    batch: [],
    batchLimit: Math.max(1, input.batchLimit),
  }),
  on: {
    'fault.set': { actions: 'setFaults' },
  },
  states: {
    shift: {
      initial: 'evaluating',
      on: {
        'fn.changed': { target: '.evaluating', actions: 'storeFn' },
      },
      states: {
        // Transient: re-derives the shift from the ФН's counters after every change.
        evaluating: {
          always: [
            { guard: 'shiftIsExpired', target: 'expired' },
            { guard: 'shiftIsOpen', target: 'opened' },
            { target: 'closed' },
          ],
        },
        closed: {},
        opened: {
          after: { shiftLimit: 'expired' },
        },
        expired: {},
      },
    },
    fiscalDrive: {
      initial: 'evaluating',
      on: {
        'fn.changed': { target: '.evaluating' },
      },
      states: {
        evaluating: {
          always: [
            { guard: 'fnIsFull', target: 'blocked.fnFull' },
            { guard: 'keysExpired', target: 'blocked.fnExpired' },
            { guard: 'ofdWaitExceeded', target: 'blocked.ofdTimeout' },
            { target: 'ok' },
          ],
        },
        ok: {
          after: { keyValidity: 'blocked.fnExpired' },
          initial: 'watching',
          states: {
            watching: {
              always: { guard: 'hasOfdDeadline', target: 'awaitingOfd' },
            },
            awaitingOfd: {
              after: { ofdLimit: '#kkt.fiscalDrive.blocked.ofdTimeout' },
            },
          },
        },
        blocked: {
          initial: 'fnFull',
          states: {
            fnFull: {},
            fnExpired: {},
            // Keys can still run out while the drive waits for the ОФД; fnExpired then wins, as in blockReason.
            ofdTimeout: { after: { keyValidity: 'fnExpired' } },
          },
        },
      },
    },
    printer: {
      initial: 'ready',
      states: {
        ready: {
          on: { 'job.submit': { actions: 'enqueueJob' } },
          always: [
            { guard: 'coverIsOpen', target: 'fault.coverOpen' },
            { guard: 'paperIsOut', target: 'fault.paperOut' },
            { guard: 'hasQueuedJobs', target: 'printing', actions: 'takeBatch' },
          ],
        },
        printing: {
          on: { 'job.submit': { actions: 'enqueueJob' } },
          invoke: {
            src: 'fiscalize',
            input: ({ context }) => ({ jobs: context.batch }),
            onDone: { target: 'ready', actions: ['settleBatch', 'announceFnChange'] },
            onError: { target: 'ready', actions: 'failBatch' },
          },
        },
        fault: {
          entry: 'refuseQueuedJobs',
          on: { 'job.submit': { actions: ['enqueueJob', 'refuseQueuedJobs'] } },
          always: { guard: 'noFaults', target: 'ready' },
          initial: 'paperOut',
          states: {
            paperOut: { always: { guard: 'coverIsOpen', target: 'coverOpen' } },
            coverOpen: { always: { guard: 'coverIsClosed', target: 'paperOut' } },
          },
        },
      },
    },
  },
});

/**
 * The machine wired to a clock and a fiscalize implementation: delays and time-dependent guards
 * read the injected clock, so virtual time drives the 24-hour and 30-day rules.
 */
export function provideKkt(clock: Clock, fiscalize: (input: FiscalizeInput) => Promise<FiscalizeOutput>) {
  const remaining = (at: number | null) => (at === null ? DAY_MS : Math.max(0, at - clock.now()));
  return kktMachine.provide({
    actors: { fiscalize: fromPromise<FiscalizeOutput, FiscalizeInput>(({ input }) => fiscalize(input)) },
    delays: {
      shiftLimit: ({ context }) => remaining(shiftDeadline(context.fn)),
      keyValidity: ({ context }) => remaining(context.identity.validUntil),
      ofdLimit: ({ context }) => remaining(ofdDeadline(context.fn)),
    },
    guards: {
      shiftIsExpired: ({ context }) => shiftState(context.fn, clock.now()) === 'expired',
      keysExpired: ({ context }) => clock.now() >= context.identity.validUntil,
      ofdWaitExceeded: ({ context }) => blockReason(context.fn, context.identity, clock.now()) === 'ofdTimeout',
    },
  });
}
