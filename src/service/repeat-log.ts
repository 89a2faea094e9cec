/**
 * Logs a failure once per interval per distinct cause, then how often it repeated. A full disk
 * fails every request the same way: one line a minute with a count says as much as a stack
 * trace per request (which filled 67 MB of log in the field).
 */
export class RepeatLimiter {
  private readonly seen = new Map<string, { since: number; count: number }>();

  constructor(
    private readonly emit: (line: { cause: string; repeated: number; detail?: unknown }) => void,
    private readonly intervalMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Reports `cause`; `detail` (e.g. the error) goes out only with the first line of an interval. */
  note(cause: string, detail?: unknown): void {
    const t = this.now();
    const entry = this.seen.get(cause);
    if (entry && t - entry.since < this.intervalMs) {
      entry.count++;
      return;
    }
    if (entry && entry.count > 0) this.emit({ cause, repeated: entry.count });
    this.seen.set(cause, { since: t, count: 0 });
    if (this.seen.size > 100) this.seen.delete(this.seen.keys().next().value as string);
    this.emit({ cause, repeated: 0, ...(detail !== undefined ? { detail } : {}) });
  }
}
