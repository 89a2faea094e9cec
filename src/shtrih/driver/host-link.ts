import type { Duplex } from 'node:stream';
import { formatCode } from '../protocol/commands/index.ts';
import { ACK, ENQ, NAK } from '../protocol/constants.ts';
import { SerialLinkError } from '../protocol/errors.ts';
import { encodeFrame, splitCommand } from '../protocol/frame.ts';
import { FrameParser, type LinkEvent } from '../protocol/parser.ts';
import { type Trace, traceControl, traceFrame } from '../protocol/trace.ts';

export interface HostLinkTimeouts {
  /** Wait for the ACK/NAK that answers a frame or an ENQ. */
  ackMs: number;
  /** A frame from the device that stalls this long is dropped (NAK, then ENQ). */
  byteMs: number;
  /** No answer for this long: ask with ENQ whether it is still coming or was lost. */
  pollMs: number;
  /** The line counts as quiet after this long without bytes (used when re-synchronising). */
  quietMs: number;
}

const MAX_INBOX = 256;

export const DEFAULT_LINK_TIMEOUTS: HostLinkTimeouts = { ackMs: 500, byteMs: 100, pollMs: 1000, quietMs: 30 };

export interface HostLinkOptions {
  timeouts?: Partial<HostLinkTimeouts>;
  /** Tries per step: sending a frame, reading an answer with a bad LRC, ENQ without a reply (S3 App. 3: 10). */
  maxAttempts?: number;
  trace?: Trace;
  /** Names the port in errors. */
  label?: string;
}

export interface RequestOptions {
  /** How long the device may take to answer (javapos: 3 s for status, 65 s for the Z report). */
  answerTimeoutMs: number;
}

/**
 * The host side of the link (S3 App. 3), one request at a time. The rule that keeps a receipt
 * from printing twice: a command frame is sent again only after the device said NAK to it, or
 * said NAK to an ENQ (idle, nothing received, nothing pending). Once the device has ACKed a
 * frame, a missing answer is only ever asked for with ENQ, which makes the device resend it.
 * If the device then turns out to be idle without having answered, the outcome is unknown and
 * the request fails with SerialLinkError('answerLost') instead of guessing.
 */
export class HostLink {
  private readonly parser = new FrameParser();
  private readonly inbox: LinkEvent[] = [];
  private wake: (() => void) | undefined;
  private byteTimer: NodeJS.Timeout | undefined;
  private closedReason: string | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  /** Until the line is known to be clean, the next request starts with ENQ. */
  private uncertain = true;
  private lastByteAt = 0;
  readonly timeouts: HostLinkTimeouts;
  private readonly maxAttempts: number;
  private readonly label: string;
  private readonly onData = (chunk: Buffer) => this.receive(chunk);
  private readonly onClose = () => this.fail('the port was closed');
  private readonly onError = (e: Error) => this.fail(`port error: ${e.message}`);

  constructor(
    private readonly stream: Duplex,
    private readonly options: HostLinkOptions = {},
  ) {
    this.timeouts = { ...DEFAULT_LINK_TIMEOUTS, ...options.timeouts };
    this.maxAttempts = options.maxAttempts ?? 10;
    this.label = options.label ?? 'serial';
    stream.on('data', this.onData);
    stream.on('close', this.onClose);
    stream.on('error', this.onError);
  }

  /** Sends one command and resolves with the answer payload; requests queue behind each other. */
  request(payload: Buffer, options: RequestOptions): Promise<Buffer> {
    const run = this.queue.then(() => this.exchange(payload, options));
    this.queue = run.catch(() => undefined);
    return run;
  }

  detach(): void {
    this.fail('the driver was closed');
    this.stream.off('data', this.onData);
    this.stream.off('close', this.onClose);
    this.stream.off('error', this.onError);
    // A write still in flight when the port closes fails later; that must not crash the process.
    this.stream.on('error', ignore);
  }

  private fail(reason: string): void {
    this.closedReason ??= reason;
    clearTimeout(this.byteTimer);
    this.wake?.();
  }

