import { describeControl, describePayload, hex, type TraceDirection } from '../../io/serial/trace.ts';

/** Where KKT_SERIAL_TRACE lines go: a pino-style logger or a plain function. */
export type SerialLog = ((line: string) => void) | { info(obj: object, msg?: string): void };

export type Trace = (direction: TraceDirection, bytes: Uint8Array, what: string) => void;

export function traceTo(log: SerialLog, label: string): Trace {
  return (direction, bytes, what) => {
    const line = `${label} ${direction} ${hex(bytes)}  ${what}`;
    if (typeof log === 'function') log(line);
    else log.info({ serial: label, direction, hex: hex(bytes), what }, line);
  };
}

export const traceControl = (trace: Trace | undefined, direction: TraceDirection, byte: number) =>
  trace?.(direction, Uint8Array.of(byte), describeControl(byte));

export const traceFrame = (
  trace: Trace | undefined,
  direction: TraceDirection,
  frame: Uint8Array,
  payload: Uint8Array,
) => trace?.(direction, frame, describePayload(payload, direction));
