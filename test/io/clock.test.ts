import { afterEach, describe, expect, it, vi } from 'vitest';
import { systemClock, VirtualClock } from '../../src/io/clock.ts';

const T0 = Date.UTC(2026, 0, 1);
const DAY = 24 * 60 * 60 * 1000;
const MAX_NODE_TIMER = 2 ** 31 - 1;

describe('VirtualClock (manual)', () => {
  it('does not move by itself', async () => {
    const clock = new VirtualClock({ start: T0, manual: true });
    await new Promise((r) => setTimeout(r, 15));
    expect(clock.now()).toBe(T0);
  });

  it('fires timers in due order on advance, equal due times in creation order', () => {
    const clock = new VirtualClock({ start: T0, manual: true });
    const fired: string[] = [];
    clock.setTimeout(() => fired.push('c300'), 300);
    clock.setTimeout(() => fired.push('a100'), 100);
    clock.setTimeout(() => fired.push('b200'), 200);
    clock.setTimeout(() => fired.push('a100-second'), 100);
    clock.setTimeout(() => fired.push('zero'), 0);
    clock.advance(150);
    expect(fired).toEqual(['zero', 'a100', 'a100-second']);
    expect(clock.now()).toBe(T0 + 150);
    clock.advance(1000);
    expect(fired).toEqual(['zero', 'a100', 'a100-second', 'b200', 'c300']);
    expect(clock.now()).toBe(T0 + 1150);
  });

  it('fires a timer exactly at its due time, not 1 ms earlier', () => {
    const clock = new VirtualClock({ start: T0, manual: true });
    const fn = vi.fn();
    clock.setTimeout(fn, 1000);
    clock.advance(999);
    expect(fn).not.toHaveBeenCalled();
    clock.advance(1);
    expect(fn).toHaveBeenCalledTimes(1);
    clock.advance(10_000);
    expect(fn).toHaveBeenCalledTimes(1);
  });

  it('clearTimeout cancels only that timer', () => {
    const clock = new VirtualClock({ start: T0, manual: true });
    const fired: number[] = [];
    const a = clock.setTimeout(() => fired.push(1), 10);
    clock.setTimeout(() => fired.push(2), 20);
    const c = clock.setTimeout(() => fired.push(3), 30);
    clock.clearTimeout(a);
    clock.clearTimeout(c);
    clock.clearTimeout(12345); // unknown handle: no effect
    clock.advance(100);
    expect(fired).toEqual([2]);
  });

  it('a timer may clear a later timer from inside its callback', () => {
    const clock = new VirtualClock({ start: T0, manual: true });
    const fired: string[] = [];
    const later = clock.setTimeout(() => fired.push('later'), 20);
    clock.setTimeout(() => {
      fired.push('first');
      clock.clearTimeout(later);
    }, 10);
    clock.advance(50);
    expect(fired).toEqual(['first']);
  });

  it('fires timers longer than 2^31 ms (31 days) at the right virtual time', () => {
    const clock = new VirtualClock({ start: T0, manual: true });
    const seen: number[] = [];
    const ms = 31 * DAY;
    expect(ms).toBeGreaterThan(MAX_NODE_TIMER);
    clock.setTimeout(() => seen.push(clock.now()), ms);
    clock.advance(MAX_NODE_TIMER + 1);
    expect(seen).toEqual([]);
    clock.advance(ms - (MAX_NODE_TIMER + 1) - 1);
    expect(seen).toEqual([]);
    clock.advance(1);
    expect(seen).toEqual([T0 + ms]);
  });

  it('now() inside a callback is the timer’s due time, even when advance jumps past it', () => {
    const clock = new VirtualClock({ start: T0, manual: true });
    const seen: Array<[string, number]> = [];
    clock.setTimeout(() => seen.push(['a', clock.now()]), 1000);
    clock.setTimeout(() => seen.push(['b', clock.now()]), 5000);
    clock.advance(DAY);
    expect(seen).toEqual([
      ['a', T0 + 1000],
      ['b', T0 + 5000],
    ]);
    expect(clock.now()).toBe(T0 + DAY);
  });

  it('a timer set inside a callback during advance fires within the same advance when due', () => {
    const clock = new VirtualClock({ start: T0, manual: true });
    const seen: Array<[string, number]> = [];
    clock.setTimeout(() => {
      seen.push(['outer', clock.now()]);
      clock.setTimeout(() => seen.push(['inner', clock.now()]), 100);
      clock.setTimeout(() => seen.push(['too-late', clock.now()]), 10_000);
    }, 100);
    clock.advance(500);
    expect(seen).toEqual([
      ['outer', T0 + 100],
      ['inner', T0 + 200],
    ]);
    clock.advance(10_000);
    expect(seen.at(-1)).toEqual(['too-late', T0 + 10_100]);
  });

  it('rejects negative or non-finite advances', () => {
    const clock = new VirtualClock({ start: T0, manual: true });
    expect(() => clock.advance(-1)).toThrow(RangeError);
    expect(() => clock.advance(Number.NaN)).toThrow(RangeError);
    expect(() => clock.advance(Number.POSITIVE_INFINITY)).toThrow(RangeError);
    expect(clock.now()).toBe(T0);
  });

  it('dispose drops pending timers', () => {
    const clock = new VirtualClock({ start: T0, manual: true });
    const fn = vi.fn();
    clock.setTimeout(fn, 10);
    clock.dispose();
    clock.advance(100);
    expect(fn).not.toHaveBeenCalled();
  });
});

describe('VirtualClock (live)', () => {
  it('runs like wall time from its start and fires timers in real time', async () => {
    const clock = new VirtualClock({ start: T0 });
    const before = clock.now();
    expect(Math.abs(before - T0)).toBeLessThan(50);
    const seen = await new Promise<number>((resolve) => clock.setTimeout(() => resolve(clock.now()), 30));
    expect(seen).toBeGreaterThanOrEqual(before + 30);
    clock.dispose();
  });

  it('advance jumps forward and fires the timers it passes', () => {
    const clock = new VirtualClock({ start: T0 });
    const fn = vi.fn();
    clock.setTimeout(fn, 31 * DAY);
    clock.advance(31 * DAY);
    expect(fn).toHaveBeenCalledTimes(1);
    expect(clock.now()).toBeGreaterThanOrEqual(T0 + 31 * DAY);
    clock.dispose();
  });
});

describe('systemClock', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('fires a timer longer than 2^31 ms at its due time, not at once', () => {
    vi.useFakeTimers({ now: T0 });
    const fn = vi.fn();
    systemClock.setTimeout(fn, 31 * DAY);
    vi.advanceTimersByTime(MAX_NODE_TIMER + 10);
    expect(fn).not.toHaveBeenCalled();
    vi.advanceTimersByTime(31 * DAY - (MAX_NODE_TIMER + 10) - 1);
    expect(fn).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(fn).toHaveBeenCalledTimes(1);
  });

  it('clearTimeout cancels a long timer after it was re-armed', () => {
    vi.useFakeTimers({ now: T0 });
    const fn = vi.fn();
    const handle = systemClock.setTimeout(fn, 40 * DAY);
    vi.advanceTimersByTime(MAX_NODE_TIMER + 10); // past the first re-arm
    systemClock.clearTimeout(handle);
    vi.advanceTimersByTime(40 * DAY);
    expect(fn).not.toHaveBeenCalled();
  });
});
