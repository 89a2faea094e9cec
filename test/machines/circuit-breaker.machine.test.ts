import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { type Actor, createActor, SimulatedClock } from 'xstate';
import { type BreakerInput, circuitBreakerMachine } from '../../src/machines/circuit-breaker.machine.ts';
import { Breaker } from '../../src/service/sync/breaker.ts';

/*
 * The ОФД circuit breaker on xstate's SimulatedClock: time moves only through `clock.increment`,
 * so "half-open after the timeout, without any call" is checked to the millisecond and nothing
 * here waits in real time.
 */

type BreakerActor = Actor<typeof circuitBreakerMachine>;

const actors: BreakerActor[] = [];
const breakers: Breaker[] = [];
const errors: unknown[] = [];

afterEach(() => {
  for (const a of actors.splice(0)) a.stop();
  for (const b of breakers.splice(0)) b.stop();
  expect(errors.splice(0)).toEqual([]);
});

function start(input: Partial<BreakerInput> = {}) {
  const clock = new SimulatedClock();
  const actor = createActor(circuitBreakerMachine, {
    input: { threshold: 3, openMs: 1000, maxOpenMs: 8000, ...input },
    clock,
  });
  actor.subscribe({ error: (e) => errors.push(e) });
  actor.start();
  actors.push(actor);
  const ctx = () => actor.getSnapshot().context;
  return {
    clock,
    actor,
    ctx,
    value: () => actor.getSnapshot().value as 'closed' | 'open' | 'halfOpen',
    fail: (reason = 'OFD_UNREACHABLE: down') => actor.send({ type: 'call.failed', reason, at: clock.now() }),
    succeed: () => actor.send({ type: 'call.succeeded' }),
    /** Fails until the breaker opens (from closed). */
    trip: () => {
      for (let i = ctx().failures; i < ctx().threshold; i++) actor.send({ type: 'call.failed', reason: 'x', at: 0 });
    },
  };
}

/** A Breaker wrapper on a SimulatedClock (the clock only needs now / setTimeout / clearTimeout). */
function wrapper(input: Partial<BreakerInput> = {}) {
  const clock = new SimulatedClock();
  const b = new Breaker({ threshold: 2, openMs: 500, maxOpenMs: 4000, ...input }, clock);
  b.actor.subscribe({ error: (e) => errors.push(e) });
  breakers.push(b);
  return { b, clock };
}

describe('closed: the threshold is exactly N consecutive failures', () => {
  for (const n of [1, 2, 3, 5, 10]) {
    it(`N = ${n}: N-1 failures stay closed, the N-th opens`, () => {
      const t = start({ threshold: n });
      for (let i = 1; i < n; i++) {
        t.fail(`fail ${i}`);
        expect(t.value()).toBe('closed');
        expect(t.ctx().failures).toBe(i);
      }
      t.clock.increment(5);
      t.fail(`fail ${n}`);
      expect(t.value()).toBe('open');
      expect(t.ctx().failures).toBe(n);
      expect(t.ctx().opens).toBe(1);
      expect(t.ctx().openedAt).toBe(5);
      expect(t.ctx().lastFailure).toBe(`fail ${n}`);
    });

    it(`N = ${n}: a success in between resets the count`, () => {
      const t = start({ threshold: n });
      for (let i = 1; i < n; i++) t.fail();
      t.succeed();
      expect(t.value()).toBe('closed');
      expect(t.ctx().failures).toBe(0);
      // N-1 more failures are still not enough: the earlier ones no longer count.
      for (let i = 1; i < n; i++) t.fail();
      expect(t.value()).toBe('closed');
      expect(t.ctx().failures).toBe(n - 1);
      t.fail();
      expect(t.value()).toBe('open');
    });
  }

  it('probe.force while closed changes nothing', () => {
    const t = start({ threshold: 2 });
    t.fail();
    t.actor.send({ type: 'probe.force' });
    expect(t.value()).toBe('closed');
    expect(t.ctx().failures).toBe(1);
  });
});

