import type { AdapterStore, BufferCounts } from '../io/sqlite/adapter-store.ts';

export interface BufferPolicy {
  /** Pending receipts the buffer holds (KKT_BUFFER_MAX_SIZE). */
  maxSize: number;
  /** Fraction of maxSize that turns health degraded (KKT_BUFFER_ALERT_THRESHOLD). */
  alertThreshold: number;
  /** Fraction of maxSize at which new receipts are refused (KKT_BUFFER_BLOCK_THRESHOLD). */
  blockThreshold: number;
}

export interface BufferState extends BufferCounts {
  capacity: number;
  /** Pending receipts plus those being printed now: the slots already promised. */
  used: number;
  /** 100 × pending / capacity, two decimals. */
  percentFull: number;
  oldestPendingAt: number | null;
  /** Past the alert threshold: health says degraded. */
  alert: boolean;
  /** At the block threshold: new receipts get BUFFER_FULL. */
  blocked: boolean;
}

/** All of the buffer's capacity policy in one place: what the fiscalizer, health and status routes ask. */
export class ReceiptBuffer {
  private printing = 0;

  constructor(
    private readonly store: AdapterStore,
    private readonly policy: BufferPolicy,
  ) {}

  /** The number of pending receipts at which new ones are refused (at least 1). */
  blockAt(): number {
    return Math.max(1, Math.floor(this.policy.maxSize * this.policy.blockThreshold));
  }

  /**
   * Claims a slot for a receipt about to be printed; false when the buffer is full. Every
   * claim is released with `release()` once the receipt is committed or abandoned.
   */
  claim(): boolean {
    if (this.used() >= this.blockAt()) return false;
    this.printing++;
    return true;
  }

  release(): void {
    this.printing--;
  }

  /** Failed receipts back to pending, to be sent again (POST /v1/kkt/buffer/retry). */
  requeueFailed(): number {
    return this.store.requeueFailed();
  }

  used(): number {
    return this.store.bufferCounts().pending + this.printing;
  }

  state(): BufferState {
    const counts = this.store.bufferCounts();
    const capacity = this.policy.maxSize;
    const used = counts.pending + this.printing;
    return {
      ...counts,
      capacity,
      used,
      percentFull: Math.round((10000 * counts.pending) / capacity) / 100,
      oldestPendingAt: this.store.oldestPendingAt(),
      alert: counts.pending >= capacity * this.policy.alertThreshold,
      blocked: used >= this.blockAt(),
    };
  }
}
