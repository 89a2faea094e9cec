import type { Duplex } from 'node:stream';
import type { EmulatedKkt } from '../../device/emulator.ts';
import { type SerialLog, traceTo } from '../protocol/trace.ts';
import { DeviceLink } from './device-link.ts';
import { DeviceSession, type SessionOptions } from './session.ts';

export interface DeviceFrontOptions extends SessionOptions {
  /** Inter-byte timeout of incoming frames (default 100 ms). */
  byteTimeoutMs?: number;
  /** KKT_SERIAL_TRACE: every frame in hex with its command name. */
  log?: SerialLog;
}

/**
 * The emulated ККТ as a Shtrih-M device: answers the wire protocol on any duplex byte stream
 * (a serial port, a pseudo-terminal, a TCP socket), backed by an EmulatedKkt — the same `kkt`
 * machine and fiscal archive the in-process driver uses. Several streams may be attached; they
 * share the one device, as several cables to one register would.
 */
export class DeviceFront {
  readonly session: DeviceSession;
  private readonly links = new Set<DeviceLink>();

  constructor(
    readonly kkt: EmulatedKkt,
    private readonly options: DeviceFrontOptions = {},
  ) {
    this.session = new DeviceSession(kkt, options);
  }

  /** Serves the protocol on `stream` until detached; the stream stays the caller's to close. */
  attach(stream: Duplex, o: { trailingFF?: boolean; label?: string } = {}): () => void {
    const label = o.label ?? 'device';
    const link = new DeviceLink(stream, (payload) => this.session.execute(payload), {
      ...(this.options.byteTimeoutMs !== undefined ? { byteTimeoutMs: this.options.byteTimeoutMs } : {}),
      ...(o.trailingFF ? { trailingFF: true } : {}),
      ...(this.options.log ? { trace: traceTo(this.options.log, label) } : {}),
    });
    this.links.add(link);
    return () => {
      link.detach();
      this.links.delete(link);
    };
  }

  detachAll(): void {
    for (const link of this.links) link.detach();
    this.links.clear();
  }

  /** Detaches every stream and closes the settings store. */
  close(): void {
    this.detachAll();
    this.session.close();
  }
}
