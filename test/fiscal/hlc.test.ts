import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  HLC_MAX_LOGICAL,
  HLC_ZERO,
  type Hlc,
  hlcCompare,
  hlcParse,
  hlcReceive,
  hlcTick,
  hlcToString,
} from '../../src/fiscal/hlc.ts';

const NOW = Date.UTC(2026, 10, 25, 11, 5);

const wallArb = fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER });
const hlcArb: fc.Arbitrary<Hlc> = fc.record({ wall: wallArb, logical: fc.integer({ min: 0, max: HLC_MAX_LOGICAL }) });
/** Clusters of close values, so that equal walls and counters actually happen. */
const nearHlcArb: fc.Arbitrary<Hlc> = fc.record({
  wall: fc.integer({ min: NOW - 3, max: NOW + 3 }),
  logical: fc.integer({ min: 0, max: 3 }),
});
const sign = (n: number) => Math.sign(n);

describe('hlcTick', () => {
  it('follows the wall clock when it moves forward', () => {
    expect(hlcTick(HLC_ZERO, NOW)).toEqual({ wall: NOW, logical: 0 });
    expect(hlcTick({ wall: NOW, logical: 7 }, NOW + 1)).toEqual({ wall: NOW + 1, logical: 0 });
  });

  it('counts when the clock stands still or steps back', () => {
    expect(hlcTick({ wall: NOW, logical: 0 }, NOW)).toEqual({ wall: NOW, logical: 1 });
    expect(hlcTick({ wall: NOW, logical: 4 }, NOW - 3_600_000)).toEqual({ wall: NOW, logical: 5 });
  });

  it('carries into the wall time instead of outgrowing the 5-digit counter', () => {
    const last = { wall: NOW, logical: HLC_MAX_LOGICAL };
    const next = hlcTick(last, NOW - 1);
    expect(next).toEqual({ wall: NOW + 1, logical: 0 });
    expect(hlcCompare(next, last)).toBeGreaterThan(0);
    expect(hlcToString(next) > hlcToString(last)).toBe(true);
    expect(hlcParse(hlcToString(next))).toEqual(next);
  });

  it('is strictly monotonic whatever the wall clock does (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 45 }),
        fc.array(fc.integer({ min: -1_000, max: 1_000 }), { minLength: 1, maxLength: 200 }),
        (start, steps) => {
          let clock = start;
          let prev = HLC_ZERO;
          let maxSeen = 0;
          for (const step of steps) {
            clock = Math.max(0, clock + step);
            maxSeen = Math.max(maxSeen, clock);
            const next = hlcTick(prev, clock);
            expect(hlcCompare(next, prev)).toBeGreaterThan(0);
            expect(hlcToString(next) > hlcToString(prev)).toBe(true);
            expect(next.wall).toBeGreaterThanOrEqual(maxSeen);
            expect(next.logical).toBeLessThanOrEqual(HLC_MAX_LOGICAL);
            prev = next;
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('stays monotonic and fixed-width through a long clock stall', () => {
    let h: Hlc = { wall: NOW, logical: HLC_MAX_LOGICAL - 5 };
    let text = hlcToString(h);
    for (let i = 0; i < 20; i++) {
      const next = hlcTick(h, NOW - 60_000);
      const nextText = hlcToString(next);
      expect(nextText.length).toBe(text.length);
      expect(nextText > text).toBe(true);
      h = next;
      text = nextText;
    }
    expect(h.wall).toBe(NOW + 1);
  });
});

describe('hlcReceive', () => {
  it('merges a remote timestamp', () => {
    // the local clock is ahead of both
    expect(hlcReceive({ wall: NOW, logical: 3 }, { wall: NOW - 5, logical: 9 }, NOW + 10)).toEqual({
      wall: NOW + 10,
      logical: 0,
    });
    // the remote is ahead
    expect(hlcReceive({ wall: NOW, logical: 3 }, { wall: NOW + 5, logical: 9 }, NOW)).toEqual({
      wall: NOW + 5,
      logical: 10,
    });
    // the previous local value is ahead
    expect(hlcReceive({ wall: NOW + 5, logical: 3 }, { wall: NOW, logical: 9 }, NOW)).toEqual({
      wall: NOW + 5,
      logical: 4,
    });
    // all the same wall: the larger counter plus one
    expect(hlcReceive({ wall: NOW, logical: 3 }, { wall: NOW, logical: 9 }, NOW)).toEqual({ wall: NOW, logical: 10 });
    expect(hlcReceive({ wall: NOW, logical: 12 }, { wall: NOW, logical: 9 }, NOW - 1)).toEqual({
      wall: NOW,
      logical: 13,
    });
  });

  it('carries at the counter limit', () => {
    expect(hlcReceive({ wall: NOW, logical: 1 }, { wall: NOW, logical: HLC_MAX_LOGICAL }, NOW)).toEqual({
      wall: NOW + 1,
      logical: 0,
    });
  });

  it('is after both inputs and not before the wall clock (property)', () => {
    fc.assert(
      fc.property(
        fc.oneof(hlcArb, nearHlcArb),
        fc.oneof(hlcArb, nearHlcArb),
        fc.oneof(wallArb, fc.integer({ min: NOW - 3, max: NOW + 3 })),
        (prev, remote, now) => {
          fc.pre(Math.max(prev.wall, remote.wall, now) < Number.MAX_SAFE_INTEGER);
          const next = hlcReceive(prev, remote, now);
          expect(hlcCompare(next, prev)).toBeGreaterThan(0);
          expect(hlcCompare(next, remote)).toBeGreaterThan(0);
          expect(next.wall).toBeGreaterThanOrEqual(now);
          expect(next.logical).toBeLessThanOrEqual(HLC_MAX_LOGICAL);
          expect(hlcParse(hlcToString(next))).toEqual(next);
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('text form', () => {
  it('is fixed-width', () => {
    expect(hlcToString({ wall: 1_764_072_300_000, logical: 0 })).toBe('0001764072300000-00000');
    expect(hlcToString({ wall: 1_764_072_300_000, logical: 42 })).toBe('0001764072300000-00042');
    expect(hlcToString(HLC_ZERO)).toBe('0000000000000000-00000');
  });

  it('parses back what it wrote (property)', () => {
    fc.assert(
      fc.property(hlcArb, (h) => {
        expect(hlcParse(hlcToString(h))).toEqual(h);
      }),
      { numRuns: 1000 },
    );
  });

  it.each([
    [''],
    ['1764072300000-00000'],
    ['0001764072300000-0000'],
    ['0001764072300000-000000'],
    ['0001764072300000_00000'],
    [' 0001764072300000-00000'],
    ['0001764072300000-00000 '],
    ['000176407230000a-00000'],
    ['-001764072300000-00000'],
  ])('rejects %j', (text) => {
    expect(hlcParse(text)).toBeUndefined();
  });

  it('sorts like hlcCompare (property)', () => {
    fc.assert(
      fc.property(fc.oneof(hlcArb, nearHlcArb), fc.oneof(hlcArb, nearHlcArb), (a, b) => {
        const sa = hlcToString(a);
        const sb = hlcToString(b);
        const textOrder = sa < sb ? -1 : sa > sb ? 1 : 0;
        expect(textOrder).toBe(sign(hlcCompare(a, b)));
      }),
      { numRuns: 1000 },
    );
  });
});
