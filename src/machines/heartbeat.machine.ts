import { assign, fromPromise, raise, setup } from 'xstate';

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

export const heartbeatMachine = setup({
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
      lastOkAt: () => Date.now(),
    }),
    countFailure: assign({
      failStreak: ({ context }) => context.failStreak + 1,
      okStreak: 0,
      beats: ({ context }) => context.beats + 1,
      lastError: ({ event }) => String((event as { error?: unknown }).error ?? 'heartbeat failed'),
    }),
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
            onError: { target: 'waiting', actions: ['countFailure', 'raiseFailed'] },
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
