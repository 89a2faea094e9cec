/** One minute of the chart: receipts fiscalized in it and the buffer's pending count. */
export interface ActivityMinute {
  /** Start of the minute, Unix ms (wall time). */
  at: number;
  /** Receipts and corrections recorded in adapter.db during this minute. */
  receipts: number;
  /** Pending receipts at the last sample of the minute, and the most seen in it. */
  pending: number;
  pending_max: number;
}

const MINUTE_MS = 60_000;

/**
 * The console's chart data: the last `minutes` minutes (default 60) of receipts per minute and
 * pending receipts, kept in memory only, so it starts empty after every restart (docs/console.md).
 * Fed by samples of the buffer's counts rather than by hooks in the receipt path: a receipt
 * taken through the ATOL API counts as much as one posted to /v1, and the register's hot path
 * stays as it is. A count that goes down (synced receipts pruned) adds nothing.
 */
export class ActivityRing {
  private readonly slots: ActivityMinute[] = [];
  private lastTotal: number | undefined;

  constructor(private readonly minutes = 60) {}

  /** `total` = every receipt adapter.db has recorded so far; `pending` = not yet at the ОФД. */
  sample(total: number, pending: number, now: number): void {
    const at = now - (now % MINUTE_MS);
    let slot = this.slots[this.slots.length - 1];
    if (slot === undefined || slot.at < at) {
      slot = { at, receipts: 0, pending, pending_max: pending };
      this.slots.push(slot);
      while (this.slots.length > 0 && (this.slots[0] as ActivityMinute).at <= at - this.minutes * MINUTE_MS)
        this.slots.shift();
    }
    if (this.lastTotal !== undefined && total > this.lastTotal) slot.receipts += total - this.lastTotal;
    this.lastTotal = total;
    slot.pending = pending;
    slot.pending_max = Math.max(slot.pending_max, pending);
  }

  /** The minutes of the last hour that have samples, oldest first (gaps are minutes with none). */
  minutesSince(now: number): ActivityMinute[] {
    const from = now - (now % MINUTE_MS) - (this.minutes - 1) * MINUTE_MS;
    return this.slots.filter((s) => s.at >= from).map((s) => ({ ...s }));
  }
}
