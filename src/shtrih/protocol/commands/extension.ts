import { WireFormatError, WireReader, WireWriter } from '../wire.ts';
import type { CommandCodec } from './codec.ts';

/**
 * kkt-emu extension, not a Shtrih-M command. A real ККТ sends its documents to the ОФД itself
 * and marks them delivered when the ОФД's receipt comes back; the emulated device has no ОФД
 * link of its own, so the adapter's sync worker tells it which documents the ОФД accepted.
 * `FF F1` lies beyond every code the vendor documents list (they end at FF73h); a real device
 * answers it with an error (01h or 37h), which the driver reads as "not supported".
 */
export const CONFIRM_RESULT = { confirmed: 0, alreadyConfirmed: 1, unknown: 2 } as const;
/** (255 − 2 code − 4 password − 1 count) / 4. */
export const MAX_CONFIRM_NUMBERS = 62;

export interface ConfirmDelivered {
  password: number;
  numbers: number[];
}

export interface ConfirmDeliveredAnswer {
  /** One CONFIRM_RESULT per requested number, in request order. */
  results: number[];
}

export const confirmDelivered: CommandCodec<ConfirmDelivered, ConfirmDeliveredAnswer> = {
  code: 0xfff1,
  name: 'kkt-emu: ОФД confirmed documents',
  encodeRequest: (q) => {
    if (q.numbers.length > MAX_CONFIRM_NUMBERS)
      throw new WireFormatError(`at most ${MAX_CONFIRM_NUMBERS} numbers fit one command`);
    const w = new WireWriter().u32(q.password, 'password').u8(q.numbers.length, 'count');
    for (const n of q.numbers) w.u32(n, 'document number');
    return w.toBuffer();
  },
  decodeRequest: (data) => {
    const r = new WireReader(data, 'FFF1h request');
    const password = r.u32('password');
    const count = r.u8('count');
    return { password, numbers: Array.from({ length: count }, () => r.u32('document number')) };
  },
  encodeAnswer: (a) => {
    const w = new WireWriter();
    for (const x of a.results) w.u8(x, 'result');
    return w.toBuffer();
  },
  decodeAnswer: (data) => ({ results: [...data] }),
};