describe('open → halfOpen on the timer, with no call at all', () => {
  it('goes halfOpen exactly when the open delay elapses, not 1 ms before', () => {
    const t = start({ threshold: 2, openMs: 1000 });
    t.clock.increment(123);
    t.trip();
    expect(t.value()).toBe('open');
    t.clock.increment(999);
    expect(t.value()).toBe('open');
    t.clock.increment(1);
    expect(t.value()).toBe('halfOpen');
    expect(t.ctx().probing).toBe(false);
    // And nothing else happens afterwards by itself.
    t.clock.increment(1_000_000);
    expect(t.value()).toBe('halfOpen');
  });

  it('call results arriving while open change nothing (and do not restart the timer)', () => {
    const t = start({ threshold: 1, openMs: 1000 });
    t.fail('first');
    const before = t.ctx();
    t.clock.increment(600);
    t.succeed();
    t.fail('late');
    t.fail('later');
    t.succeed();
    expect(t.value()).toBe('open');
    expect(t.ctx()).toEqual(before);
    t.clock.increment(399);
    expect(t.value()).toBe('open');
    t.clock.increment(1);
    expect(t.value()).toBe('halfOpen');
  });

  it('probe.force from open → halfOpen at once, and the old timer no longer matters', () => {
    const t = start({ threshold: 1, openMs: 1000 });
    t.fail();
    t.clock.increment(10);
    t.actor.send({ type: 'probe.force' });
    expect(t.value()).toBe('halfOpen');
    // The forced probe fails: open again with the doubled delay, counted from now.
    t.clock.increment(100);
    t.fail();
    expect(t.value()).toBe('open');
    expect(t.ctx().openDelayMs).toBe(2000);
    // The first open's timer (due at 1000) must not cut this one short.
    t.clock.increment(1000);
    expect(t.value()).toBe('open');
    t.clock.increment(999);
    expect(t.value()).toBe('open');
    t.clock.increment(1);
    expect(t.value()).toBe('halfOpen');
  });

  it('probe.force while halfOpen changes nothing (the probe state is kept)', () => {
    const t = start({ threshold: 1 });
    t.fail();
    t.actor.send({ type: 'probe.force' });
    t.actor.send({ type: 'probe.start' });
    t.actor.send({ type: 'probe.force' });
    expect(t.value()).toBe('halfOpen');
    expect(t.ctx().probing).toBe(true);
  });
});

describe('halfOpen: one probe decides', () => {
  it('a success closes the breaker, resets failures and the delay', () => {
    const t = start({ threshold: 2, openMs: 1000, maxOpenMs: 10_000 });
    t.trip();
    t.clock.increment(1000);
    t.fail(); // probe fails: 2000
    t.clock.increment(2000);
    t.fail(); // 4000
    expect(t.ctx().openDelayMs).toBe(4000);
    t.clock.increment(4000);
    expect(t.value()).toBe('halfOpen');
    t.succeed();
    expect(t.value()).toBe('closed');
    expect(t.ctx().failures).toBe(0);
    expect(t.ctx().openDelayMs).toBe(1000);
    // The next trip opens for the base delay again.
    t.trip();
    t.clock.increment(999);
    expect(t.value()).toBe('open');
    t.clock.increment(1);
    expect(t.value()).toBe('halfOpen');
  });

  it('a failure opens it again with the delay doubled', () => {
    const t = start({ threshold: 3, openMs: 700, maxOpenMs: 100_000 });
    t.trip();
    t.clock.increment(700);
    expect(t.value()).toBe('halfOpen');
    t.fail('probe failed');
    expect(t.value()).toBe('open');
    expect(t.ctx().openDelayMs).toBe(1400);
    expect(t.ctx().opens).toBe(2);
    expect(t.ctx().lastFailure).toBe('probe failed');
    expect(t.ctx().openedAt).toBe(700);
    t.clock.increment(1399);
    expect(t.value()).toBe('open');
    t.clock.increment(1);
    expect(t.value()).toBe('halfOpen');
  });

  it('doubling is capped at maxOpenMs: base, 2b, 4b, …, cap, cap', () => {
    const base = 1000;
    const cap = 20_000;
    const t = start({ threshold: 1, openMs: base, maxOpenMs: cap });
    t.fail();
    const seen: number[] = [];
    for (let round = 0; round < 8; round++) {
      const delay = t.ctx().openDelayMs;
      seen.push(delay);
      // Measure the real open duration on the clock, not just the context field.
      t.clock.increment(delay - 1);
      expect(t.value()).toBe('open');
      t.clock.increment(1);
      expect(t.value()).toBe('halfOpen');
      t.fail();
      expect(t.value()).toBe('open');
    }
    expect(seen).toEqual([1000, 2000, 4000, 8000, 16_000, 20_000, 20_000, 20_000]);
  });

  it('openMs above maxOpenMs: the cap applies from the first open', () => {
    const t = start({ threshold: 1, openMs: 5000, maxOpenMs: 3000 });
    expect(t.ctx().openDelayMs).toBe(3000);
    t.fail();
    t.clock.increment(2999);
    expect(t.value()).toBe('open');
    t.clock.increment(1);
    expect(t.value()).toBe('halfOpen');
  });
});

