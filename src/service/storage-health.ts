import { STORAGE_CAUSE_TEXT, type StorageCause, storageCause } from '../io/sqlite/storage-errors.ts';
import type { RepeatLimiter } from './repeat-log.ts';

export interface StorageSnapshot {
  status: 'ok' | 'failing';
  cause: StorageCause | null;
  /** Words for the cause (`disk full`). */
  detail: string | null;
  since: number | null;
  failures: number;
}

/**
 * Whether the adapter can write its records. A failed write marks it failing with the cause;
 * while failing, a probe write (at most once per `probeEveryMs`, when health is asked) tells
 * when space is back, and any successful write clears it too.
 */
export class StorageHealth {
  private cause: StorageCause | null = null;
  private since: number | null = null;
  private failures = 0;
  private lastProbe = 0;

  constructor(
    private readonly probe: () => void,
    private readonly now: () => number,
    private readonly log?: RepeatLimiter,
    private readonly probeEveryMs = 1000,
  ) {}

  /** Records a failed write; answers its cause, or undefined when `e` is not a storage failure. */
  failed(e: unknown, what: string): StorageCause | undefined {
    const cause = storageCause(e);
    if (cause === undefined) return undefined;
    if (this.cause === null) this.since = this.now();
    this.cause = cause;
    this.failures++;
    this.log?.note(`storage: ${what}: ${STORAGE_CAUSE_TEXT[cause]}`, { code: (e as { code?: string }).code });
    return cause;
  }

  succeeded(): void {
    if (this.cause === null) return;
    this.cause = null;
    this.since = null;
    this.failures = 0;
  }

  snapshot(): StorageSnapshot {
    if (this.cause !== null && this.now() - this.lastProbe >= this.probeEveryMs) {
      this.lastProbe = this.now();
      try {
        this.probe();
        this.succeeded();
      } catch (e) {
        if (storageCause(e) !== undefined) this.cause = storageCause(e) as StorageCause;
      }
    }
    return {
      status: this.cause === null ? 'ok' : 'failing',
      cause: this.cause,
      detail: this.cause === null ? null : STORAGE_CAUSE_TEXT[this.cause],
      since: this.since,
      failures: this.failures,
    };
  }
}
