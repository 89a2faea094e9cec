import { Duplex } from 'node:stream';
import { EmulatedKkt, type EmulatorOptions } from '../../src/device/emulator.ts';
import { VirtualClock } from '../../src/io/clock.ts';
import { ShtrihDriver, type ShtrihDriverOptions } from '../../src/shtrih/driver/shtrih-driver.ts';
import { DeviceFront, type DeviceFrontOptions } from '../../src/shtrih/front/device-front.ts';
import { encodeFrame } from '../../src/shtrih/protocol/frame.ts';
import { FrameParser, type LinkEvent } from '../../src/shtrih/protocol/parser.ts';
import { registration, T0, tempDir } from '../helpers/kkt-fixtures.ts';

/** One end of an in-memory cable: what it writes, the peer reads (or `sink` takes). */
export class CableEnd extends Duplex {
  peer: CableEnd | undefined;
  sink: ((chunk: Buffer) => void) | undefined;
  override _write(chunk: Buffer, _enc: BufferEncoding, done: (e?: Error | null) => void): void {
    if (this.sink) this.sink(chunk);
    else this.peer?.push(chunk);
    done();
  }
  override _read(): void {}
  override _final(done: (e?: Error | null) => void): void {
    this.peer?.push(null);
    done();
  }
}

/** Two connected in-memory byte streams (a null-modem cable without the modem). */
export function memoryLine(): { host: Duplex; device: Duplex; close(): void } {
  const host = new CableEnd();
  const device = new CableEnd();
  host.peer = device;
  device.peer = host;
  return {
    host,
    device,
    close() {
      host.destroy();
      device.destroy();
    },
  };
}

/** Short link timeouts, so recovery paths run in milliseconds. */
export const FAST_LINK = {
  timeouts: { ackMs: 150, byteMs: 50, pollMs: 150, quietMs: 10 },
  answerTimeoutMs: 3000,
} satisfies Partial<ShtrihDriverOptions>;

export interface Bench {
  kkt: EmulatedKkt;
  clock: VirtualClock;
  dir: string;
  close(): Promise<void>;
}

/** An emulated ККТ on a manual clock in a fresh directory. */
export function emulator(overrides: Partial<EmulatorOptions> = {}): Bench {
  const { dir, cleanup } = tempDir('kkt-serial-');
  const clock = new VirtualClock({ start: T0, manual: true });
  const kkt = EmulatedKkt.open({
    dataDir: dir,
    clock,
    registration: registration({ fnNumber: '9999000000000042', regNumber: '0000000001012345' }),
    printDelay: { min: 0, max: 0 },
    autoOpenShift: true,
    ...overrides,
  });
  return {
    kkt,
    clock,
    dir,
    async close() {
      await kkt.close();
      clock.dispose();
      cleanup();
    },
  };
}

/** The driver talking to a device front over an in-memory line. */
export function wired(
  bench: Bench,
  o: { driver?: Partial<ShtrihDriverOptions>; front?: DeviceFrontOptions; hostSide?: (d: Duplex) => Duplex } = {},
) {
  const line = memoryLine();
  const front = new DeviceFront(bench.kkt, o.front ?? {});
  const detach = front.attach(line.device);
  const driver = new ShtrihDriver(o.hostSide ? o.hostSide(line.host) : line.host, {
    timezone: 'Europe/Moscow',
    ...FAST_LINK,
    // As kkt-emu's serial pair composes them: the adapter's sync is the device's ОФД exchange.
    ofdExchange: (numbers) => bench.kkt.confirmDelivered(numbers),
    ...o.driver,
  });
  return {
    driver,
    front,
    line,
    async close() {
      await driver.close();
      detach();
      line.close();
    },
  };
}

export type TapDecision = 'pass' | 'drop' | Buffer;

/**
 * Wraps the host's end of a line and lets a test decide about every control byte and frame
 * coming from the device: pass it, drop it (lost on the wire) or replace it (damaged). Frames
 * are reassembled first, so it works however the bytes arrive (a pty splits them freely).
 */
export function tapIncoming(inner: Duplex, decide: (event: LinkEvent, raw: Buffer) => TapDecision): Duplex {
  const parser = new FrameParser();
  const outer = new Duplex({
    read() {},
    write(chunk: Buffer, _enc, done) {
      inner.write(chunk, done);
    },
    final(done) {
      inner.end();
      done();
    },
    destroy(err, done) {
      inner.destroy();
      done(err);
    },
  });
  inner.on('data', (chunk: Buffer) => {
    for (const e of parser.push(chunk)) {
      const raw =
        e.kind === 'frame'
          ? encodeFrame(e.payload)
          : e.kind === 'control'
            ? Buffer.from([e.byte])
            : e.kind === 'noise'
              ? e.bytes
              : e.raw;
      const d = decide(e, raw);
      if (d === 'pass') outer.push(raw);
      else if (d !== 'drop') outer.push(d);
    }
  });
  inner.on('close', () => outer.destroy());
  inner.on('error', (e) => outer.destroy(e));
  return outer;
}

/** Wraps a stream so a test can drop or damage what the host writes (whole frames: one write each). */
export function tapOutgoing(inner: Duplex, decide: (chunk: Buffer) => TapDecision): Duplex {
  const outer = new Duplex({
    read() {},
    write(chunk: Buffer, _enc, done) {
      const d = decide(chunk);
      if (d === 'pass') inner.write(chunk, done);
      else if (d === 'drop') done();
      else inner.write(d, done);
    },
    final(done) {
      inner.end();
      done();
    },
    destroy(err, done) {
      inner.destroy();
      done(err);
    },
  });
  inner.on('data', (chunk: Buffer) => outer.push(chunk));
  inner.on('close', () => outer.destroy());
  return outer;
}

/** The command code of a frame's payload, or undefined for anything else. */
export function codeOf(e: LinkEvent): number | undefined {
  if (e.kind !== 'frame') return undefined;
  const [a, b] = e.payload;
  return a === 0xff ? 0xff00 | (b ?? 0) : a;
}

/** Drops the first `times` answers to `code` coming from the device. */
export function dropAnswers(code: number, times = 1) {
  let left = times;
  const dropped: Buffer[] = [];
  return {
    dropped,
    decide: (e: LinkEvent, raw: Buffer): TapDecision => {
      if (left > 0 && codeOf(e) === code) {
        left--;
        dropped.push(raw);
        return 'drop';
      }
      return 'pass';
    },
  };
}
