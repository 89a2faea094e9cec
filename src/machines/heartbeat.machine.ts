import { assign, type ErrorActorEvent, fromPromise, raise, setup } from 'xstate';
import { DIAGRAM_CLOCK, type MachineClock } from './machine-clock.ts';

/**
 * The ERP heartbeat. The `link` region beats every interval (the beat itself is an injected
 * actor); the `status` region turns the results into online / offline with hysteresis, so one
 * lost beat does not flap the shop's dashboard: offline after `offlineAfter` failures in a row,
 * back online after `onlineAfter` successes in a row.
 */
export interface HeartbeatInput {
  intervalMs: number;
  offlineAfter: number;
  onlineAfter: number;
}

export interface HeartbeatContext extends HeartbeatInput {
  okStreak: number;
  failStreak: number;
  beats: number;
  lastOkAt: number | null;
  lastError: string | null;
}

export type HeartbeatEvent = { type: 'beat.ok' } | { type: 'beat.failed' } | { type: 'beat.now' };

/** The heartbeat reading time (the last good beat) from `clock`. */
export function heartbeatMachineFor(clock: MachineClock) {
  return setup({
    types: {
      context: {} as HeartbeatContext,
      events: {} as HeartbeatEvent,
      input: {} as HeartbeatInput,
    },
    actors: {
      beat: fromPromise<void, void>(async () => {
        throw new Error('heartbeat: the beat actor must be provided by the adapter');
      }),
    },
    delays: {
      beatInterval: ({ context }) => context.intervalMs,
    },
    guards: {
      offlineReached: ({ context }) => context.failStreak >= context.offlineAfter,
      onlineReached: ({ context }) => context.okStreak >= context.onlineAfter,
    },
    actions: {
      countOk: assign({
        okStreak: ({ context }) => context.okStreak + 1,
        failStreak: 0,
        beats: ({ context }) => context.beats + 1,
        lastOkAt: () => clock.now(),
      }),
      countFailure: assign(({ context }, error: unknown) => ({
        failStreak: context.failStreak + 1,
        okStreak: 0,
        beats: context.beats + 1,
        lastError: String(error ?? 'heartbeat failed'),
      })),
      raiseOk: raise({ type: 'beat.ok' }),
      raiseFailed: raise({ type: 'beat.failed' }),
    },
  }).createMachine({
    id: 'heartbeat',
    type: 'parallel',
    context: ({ input }) => ({ ...input, okStreak: 0, failStreak: 0, beats: 0, lastOkAt: null, lastError: null }),
    states: {
      link: {
        initial: 'beating',
        states: {
          waiting: {
            after: { beatInterval: 'beating' },
            on: { 'beat.now': 'beating' },
          },
          beating: {
            invoke: {
              src: 'beat',
              onDone: { target: 'waiting', actions: ['countOk', 'raiseOk'] },
              onError: {
                target: 'waiting',
                actions: [
                  { type: 'countFailure', params: ({ event }: { event: ErrorActorEvent }) => event.error },
                  'raiseFailed',
                ],
              },
            },
          },
        },
      },
      status: {
        initial: 'unknown',
        states: {
          unknown: {
            on: {
              'beat.ok': 'online',
              'beat.failed': { guard: 'offlineReached', target: 'offline' },
            },
          },
          online: {
            on: { 'beat.failed': { guard: 'offlineReached', target: 'offline' } },
          },
          offline: {
            on: { 'beat.ok': { guard: 'onlineReached', target: 'online' } },
          },
        },
      },
    },
  });
}

/** The heartbeat's definition, for diagrams and the inspector's catalog. */
export const heartbeatMachine = heartbeatMachineFor(DIAGRAM_CLOCK);
