import { afterEach, describe, expect, it } from 'vitest';
import { SimulatedClock } from 'xstate';
import { breakerView } from '../../src/api/views.ts';
import { localIsoWithOffset } from '../../src/fiscal/local-time.ts';
import type { BreakerInput } from '../../src/machines/circuit-breaker.machine.ts';
import { Breaker } from '../../src/service/sync/breaker.ts';

const T = Date.UTC(2026, 10, 25, 8, 0);
const breakers: Breaker[] = [];
const errors: unknown[] = [];

afterEach(() => {
  for (const b of breakers.splice(0)) b.stop();
  expect(errors.splice(0)).toEqual([]);
});

function breaker(input: Partial<BreakerInput> = {}) {
  const clock = new SimulatedClock();
  clock.set(T);
  const b = new Breaker({ threshold: 2, openMs: 1500, maxOpenMs: 6000, ...input }, clock);
  b.actor.subscribe({ error: (e) => errors.push(e) });
  breakers.push(b);
  return { b, clock };
}

describe('Breaker', () => {
  it('starts CLOSED with a clean view', () => {
    const { b } = breaker();
    expect(b.state()).toBe('CLOSED');
    expect(breakerView(b.snapshot(), 'UTC')).toEqual({
      state: 'CLOSED',
      failure_count: 0,
      threshold: 2,
      open_delay_s: 1.5,
      opened_at: null,
      opens: 0,
      last_failure: null,
    });
  });

  it('state() and view() follow the machine through open, half-open and back', () => {
    const { b, clock } = breaker();
    b.failed('OFD_UNREACHABLE: connection refused', clock.now());
    expect(breakerView(b.snapshot(), 'UTC')).toMatchObject({
      state: 'CLOSED',
      failure_count: 1,
      last_failure: 'OFD_UNREACHABLE: connection refused',
    });
    clock.increment(250);
    b.failed('OFD_TIMEOUT: 10 s', clock.now());
    expect(b.state()).toBe('OPEN');
    expect(breakerView(b.snapshot(), 'UTC')).toEqual({
      state: 'OPEN',
      failure_count: 2,
      threshold: 2,
      open_delay_s: 1.5,
      opened_at: localIsoWithOffset(T + 250, 'UTC'),
      opens: 1,
      last_failure: 'OFD_TIMEOUT: 10 s',
    });
    clock.increment(1500);
    expect(b.state()).toBe('HALF_OPEN');
    expect(breakerView(b.snapshot(), 'UTC').state).toBe('HALF_OPEN');
    expect(b.tryAcquire()).toBe(true);
    b.failed('OFD_SERVER_ERROR: 503', clock.now());
    expect(breakerView(b.snapshot(), 'UTC')).toMatchObject({
      state: 'OPEN',
      failure_count: 3,
      open_delay_s: 3,
      opened_at: localIsoWithOffset(T + 1750, 'UTC'),
      opens: 2,
    });
    clock.increment(3000);
    expect(b.tryAcquire()).toBe(true);
    b.succeeded();
    expect(breakerView(b.snapshot(), 'UTC')).toMatchObject({
      state: 'CLOSED',
      failure_count: 0,
      open_delay_s: 1.5,
      opens: 2,
    });
  });

  it('tryAcquire: closed lets everyone through without changing anything', () => {
    const { b } = breaker();
    const before = b.actor.getSnapshot();
    for (let i = 0; i < 5; i++) expect(b.tryAcquire()).toBe(true);
    expect(b.actor.getSnapshot().context).toEqual(before.context);
  });

  it('tryAcquire: open refuses; halfOpen gives out exactly one probe', () => {
    const { b, clock } = breaker({ threshold: 1 });
    b.failed('down', clock.now());
    expect(b.tryAcquire()).toBe(false);
    expect(b.tryAcquire()).toBe(false);
    clock.increment(1499);
    expect(b.tryAcquire()).toBe(false);
    clock.increment(1);
    const grants = Array.from({ length: 5 }, () => b.tryAcquire());
    expect(grants).toEqual([true, false, false, false, false]);
    expect(b.state()).toBe('HALF_OPEN');
  });

  it('forceProbe opens the half-open window at once; reset closes everything', () => {
    const { b, clock } = breaker({ threshold: 1 });
    b.failed('down', clock.now());
    b.forceProbe();
    expect(b.state()).toBe('HALF_OPEN');
    expect(b.tryAcquire()).toBe(true);
    expect(b.tryAcquire()).toBe(false);
    b.reset();
    expect(breakerView(b.snapshot(), 'UTC')).toMatchObject({
      state: 'CLOSED',
      failure_count: 0,
      open_delay_s: 1.5,
      last_failure: null,
    });
    expect(b.tryAcquire()).toBe(true);
    // forceProbe while closed is a no-op.
    b.forceProbe();
    expect(b.state()).toBe('CLOSED');
  });

  it('reset while a probe is out lets the next half-open hand out a fresh probe', () => {
    const { b, clock } = breaker({ threshold: 1 });
    b.failed('down', clock.now());
    clock.increment(1500);
    expect(b.tryAcquire()).toBe(true);
    b.reset();
    b.failed('down again', clock.now());
    clock.increment(1500);
    expect(b.tryAcquire()).toBe(true);
  });

  it('after stop() the state is frozen and no timer fires into it', () => {
    const { b, clock } = breaker({ threshold: 1 });
    b.failed('down', clock.now());
    b.stop();
    clock.increment(10_000);
    expect(b.state()).toBe('OPEN');
  });
});
