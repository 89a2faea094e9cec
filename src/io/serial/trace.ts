import { commandName, formatCode } from './commands/index.ts';
import { CONTROL_NAMES } from './constants.ts';
import { describeWireError } from './error-codes.ts';
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