  private receive(chunk: Buffer): void {
    this.lastByteAt = Date.now();
    clearTimeout(this.byteTimer);
    const events = this.parser.push(chunk);
    for (const e of events) this.traceIn(e);
    this.inbox.push(...events);
    // Between requests nobody reads the inbox; a chattering line must not grow it without end.
    if (this.inbox.length > MAX_INBOX) this.inbox.splice(0, this.inbox.length - MAX_INBOX);
    if (this.parser.inFrame) {
      this.byteTimer = setTimeout(() => {
        const late = this.parser.timeout();
        for (const e of late) this.traceIn(e);
        this.inbox.push(...late);
        this.wake?.();
      }, this.timeouts.byteMs);
    }
    if (events.length > 0) this.wake?.();
  }

  private traceIn(e: LinkEvent): void {
    const trace = this.options.trace;
    if (!trace) return;
    if (e.kind === 'control') traceControl(trace, 'kkt→host', e.byte);
    else if (e.kind === 'frame') traceFrame(trace, 'kkt→host', encodeFrame(e.payload), e.payload);
    else if (e.kind === 'badFrame') trace('kkt→host', e.raw, `bad frame (${e.reason})`);
    else trace('kkt→host', e.bytes, 'noise (ignored)');
  }

  private checkOpen(): void {
    if (this.closedReason !== undefined) throw new SerialLinkError('closed', `${this.label}: ${this.closedReason}`);
  }

  /** The next event that matters (noise is skipped), or null after `ms`. */
  private async next(ms: number): Promise<Exclude<LinkEvent, { kind: 'noise' }> | null> {
    const deadline = Date.now() + ms;
    for (;;) {
      this.checkOpen();
      const e = this.inbox.shift();
      if (e) {
        if (e.kind === 'noise') continue;
        return e;
      }
      const left = deadline - Date.now();
      if (left <= 0) return null;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = undefined;
    }
  }

  private write(bytes: Buffer): void {
    this.checkOpen();
    this.stream.write(bytes);
  }

  private control(byte: number): void {
    traceControl(this.options.trace, 'host→kkt', byte);
    this.write(Buffer.from([byte]));
  }

  private sendFrame(payload: Buffer): void {
    const frame = encodeFrame(payload);
    traceFrame(this.options.trace, 'host→kkt', frame, payload);
    this.write(frame);
  }

  /**
   * Waits until nothing has arrived for `quietMs`, acknowledging any answer the device resends.
   * Returns how many events it had to swallow (0: the line was already quiet).
   */
  private async drain(): Promise<number> {
    let swallowed = 0;
    for (;;) {
      const e = await this.next(this.timeouts.quietMs);
      if (e === null) {
        if (Date.now() - this.lastByteAt >= this.timeouts.quietMs) return swallowed;
        continue;
      }
      swallowed++;
      if (e.kind === 'frame') this.control(ACK);
    }
  }

  /**
   * ENQ until the device says NAK (idle) on a quiet line. A stale answer the device still
   * holds (ACK to ENQ) is read, acknowledged and dropped: it belongs to an earlier request.
   */
  private async synchronise(): Promise<void> {
    for (let attempt = 0; attempt < this.maxAttempts; attempt++) {
      await this.drain();
      this.control(ENQ);
      const e = await this.next(this.timeouts.ackMs);
      if (e === null) continue;
      if (e.kind === 'frame') {
        this.control(ACK);
        continue;
      }
      if (e.kind === 'control' && e.byte === NAK) {
        // Idle, and nothing else arriving after it: a clean line.
        if ((await this.drain()) === 0) {
          this.uncertain = false;
          return;
        }
        continue;
      }
      if (e.kind === 'control' && e.byte === ACK) {
        const stale = await this.next(this.timeouts.pollMs);
        if (stale?.kind === 'frame') this.control(ACK);
        else if (stale?.kind === 'badFrame') this.control(NAK);
      }
    }
    throw new SerialLinkError('noLink', `${this.label}: the ККТ does not answer ENQ`);
  }

  private async exchange(payload: Buffer, options: RequestOptions): Promise<Buffer> {
    const code = splitCommand(payload).code;
    const what = `${this.label}: ${formatCode(code)}`;
    try {
      if (this.uncertain) await this.synchronise();
      this.inbox.length = 0;
      const accepted = await this.deliver(payload, what);
      const answer = await this.awaitAnswer(code, accepted, options, what);
      return answer;
    } catch (e) {
      this.uncertain = true;
      throw e;
    }
  }

