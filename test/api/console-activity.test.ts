import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ActivityRing } from '../../src/api/console/activity.ts';

const MIN = 60_000;
const T0 = Date.UTC(2026, 10, 25, 8, 0);

describe('ActivityRing (the console chart)', () => {
  it('counts receipts per minute from the growth of the total, and keeps the pending count', () => {
    const ring = new ActivityRing();
    ring.sample(10, 0, T0 + 1000); // the first sample only sets the baseline
    ring.sample(13, 3, T0 + 20_000);
    ring.sample(14, 1, T0 + 50_000);
    ring.sample(20, 2, T0 + MIN + 5000);
    expect(ring.minutesSince(T0 + MIN + 6000)).toEqual([
      { at: T0, receipts: 4, pending: 1, pending_max: 3 },
      { at: T0 + MIN, receipts: 6, pending: 2, pending_max: 2 },
    ]);
  });

  it('adds nothing when the total goes down (synced receipts pruned)', () => {
    const ring = new ActivityRing();
    ring.sample(100, 0, T0);
    ring.sample(40, 0, T0 + 1000);
    ring.sample(41, 0, T0 + 2000);
    expect(ring.minutesSince(T0 + 3000)[0]?.receipts).toBe(1);
  });

  it('keeps only the last hour', () => {
    const ring = new ActivityRing(60);
    for (let m = 0; m < 90; m++) ring.sample(m, 0, T0 + m * MIN);
    const shown = ring.minutesSince(T0 + 89 * MIN);
    expect(shown).toHaveLength(60);
    expect(shown[0]?.at).toBe(T0 + 30 * MIN);
  });

  it('never shows more receipts than the total grew, nor more than 60 minutes', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ dt: fc.integer({ min: 0, max: 5 * MIN }), grow: fc.integer({ min: -5, max: 50 }) }), {
          maxLength: 200,
        }),
        (steps) => {
          const ring = new ActivityRing();
          let now = T0;
          let total = 0;
          let grown = 0;
          ring.sample(0, 0, now);
          for (const s of steps) {
            now += s.dt;
            const next = Math.max(0, total + s.grow);
            if (next > total) grown += next - total;
            total = next;
            ring.sample(total, 0, now);
          }
          const shown = ring.minutesSince(now);
          expect(shown.length).toBeLessThanOrEqual(60);
          expect(shown.reduce((n, m) => n + m.receipts, 0)).toBeLessThanOrEqual(grown);
          for (const m of shown) expect(m.at).toBeGreaterThan(now - 60 * MIN);
        },
      ),
    );
  });
});
