/** What an SSE client writes to: a `ServerResponse` in production, a fake in tests. */
export interface SseSink {
  /** false when the sink's buffer is full; then wait for 'drain'. */
  write(chunk: string): boolean;
  once(event: 'drain', listener: () => void): unknown;
  end(): unknown;
  readonly destroyed?: boolean;
  readonly writableEnded?: boolean;
}

export interface SseClientLimits {
  /** Most messages waiting for the socket. */
  maxMessages: number;
  /** Most bytes (UTF-16 code units, close enough) waiting for the socket. */
  maxBytes: number;
}

/**
 * One browser's Server-Sent Events stream behind a bounded queue. Nothing here ever waits:
 * when the socket is slow the queue fills and the oldest messages are dropped (and counted), so
 * a slow or stuck browser costs a bounded amount of memory and never slows the register.
 * After a loss the hub sends a fresh snapshot once the queue is empty again (`onEmpty`).
 */
export class SseClient {
  private queue: string[] = [];
  private head = 0;
  private bytes = 0;
  private waitingForDrain = false;
  private ended = false;
  /** Messages dropped because the queue was full, since the client connected. */
  dropped = 0;
  /** Set when messages were dropped; cleared by the hub when it has resent a snapshot. */
  lost = false;
  /** Called whenever the queue has just been emptied into the socket. */
  onEmpty: (() => void) | undefined;
  /** Called once when the client closes (its socket failed, or close() was called). */
  onClose: (() => void) | undefined;

  constructor(
    private readonly sink: SseSink,
    private readonly limits: SseClientLimits,
    readonly id: number,
  ) {}

  get queued(): number {
    return this.queue.length - this.head;
  }

  get queuedBytes(): number {
    return this.bytes;
  }

  get closed(): boolean {
    return this.ended || this.sink.destroyed === true || this.sink.writableEnded === true;
  }

  /** Queues a complete SSE message (or comment) and writes what the socket accepts now. */
  send(message: string): void {
    if (this.closed) return;
    this.queue.push(message);
    this.bytes += message.length;
    // Drop oldest first; always keep the newest message, even a large one.
    while (this.queued > 1 && (this.queued > this.limits.maxMessages || this.bytes > this.limits.maxBytes)) {
      const old = this.queue[this.head] as string;
      this.queue[this.head++] = '';
      this.bytes -= old.length;
      this.dropped++;
      this.lost = true;
    }
    this.pump();
  }

  close(): void {
    if (this.ended) return;
    this.ended = true;
    this.queue = [];
    this.head = 0;
    this.bytes = 0;
    try {
      this.sink.end();
    } catch {
      // Already gone: nothing left to close.
    }
    this.onClose?.();
  }

  private pump(): void {
    if (this.waitingForDrain) return;
    while (this.queued > 0) {
      if (this.closed) return;
      const message = this.queue[this.head] as string;
      this.queue[this.head++] = '';
      this.bytes -= message.length;
      let accepted: boolean;
      try {
        accepted = this.sink.write(message);
      } catch {
        this.close();
        return;
      }
      if (!accepted) {
        this.waitingForDrain = true;
        this.sink.once('drain', () => {
          this.waitingForDrain = false;
          this.pump();
        });
        this.compact();
        return;
      }
    }
    this.compact();
    this.onEmpty?.();
  }

  private compact(): void {
    if (this.head === 0) return;
    if (this.head === this.queue.length) {
      this.queue = [];
      this.head = 0;
    } else if (this.head > 256) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
  }
}
