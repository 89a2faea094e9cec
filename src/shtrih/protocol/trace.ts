import { commandName, formatCode } from './commands/index.ts';
import { CONTROL_NAMES } from './constants.ts';
import { describeWireError } from './errors.ts';
import { splitCommand } from './frame.ts';

/** KKT_SERIAL_TRACE: a line per control byte or frame, hex plus what it is. */

export type TraceDirection = 'host→kkt' | 'kkt→host';

export function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes)
    .toString('hex')
    .toUpperCase()
    .replace(/(..)(?=.)/g, '$1 ');
}

export function describeControl(byte: number): string {
  return CONTROL_NAMES[byte] ?? `0x${byte.toString(16).padStart(2, '0')}`;
}

/**
 * `FF46h Operation V2` for a request; `FF45h Close check extended: ok` or `…: error 0x45 …`
 * for an answer (answers are what the ККТ sends).
 */
export function describePayload(payload: Uint8Array, direction: TraceDirection): string {
  try {
    const { code, data } = splitCommand(payload);
    const what = `${formatCode(code)} ${commandName(code)}`;
    if (direction === 'host→kkt') return what;
    const error = data[0];
    if (error === undefined) return `${what}: answer without error byte`;
    return error === 0 ? `${what}: ok` : `${what}: error ${describeWireError(error)}`;
  } catch {
    return 'malformed payload';
  }
}

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
