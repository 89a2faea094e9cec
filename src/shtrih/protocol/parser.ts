import { ACK, ENQ, NAK, STX } from './constants.ts';
import { lrc } from './frame.ts';

/**
 * What the byte stream of one side of the link turned out to contain. `badFrame` is what the
 * receiver must answer with NAK; `noise` is anything outside a frame that is not a control byte
 * (the 0xFF real devices send after an ACK over TCP, line garbage).
 */
export type LinkEvent =
  | { kind: 'control'; byte: typeof ENQ | typeof ACK | typeof NAK }
  | { kind: 'frame'; payload: Buffer }
  | { kind: 'badFrame'; reason: 'lrc' | 'empty' | 'incomplete'; raw: Buffer }
  | { kind: 'noise'; bytes: Buffer };

/**
 * The streaming frame parser: push chunks as they arrive, get events back. It never throws.
 *
 * Like the device side of S3 App. 2 it trusts the length byte: once STX and a length have
 * arrived it reads exactly that many bytes plus the LRC. A frame that stalls is ended by the
 * link's inter-byte timer calling `timeout()`; a frame whose LRC does not match is reported and
 * dropped. Either way the parser is back to hunting for STX, so the next good frame is parsed.
 */
export class FrameParser {
  /** Bytes of the frame being assembled: STX, length, payload so far. Empty when idle. */
  private frame: number[] = [];
  private noise: number[] = [];

  /** True while a frame has started and is not complete (the link arms its inter-byte timer). */
  get inFrame(): boolean {
    return this.frame.length > 0;
  }

  push(chunk: Uint8Array): LinkEvent[] {
    const events: LinkEvent[] = [];
    for (const byte of chunk) this.byte(byte, events);
    this.flushNoise(events);
    return events;
  }

  /** The inter-byte timeout fired: an unfinished frame is dropped (the receiver answers NAK). */
  timeout(): LinkEvent[] {
    const events: LinkEvent[] = [];
    this.flushNoise(events);
    if (this.frame.length > 0) {
      events.push({ kind: 'badFrame', reason: 'incomplete', raw: Buffer.from(this.frame) });
      this.frame = [];
    }
    return events;
  }

  private byte(byte: number, events: LinkEvent[]): void {
    const f = this.frame;
    if (f.length === 0) {
      if (byte === STX) {
        this.flushNoise(events);
        f.push(byte);
      } else if (byte === ENQ || byte === ACK || byte === NAK) {
        this.flushNoise(events);
        events.push({ kind: 'control', byte });
      } else {
        this.noise.push(byte);
      }
      return;
    }
    f.push(byte);
    if (f.length === 2 && byte === 0) {
      // A zero length cannot hold a command code: nothing to wait for, answer NAK at once.
      events.push({ kind: 'badFrame', reason: 'empty', raw: Buffer.from(f) });
      this.frame = [];
      return;
    }
    const length = f[1];
    if (length === undefined || f.length < length + 3) return;
    const payload = Buffer.from(f.slice(2, 2 + length));
    const raw = Buffer.from(f);
    this.frame = [];
    if (lrc(payload) === f[length + 2]) events.push({ kind: 'frame', payload });
    else events.push({ kind: 'badFrame', reason: 'lrc', raw });
  }

  private flushNoise(events: LinkEvent[]): void {
    if (this.noise.length === 0) return;
    events.push({ kind: 'noise', bytes: Buffer.from(this.noise) });
    this.noise = [];
  }
}
