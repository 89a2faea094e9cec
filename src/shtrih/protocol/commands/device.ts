import { type LocalDate, type LocalTime, WireReader, WireWriter } from '../wire.ts';
import {
  type CommandCodec,
  emptyAnswer,
  type OperatorAnswer,
  operatorAnswer,
  type PasswordRequest,
  passwordOnlyCommand,
  passwordOperatorCommand,
  passwordRequest,
} from './codec.ts';

/**
 * The device's own commands beside receipts (research notes §1, §3, §4, §5): the clock, the
 * registers, the printer mechanics, the ОФД queue count, cancelling a document in the ФН.
 */

/** 21h set time: the answer is the error byte only (javapos `WriteTime`, pyshtrih `set_time`). */
export interface SetTime {
  password: number;
  time: LocalTime;
}

export const setTime: CommandCodec<SetTime, Record<string, never>> = {
  code: 0x21,
  name: 'Set time',
  encodeRequest: (q) => new WireWriter().u32(q.password, 'password').time(q.time).toBuffer(),
  decodeRequest: (data) => {
    const r = new WireReader(data, '21h request');
    return { password: r.u32('password'), time: r.time() };
  },
  ...emptyAnswer,
};

/** 22h set date, 23h confirm date (the same date again): DD MM YY, the error byte only. */
export interface SetDate {
  password: number;
  date: LocalDate;
}

function dateCommand(code: number, name: string): CommandCodec<SetDate, Record<string, never>> {
  return {
    code,
    name,
    encodeRequest: (q) => new WireWriter().u32(q.password, 'password').date(q.date).toBuffer(),
    decodeRequest: (data) => {
      const r = new WireReader(data, `${code.toString(16)}h request`);
      return { password: r.u32('password'), date: r.date() };
    },
    ...emptyAnswer,
  };
}

export const setDate = dateCommand(0x22, 'Set date');
export const confirmDate = dateCommand(0x23, 'Confirm date');

/** 1Ah/1Bh: a register number of one byte, or two when it is above 255 (javapos `ReadCashRegister`). */
export interface RegisterRequest {
  password: number;
  register: number;
}

const registerRequest = {
  encodeRequest: (q: RegisterRequest) => {
    const w = new WireWriter().u32(q.password, 'password');
    return (q.register > 0xff ? w.u16(q.register, 'register') : w.u8(q.register, 'register')).toBuffer();
  },
  decodeRequest: (data: Buffer): RegisterRequest => {
    const r = new WireReader(data, 'register request');
    const password = r.u32('password');
    return { password, register: r.remaining >= 2 ? r.u16('register') : r.u8('register') };
  },
};

export interface RegisterValue {
  operator: number;
  value: number;
}

/** 1Ah money register: the value in 6 bytes (kopecks). */
export const moneyRegister: CommandCodec<RegisterRequest, RegisterValue> = {
  code: 0x1a,
  name: 'Money register',
  ...registerRequest,
  encodeAnswer: (a) => new WireWriter().u8(a.operator, 'operator').uint(a.value, 6, 'value').toBuffer(),
  decodeAnswer: (data) => {
    const r = new WireReader(data, '1Ah answer');
    return { operator: r.u8('operator'), value: r.uint(6, 'value') };
  },
};

/** 1Bh operating register: a 2-byte count. */
export const operatingRegister: CommandCodec<RegisterRequest, RegisterValue> = {
  code: 0x1b,
  name: 'Operating register',
  ...registerRequest,
  encodeAnswer: (a) => new WireWriter().u8(a.operator, 'operator').u16(a.value, 'value').toBuffer(),
  decodeAnswer: (data) => {
    const r = new WireReader(data, '1Bh answer');
    return { operator: r.u8('operator'), value: r.u16('value') };
  },
};

/** 25h cut: 0 full, 1 partial. */
export interface Cut {
  password: number;
  partial: boolean;
}

export const cut: CommandCodec<Cut, OperatorAnswer> = {
  code: 0x25,
  name: 'Cut',
  encodeRequest: (q) =>
    new WireWriter()
      .u32(q.password, 'password')
      .u8(q.partial ? 1 : 0, 'cut type')
      .toBuffer(),
  decodeRequest: (data) => {
    const r = new WireReader(data, '25h request');
    return { password: r.u32('password'), partial: r.u8('cut type') !== 0 };
  },
  ...operatorAnswer,
};

/** 28h open the cash drawer 0 or 1. */
export interface OpenDrawer {
  password: number;
  drawer: number;
}

export const openDrawer: CommandCodec<OpenDrawer, OperatorAnswer> = {
  code: 0x28,
  name: 'Open drawer',
  encodeRequest: (q) => new WireWriter().u32(q.password, 'password').u8(q.drawer, 'drawer').toBuffer(),
  decodeRequest: (data) => {
    const r = new WireReader(data, '28h request');
    return { password: r.u32('password'), drawer: r.u8('drawer') };
  },
  ...operatorAnswer,
};

/** 29h feed: flags (bit0 control tape, bit1 receipt tape, bit2 slip), line count. */
export interface Feed {
  password: number;
  flags: number;
  lines: number;
}

export const feed: CommandCodec<Feed, OperatorAnswer> = {
  code: 0x29,
  name: 'Feed',
  encodeRequest: (q) =>
    new WireWriter().u32(q.password, 'password').u8(q.flags, 'flags').u8(q.lines, 'lines').toBuffer(),
  decodeRequest: (data) => {
    const r = new WireReader(data, '29h request');
    return { password: r.u32('password'), flags: r.u8('flags'), lines: r.u8('lines') };
  },
  ...operatorAnswer,
};

/** 8Ch: print a copy of the last receipt; 56h when there is none. */
export const repeatDocument = passwordOperatorCommand(0x8c, 'Repeat document');

/** FF08h: cancel the document being formed in the ФН. */
export const cancelFnDocument = passwordOnlyCommand(0xff08, 'Cancel ФН document');

export interface UnconfirmedCount {
  count: number;
}

/**
 * FF3Fh: how many documents have no ОФД receipt. The vendor text and pyshtrih say 2 bytes,
 * javapos `FSReadDocCount` reads 4 (`readInt`) and fails on 2; pyshtrih reads bytes 1..3 and
 * ignores the rest. So the answer is 4 bytes, and a 2-byte answer is read too.
 */
export const unconfirmedCount: CommandCodec<PasswordRequest, UnconfirmedCount> = {
  code: 0xff3f,
  name: 'ОФД unconfirmed count',
  ...passwordRequest,
  encodeAnswer: (a) => new WireWriter().u32(a.count, 'count').toBuffer(),
  decodeAnswer: (data) => {
    const r = new WireReader(data, 'FF3Fh answer');
    return { count: r.remaining >= 4 ? r.u32('count') : r.u16('count') };
  },
};
