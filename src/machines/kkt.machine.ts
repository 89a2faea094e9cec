import { assign, type ErrorActorEvent, enqueueActions, fromPromise, raise, setup } from 'xstate';
import { FiscalError } from '../fiscal/errors.ts';
import { blockReason, isFull, ofdDeadline, shiftDeadline, shiftState } from '../fiscal/fn-core.ts';
import type { FiscalizeInput, FiscalizeOutput, KktContext, KktEmitted, KktEvent, KktInput } from './kkt.types.ts';
import { DIAGRAM_CLOCK, type MachineClock } from './machine-clock.ts';

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

/** The kkt machine reading time from `clock`: the one definition of its time-dependent guards and delays. */
export function kktMachineFor(clock: MachineClock) {
  // No deadline (no open shift, nothing unsent): the timer re-arms a day later at the latest.
  const remaining = (at: number | null) => (at === null ? DAY_MS : Math.max(0, at - clock.now()));
  return setup({
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
      shiftLimit: ({ context }) => remaining(shiftDeadline(context.fn)),
      keyValidity: ({ context }) => remaining(context.identity.validUntil),
      ofdLimit: ({ context }) => remaining(ofdDeadline(context.fn)),
    },
    guards: {
      shiftIsOpen: ({ context }) => context.fn.shiftOpen,
      shiftIsExpired: ({ context }) => shiftState(context.fn, clock.now()) === 'expired',
      keysExpired: ({ context }) => clock.now() >= context.identity.validUntil,
      ofdWaitExceeded: ({ context }) => blockReason(context.fn, context.identity, clock.now()) === 'ofdTimeout',
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
        queue: ({ context, event }) =>
          event.type === 'job.submit' ? [...context.queue, ...event.jobs] : context.queue,
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
      settleBatch: enqueueActions(({ enqueue }, output: FiscalizeOutput) => {
        enqueue.assign({ fn: output.fn, batch: [] });
        for (const outcome of output.outcomes) enqueue.emit({ type: 'job.settled', outcome });
      }),
      failBatch: enqueueActions(({ enqueue, context }, cause: unknown) => {
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
        for (const job of context.queue)
          enqueue.emit({ type: 'job.settled', outcome: { id: job.id, ok: false, error } });
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
              onDone: {
                target: 'ready',
                actions: [{ type: 'settleBatch', params: ({ event }) => event.output }, 'announceFnChange'],
              },
              onError: {
                target: 'ready',
                actions: [{ type: 'failBatch', params: ({ event }: { event: ErrorActorEvent }) => event.error }],
              },
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
}

/** The kkt machine's definition, for diagrams and the inspector's catalog. */
export const kktMachine = kktMachineFor(DIAGRAM_CLOCK);

/**
 * The machine wired to a clock and a fiscalize implementation: delays and time-dependent guards
 * read the injected clock, so virtual time drives the 24-hour and 30-day rules.
 */
export function provideKkt(clock: MachineClock, fiscalize: (input: FiscalizeInput) => Promise<FiscalizeOutput>) {
  return kktMachineFor(clock).provide({
    actors: { fiscalize: fromPromise<FiscalizeOutput, FiscalizeInput>(({ input }) => fiscalize(input)) },
  });
}
