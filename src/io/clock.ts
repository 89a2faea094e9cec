import type { Clock } from '../fiscal/clock.ts';

/** Node's setTimeout fires at once for delays over 2^31-1 ms (~24.8 days); the 30-day rule needs longer. */
const MAX_TIMER_MS = 2 ** 31 - 1;

interface Timer {
  id: number;
  due: number;
  fn: () => void;
}

/**
 * A clock whose time is `base() + offset`. With the real base it runs like wall time and can be
 * moved forward by the emulator control API; with a frozen base (`manual: true`) time moves
 * only through `advance`, so tests jump 24 hours or 31 days in microseconds. Timers fire in
 * due order whenever time passes them, by real elapse or by `advance`.
 */
export class VirtualClock implements Clock {
  private offset = 0;
  private nextId = 1;
  private timers: Timer[] = [];
  private realTimer: NodeJS.Timeout | undefined;
  private readonly base: () => number;
  private readonly live: boolean;

  constructor(options: { start?: number; manual?: boolean } = {}) {
    this.live = !options.manual;
    if (this.live) {
      this.base = Date.now;
      this.offset = options.start === undefined ? 0 : options.start - Date.now();
    } else {
      const start = options.start ?? Date.now();
      this.base = () => start;
    }
  }

  now(): number {
    return this.base() + this.offset;
  }

  setTimeout(fn: () => void, ms: number): number {
    const id = this.nextId++;
    const timer = { id, due: this.now() + Math.max(0, ms), fn };
    const at = this.timers.findIndex((t) => t.due > timer.due);
    if (at === -1) this.timers.push(timer);
    else this.timers.splice(at, 0, timer);
    this.arm();
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.timers = this.timers.filter((t) => t.id !== handle);
    this.arm();
  }

  /** Moves time forward, firing every timer that falls due on the way, in order. */
  advance(ms: number): void {
    if (!(ms >= 0) || !Number.isFinite(ms)) throw new RangeError('advance: ms must be a finite number ≥ 0');
    const target = this.now() + ms;
    for (;;) {
      const next = this.timers[0];
      if (!next || next.due > target) break;
      // Step exactly to each due time so a timer sees the time it asked for.
      this.offset += Math.max(0, next.due - this.now());
      this.timers.shift();
      next.fn();
    }
    this.offset += Math.max(0, target - this.now());
    this.arm();
  }

  /**
   * Sets the clock to `instant`, backwards too (a ККТ's clock set from the host). Forwards it
   * fires due timers as `advance` does; backwards the timers simply fall due later.
   */
  set(instant: number): void {
    if (!Number.isFinite(instant)) throw new RangeError('set: instant must be a finite number');
    if (instant >= this.now()) this.advance(instant - this.now());
    else {
      this.offset -= this.now() - instant;
      this.arm();
    }
  }

  /** Stops the real timer that drives a live clock; pending virtual timers are dropped. */
  dispose(): void {
    if (this.realTimer) clearTimeout(this.realTimer);
    this.realTimer = undefined;
    this.timers = [];
  }

  private arm(): void {
    if (!this.live) return;
    if (this.realTimer) clearTimeout(this.realTimer);
    this.realTimer = undefined;
    const next = this.timers[0];
    if (!next) return;
    const wait = Math.min(MAX_TIMER_MS, Math.max(0, next.due - this.now()));
    this.realTimer = setTimeout(() => {
      this.realTimer = undefined;
      this.advance(0);
    }, wait);
    this.realTimer.unref();
  }
}

/** Wall time; also handles delays longer than Node's timer limit by re-arming. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout(fn: () => void, ms: number) {
    const handle: { t?: NodeJS.Timeout } = {};
    const due = Date.now() + ms;
    const arm = () => {
      const wait = due - Date.now();
      handle.t = setTimeout(wait > MAX_TIMER_MS ? arm : fn, Math.min(MAX_TIMER_MS, Math.max(0, wait)));
    };
    arm();
    return handle;
  },
  clearTimeout(handle: unknown) {
    const t = (handle as { t?: NodeJS.Timeout } | undefined)?.t;
    if (t) clearTimeout(t);
  },
};