describe('reset', () => {
  it('from every state → closed with failures 0 and the base delay', () => {
    const states = ['closed', 'open', 'halfOpen', 'halfOpenProbing', 'openDoubled'] as const;
    for (const s of states) {
      const t = start({ threshold: 2, openMs: 1000, maxOpenMs: 16_000 });
      t.fail('a');
      if (s !== 'closed') {
        t.fail('b');
        if (s !== 'open') {
          t.clock.increment(1000);
          if (s === 'halfOpenProbing') t.actor.send({ type: 'probe.start' });
          if (s === 'openDoubled') t.fail('c');
        }
      }
      t.actor.send({ type: 'reset' });
      expect(t.value(), s).toBe('closed');
      expect(t.ctx(), s).toMatchObject({
        failures: 0,
        openDelayMs: 1000,
        openedAt: null,
        probing: false,
        lastFailure: null,
      });
      // The old open timer does not fire into the reset breaker.
      t.clock.increment(100_000);
      expect(t.value(), s).toBe('closed');
      // And the threshold counts from zero again.
      t.fail();
      expect(t.value(), s).toBe('closed');
      t.fail();
      expect(t.value(), s).toBe('open');
      t.clock.increment(999);
      expect(t.value(), s).toBe('open');
      t.clock.increment(1);
      expect(t.value(), s).toBe('halfOpen');
    }
  });
});

describe('Breaker.tryAcquire hands out one probe in halfOpen', () => {
  it('closed: everyone; open: nobody; halfOpen: exactly one caller until the breaker moves', () => {
    const { b, clock } = wrapper({ threshold: 1, openMs: 500 });
    expect(b.tryAcquire()).toBe(true);
    expect(b.tryAcquire()).toBe(true);
    b.failed('down', clock.now());
    expect(b.state()).toBe('OPEN');
    expect(b.tryAcquire()).toBe(false);
    clock.increment(500);
    expect(b.state()).toBe('HALF_OPEN');
    expect(b.tryAcquire()).toBe(true); // the probe
    expect(b.tryAcquire()).toBe(false); // second caller refused
    expect(b.tryAcquire()).toBe(false);
    b.failed('still down', clock.now());
    expect(b.state()).toBe('OPEN');
    clock.increment(1000);
    // A fresh halfOpen hands out a fresh probe.
    expect(b.tryAcquire()).toBe(true);
    expect(b.tryAcquire()).toBe(false);
    b.succeeded();
    expect(b.state()).toBe('CLOSED');
    expect(b.tryAcquire()).toBe(true);
    expect(b.tryAcquire()).toBe(true);
  });
});

// ---- model-based: the machine against a tiny reference breaker ---------------------------------

type Cmd =
  | { kind: 'succeed' }
  | { kind: 'fail' }
  | { kind: 'advance'; ms: number }
  | { kind: 'force' }
  | { kind: 'probe' }
  | { kind: 'reset' };

interface Model {
  state: 'closed' | 'open' | 'halfOpen';
  failures: number;
  delay: number;
  /** Time left in `open`. */
  left: number;
  opens: number;
  probing: boolean;
}

