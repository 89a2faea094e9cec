import { EXTENDED_PREFIX, MAX_PAYLOAD, STX } from './constants.ts';
import { WireFormatError } from './wire.ts';

/** LRC = XOR of the length byte and every payload byte (javapos, pyshtrih and PHP all seed with the length). */
export function lrc(payload: Uint8Array): number {
  let x = payload.length & 0xff;
  for (const b of payload) x ^= b;
  return x;
}

/** STX, length, payload, LRC. */
export function encodeFrame(payload: Uint8Array): Buffer {
  if (payload.length === 0) throw new WireFormatError('a frame needs at least a command code');
  if (payload.length > MAX_PAYLOAD)
    throw new WireFormatError(`payload of ${payload.length} bytes does not fit one frame (max ${MAX_PAYLOAD})`);
  const frame = Buffer.alloc(payload.length + 3);
  frame[0] = STX;
  frame[1] = payload.length;
  frame.set(payload, 2);
  frame[payload.length + 2] = lrc(payload);
  return frame;
}

/** `0x10` → one byte, `0xFF46` → `FF 46`. */
export function codeBytes(code: number): Buffer {
  return code > 0xff ? Buffer.from([code >> 8, code & 0xff]) : Buffer.from([code]);
}

/** Splits a payload into its command code (one byte, or `FF xx`) and the bytes after it. */
export function splitCommand(payload: Uint8Array): { code: number; data: Buffer } {
  const buf = Buffer.from(payload.buffer, payload.byteOffset, payload.length);
  const first = buf[0];
  if (first === undefined) throw new WireFormatError('empty payload');
  if (first === EXTENDED_PREFIX) {
    const second = buf[1];
    if (second === undefined) throw new WireFormatError('two-byte command code cut short');
    return { code: (first << 8) | second, data: buf.subarray(2) };
  }
  return { code: first, data: buf.subarray(1) };
}

/** An answer: code, error byte, data (the data is empty whenever the error is not 0). */
export function splitAnswer(payload: Uint8Array): { code: number; error: number; data: Buffer } {
  const { code, data } = splitCommand(payload);
  const error = data[0];
  if (error === undefined) throw new WireFormatError(`answer to ${code.toString(16)}h has no error byte`);
  return { code, error, data: data.subarray(1) };
}

export function commandPayload(code: number, data: Uint8Array = Buffer.alloc(0)): Buffer {
  return Buffer.concat([codeBytes(code), data]);
}

export function answerPayload(code: number, data: Uint8Array = Buffer.alloc(0)): Buffer {
  return Buffer.concat([codeBytes(code), Buffer.from([0]), data]);
}

/** An error answer carries only the code and the error byte (S1/S3 "Ответы и коды ошибок"). */
export function errorPayload(code: number, error: number): Buffer {
  return Buffer.concat([codeBytes(code), Buffer.from([error & 0xff])]);
}
