import type { Duplex } from 'node:stream';
import { ACK, ENQ, NAK } from '../protocol/constants.ts';
import { encodeFrame } from '../protocol/frame.ts';
import { FrameParser, type LinkEvent } from '../protocol/parser.ts';
import { type Trace, traceControl, traceFrame } from '../protocol/trace.ts';

export interface DeviceLinkOptions {
  /** A frame that stalls this long is dropped and answered with NAK (S1: 100 ms, S2/S3: 50 ms). */
  byteTimeoutMs?: number;
  /** TCP-style: send one 0xFF after the host ACKs an answer, as real devices do over RNDIS/TCP. */
  trailingFF?: boolean;
  trace?: Trace;
}

/** Runs one command; resolves with the whole answer payload (code, error byte, data). */
export type CommandHandler = (payload: Buffer) => Promise<Buffer>;

/**
 * The device side of the link (S3 App. 2). ENQ gets NAK when idle and ACK while an answer is
 * being prepared or has not been acknowledged, followed by that answer again: so a host that
 * lost an answer gets it resent and the command never runs twice. The same frame sent again
 * while its answer is unacknowledged is answered from memory, not run again. A frame is
 * accepted whether or not an ENQ came first (rosix-ru/shtrihm-fr sends STX straight away).
 */
export class DeviceLink {
  private readonly parser = new FrameParser();
  private state: 'idle' | 'executing' | 'answered' = 'idle';
  private answer: Buffer | null = null;
  /** The command behind `answer`, to recognise a host resending it. */
  private command: Buffer | null = null;
  private byteTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly byteTimeoutMs: number;
  private readonly onData = (chunk: Buffer) => this.receive(chunk);
  /** A broken stream ends this link; the device itself carries on for other links. */
  private readonly onError = () => {
    this.closed = true;
    clearTimeout(this.byteTimer);
  };

  constructor(
    private readonly stream: Duplex,
    private readonly handler: CommandHandler,
    private readonly options: DeviceLinkOptions = {},
  ) {
    this.byteTimeoutMs = options.byteTimeoutMs ?? 100;
    stream.on('data', this.onData);
    stream.on('error', this.onError);
  }

  /** Stops listening; the stream itself belongs to the caller. */
  detach(): void {
    this.closed = true;
    clearTimeout(this.byteTimer);
    this.stream.off('data', this.onData);
    // Keep swallowing errors: a write in flight when the stream closes fails after we let go.
  }

  private receive(chunk: Buffer): void {
    clearTimeout(this.byteTimer);
    for (const event of this.parser.push(chunk)) this.handle(event);
    if (this.parser.inFrame) {
      this.byteTimer = setTimeout(() => {
        for (const event of this.parser.timeout()) this.handle(event);
      }, this.byteTimeoutMs);
    }
  }

  private handle(event: LinkEvent): void {
    const trace = this.options.trace;
    switch (event.kind) {
      case 'noise':
        trace?.('host→kkt', event.bytes, 'noise (ignored)');
        return;
      case 'badFrame':
        trace?.('host→kkt', event.raw, `bad frame (${event.reason})`);
        this.control(NAK);
        return;
      case 'control':
        traceControl(trace, 'host→kkt', event.byte);
        this.onControl(event.byte);
        return;
      case 'frame':
        traceFrame(trace, 'host→kkt', encodeFrame(event.payload), event.payload);
        this.onFrame(event.payload);
        return;
    }
  }

  private onControl(byte: number): void {
    if (byte === ENQ) {
      if (this.state === 'idle') this.control(NAK);
      else {
        this.control(ACK);
        if (this.state === 'answered' && this.answer) this.send(this.answer);
      }
    } else if (byte === ACK && this.state === 'answered') {
      this.state = 'idle';
      this.answer = null;
      if (this.options.trailingFF) this.write(Buffer.from([0xff]), 'trailing 0xFF');
    }
    // NAK to an answer: keep it until the host asks with ENQ (the device never resends on its own).
  }

  private onFrame(payload: Buffer): void {
    if (this.state === 'executing') {
      // Still working on the previous command: the host has to wait and ask with ENQ.
      this.control(NAK);
      return;
    }
    if (this.state === 'answered' && this.answer && this.command?.equals(payload)) {
      // The same frame again before its answer was acknowledged: a host that missed our ACK or
      // the answer is resending. Answer again; running it twice could print twice.
      this.control(ACK);
      this.send(this.answer);
      return;
    }
    // A new command means the host has moved on; an unacknowledged old answer is dropped.
    this.control(ACK);
    this.state = 'executing';
    this.answer = null;
    this.command = payload;
    this.handler(payload).then(
      (answer) => {
        if (this.closed) return;
        this.answer = encodeFrame(answer);
        this.state = 'answered';
        this.send(this.answer);
      },
      () => {
        // The handler answers errors itself; reaching here means the front is shutting down.
        this.state = 'idle';
      },
    );
  }

  private control(byte: number): void {
    traceControl(this.options.trace, 'kkt→host', byte);
    this.write(Buffer.from([byte]));
  }

  private send(frame: Buffer): void {
    traceFrame(this.options.trace, 'kkt→host', frame, frame.subarray(2, frame.length - 1));
    this.write(frame);
  }

  private write(bytes: Buffer, what?: string): void {
    if (this.closed || this.stream.destroyed || !this.stream.writable) return;
    if (what) this.options.trace?.('kkt→host', bytes, what);
    this.stream.write(bytes);
  }
}