/** Written from the rules, not from the machine. */
function step(m: Model, c: Cmd, p: BreakerInput): Model {
  const base = Math.min(p.openMs, p.maxOpenMs);
  if (c.kind === 'reset') return { ...m, state: 'closed', failures: 0, delay: base, left: 0, probing: false };
  switch (m.state) {
    case 'closed':
      if (c.kind === 'succeed') return { ...m, failures: 0 };
      if (c.kind === 'fail') {
        const failures = m.failures + 1;
        if (failures >= p.threshold) return { ...m, failures, state: 'open', left: m.delay, opens: m.opens + 1 };
        return { ...m, failures };
      }
      return m;
    case 'open':
      if (c.kind === 'force') return { ...m, state: 'halfOpen', probing: false };
      if (c.kind === 'advance') {
        const left = m.left - c.ms;
        return left <= 0 ? { ...m, state: 'halfOpen', left: 0, probing: false } : { ...m, left };
      }
      return m;
    case 'halfOpen':
      if (c.kind === 'probe') return { ...m, probing: true };
      if (c.kind === 'succeed') return { ...m, state: 'closed', failures: 0, delay: base };
      if (c.kind === 'fail') {
        const delay = Math.min(m.delay * 2, p.maxOpenMs);
        return { ...m, state: 'open', failures: m.failures + 1, delay, left: delay, opens: m.opens + 1 };
      }
      return m;
  }
}

const cmdArb: fc.Arbitrary<Cmd> = fc.oneof(
  { weight: 3, arbitrary: fc.constant<Cmd>({ kind: 'succeed' }) },
  { weight: 5, arbitrary: fc.constant<Cmd>({ kind: 'fail' }) },
  {
    weight: 4,
    arbitrary: fc
      .oneof(fc.integer({ min: 0, max: 50 }), fc.integer({ min: 0, max: 5000 }))
      .map((ms): Cmd => ({ kind: 'advance', ms })),
  },
  { weight: 1, arbitrary: fc.constant<Cmd>({ kind: 'force' }) },
  { weight: 1, arbitrary: fc.constant<Cmd>({ kind: 'probe' }) },
  { weight: 1, arbitrary: fc.constant<Cmd>({ kind: 'reset' }) },
);

describe('circuitBreaker against a reference model', () => {
  it('state, failures, delay, opens and the probe agree over random event sequences', () => {
    fc.assert(
      fc.property(
        fc.record({
          threshold: fc.integer({ min: 1, max: 5 }),
          openMs: fc.integer({ min: 1, max: 2000 }),
          maxOpenMs: fc.integer({ min: 1, max: 10_000 }),
        }),
        fc.array(cmdArb, { maxLength: 60 }),
        (input, cmds) => {
          const clock = new SimulatedClock();
          const actor = createActor(circuitBreakerMachine, { input, clock });
          const failures: unknown[] = [];
          actor.subscribe({ error: (e) => failures.push(e) });
          actor.start();
          try {
            let m: Model = {
              state: 'closed',
              failures: 0,
              delay: Math.min(input.openMs, input.maxOpenMs),
              left: 0,
              opens: 0,
              probing: false,
            };
            for (const c of cmds) {
              if (c.kind === 'succeed') actor.send({ type: 'call.succeeded' });
              else if (c.kind === 'fail') actor.send({ type: 'call.failed', reason: 'x', at: clock.now() });
              else if (c.kind === 'advance') clock.increment(c.ms);
              else if (c.kind === 'force') actor.send({ type: 'probe.force' });
              else if (c.kind === 'probe') actor.send({ type: 'probe.start' });
              else actor.send({ type: 'reset' });
              m = step(m, c, input);
              const snap = actor.getSnapshot();
              expect(snap.value).toBe(m.state);
              expect(snap.context.failures).toBe(m.failures);
              expect(snap.context.openDelayMs).toBe(m.delay);
              expect(snap.context.opens).toBe(m.opens);
              if (m.state === 'halfOpen') expect(snap.context.probing).toBe(m.probing);
            }
            expect(failures).toEqual([]);
          } finally {
            actor.stop();
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