  /**
   * Sends the frame until the device ACKs it. Resolves with true once it is ACKed, or with the
   * answer itself when that arrives first (the ACK was lost on the way).
   */
  private async deliver(payload: Buffer, what: string): Promise<Buffer | true> {
    let sends = 1;
    let probes = 0;
    this.sendFrame(payload);
    for (;;) {
      const e = await this.next(this.timeouts.ackMs);
      if (e === null || e.kind === 'badFrame') {
        // Nothing, or garbage: ask the device whether it has the command (ACK) or is idle (NAK).
        if (++probes > this.maxAttempts) throw new SerialLinkError('noLink', `${what}: no ACK from the ККТ`);
        if (e !== null) this.control(NAK);
        this.control(ENQ);
        continue;
      }
      if (e.kind === 'frame') return e.payload;
      if (e.byte === ACK) return true;
      if (e.byte === NAK) {
        // NAK to the frame (bad LRC) or to an ENQ (idle, nothing received). A late ACK or answer
        // in the next moments means it was taken after all; only silence allows sending it again.
        const late = await this.next(this.timeouts.quietMs);
        if (late?.kind === 'frame') return late.payload;
        if (late?.kind === 'control' && late.byte === ACK) return true;
        if (sends >= this.maxAttempts)
          throw new SerialLinkError('noLink', `${what}: the ККТ refused the frame ${sends} times`);
        this.inbox.length = 0;
        this.sendFrame(payload);
        sends++;
        probes = 0;
      }
    }
  }

  private async awaitAnswer(
    code: number,
    accepted: Buffer | true,
    options: RequestOptions,
    what: string,
  ): Promise<Buffer> {
    const deadline = Date.now() + options.answerTimeoutMs;
    let badFrames = 0;
    let probes = 0;
    let pending: Buffer | undefined = accepted === true ? undefined : accepted;
    for (;;) {
      if (pending) {
        const answer = pending;
        pending = undefined;
        if (matches(answer, code)) {
          this.control(ACK);
          // After a probe the device may resend the same answer once more; the next request resyncs.
          if (probes > 0 || badFrames > 0) this.uncertain = true;
          return answer;
        }
        // An answer to something else (left from an earlier request): acknowledge and keep waiting.
        this.control(ACK);
        this.uncertain = true;
      }
      const left = deadline - Date.now();
      if (left <= 0)
        throw new SerialLinkError(
          'timeout',
          `${what}: no answer within ${options.answerTimeoutMs} ms; outcome unknown`,
        );
      const e = await this.next(Math.min(left, this.timeouts.pollMs));
      if (e === null) {
        probes++;
        this.control(ENQ);
        const reply = await this.next(this.timeouts.ackMs);
        if (reply === null) {
          if (probes >= this.maxAttempts) throw new SerialLinkError('noLink', `${what}: the ККТ stopped answering`);
          continue;
        }
        if (reply.kind === 'control' && reply.byte === NAK)
          throw new SerialLinkError(
            'answerLost',
            `${what}: the ККТ is idle and has no answer for the command it accepted; outcome unknown`,
          );
        if (reply.kind === 'frame') pending = reply.payload;
        // ACK: still preparing, or the lost answer follows.
        continue;
      }
      if (e.kind === 'frame') {
        pending = e.payload;
        continue;
      }
      if (e.kind === 'badFrame') {
        if (++badFrames > this.maxAttempts)
          throw new SerialLinkError('protocol', `${what}: answers keep arriving damaged`);
        this.control(NAK);
        this.control(ENQ);
      }
      // Stray ACK/NAK: replies to our own probes.
    }
  }
}

const ignore = () => undefined;

/** The answer's code is the command's; javapos also accepts `FF err` for an FF command the device does not know. */
function matches(answer: Buffer, code: number): boolean {
  try {
    const got = splitCommand(answer).code;
    if (got === code) return true;
    return code > 0xff && answer.length === 2 && answer[0] === 0xff;
  } catch {
    return false;
  }
}
