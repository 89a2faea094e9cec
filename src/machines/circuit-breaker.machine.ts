import { assign, setup } from 'xstate';

/**
 * The ОФД circuit breaker. `closed` lets calls through and counts consecutive failures; at the
 * threshold it opens. `open` refuses calls until its delay passes — a real timer, so health
 * shows `halfOpen` on time even when nobody calls — or until a manual sync forces the probe.
 * `halfOpen` lets exactly one probe through: success closes the breaker and resets the delay,
 * failure opens it again with the delay doubled up to the cap.
 */
export interface BreakerInput {
  threshold: number;
  openMs: number;
  maxOpenMs: number;
}

export interface BreakerContext extends BreakerInput {
  /** Consecutive failures (what health shows as failure_count). */
  failures: number;
  /** How long the next (or current) open state lasts. */
  openDelayMs: number;
  openedAt: number | null;
  /** In halfOpen: the one probe has been handed out. */
  probing: boolean;
  opens: number;
  lastFailure: string | null;
}

export type BreakerEvent =
  | { type: 'call.succeeded' }
  | { type: 'call.failed'; reason: string; at: number }
  | { type: 'probe.start' }
  | { type: 'probe.force' }
  | { type: 'reset' };

export const circuitBreakerMachine = setup({
  types: {
    context: {} as BreakerContext,
    events: {} as BreakerEvent,
    input: {} as BreakerInput,
  },
  delays: {
    openDelay: ({ context }) => context.openDelayMs,
  },
  guards: {
    reachesThreshold: ({ context }) => context.failures + 1 >= context.threshold,
  },
  actions: {
    resetFailures: assign({ failures: 0 }),
    countFailure: assign({
      failures: ({ context }) => context.failures + 1,
      lastFailure: ({ event }) => (event.type === 'call.failed' ? event.reason : null),
    }),
    markOpened: assign({
      openedAt: ({ event }) => (event.type === 'call.failed' ? event.at : null),
      opens: ({ context }) => context.opens + 1,
      probing: false,
    }),
    doubleDelay: assign({ openDelayMs: ({ context }) => Math.min(context.openDelayMs * 2, context.maxOpenMs) }),
    resetDelay: assign({ openDelayMs: ({ context }) => Math.min(context.openMs, context.maxOpenMs) }),
    startProbe: assign({ probing: true }),
    clearProbe: assign({ probing: false }),
    resetAll: assign(({ context }) => ({
      failures: 0,
      openDelayMs: Math.min(context.openMs, context.maxOpenMs),
      openedAt: null,
      probing: false,
      lastFailure: null,
    })),
  },
}).createMachine({
  id: 'circuitBreaker',
  initial: 'closed',
  // Test isolation (emulator reset): forget the ОФД's history.
  on: { reset: { target: '.closed', actions: 'resetAll' } },
  context: ({ input }) => ({
    ...input,
    failures: 0,
    openDelayMs: Math.min(input.openMs, input.maxOpenMs),
    openedAt: null,
    probing: false,
    opens: 0,
    lastFailure: null,
  }),
  states: {
    closed: {
      on: {
        'call.succeeded': { actions: 'resetFailures' },
        'call.failed': [
          { guard: 'reachesThreshold', target: 'open', actions: ['countFailure', 'markOpened'] },
          { actions: 'countFailure' },
        ],
        'probe.force': {},
      },
    },
    open: {
      after: { openDelay: 'halfOpen' },
      on: {
        'probe.force': 'halfOpen',
        // Answers of calls that were already on the wire when the breaker opened change nothing.
        'call.succeeded': {},
        'call.failed': {},
      },
    },
    halfOpen: {
      entry: 'clearProbe',
      on: {
        'probe.start': { actions: 'startProbe' },
        'call.succeeded': { target: 'closed', actions: ['resetFailures', 'resetDelay'] },
        'call.failed': { target: 'open', actions: ['countFailure', 'doubleDelay', 'markOpened'] },
        'probe.force': {},
      },
    },
  },
});
