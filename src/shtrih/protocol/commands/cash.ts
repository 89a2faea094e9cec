import { WireReader, WireWriter } from '../wire.ts';
import type { CommandCodec } from './codec.ts';

/**
 * 50h внесение / 51h выплата: cash into or out of the drawer, no fiscal document (research
 * notes §4: pyshtrih `income`/`outcome` and their answer handler, a Python-2 client's docstring
 * "Длина сообщения: 10 байт … Ответ: … Сквозной номер документа (2 байта)"). 51h beyond the
 * cash in the drawer (register 241) is refused with 46h "Не хватает наличности в кассе".
 */
export interface CashRequest {
  password: number;
  /** Kopecks, 5 bytes. */
  sum: number;
}

export interface CashAnswer {
  operator: number;
  /** The device's running document number (low 16 bits). */
  documentNumber: number;
}

function cashCommand(code: number, name: string): CommandCodec<CashRequest, CashAnswer> {
  return {
    code,
    name,
    encodeRequest: (q) => new WireWriter().u32(q.password, 'password').money(q.sum, 'sum').toBuffer(),
    decodeRequest: (data) => {
      const r = new WireReader(data, `${code.toString(16)}h request`);
      return { password: r.u32('password'), sum: r.money('sum') };
    },
    encodeAnswer: (a) =>
      new WireWriter().u8(a.operator, 'operator').u16(a.documentNumber, 'document number').toBuffer(),
    decodeAnswer: (data) => {
      const r = new WireReader(data, `${code.toString(16)}h answer`);
      return { operator: r.u8('operator'), documentNumber: r.u16('document number') };
    },
  };
}

export const cashIn = cashCommand(0x50, 'Cash in');
export const cashOut = cashCommand(0x51, 'Cash out');
