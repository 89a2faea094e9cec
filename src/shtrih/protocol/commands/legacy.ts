import { cutAtNul, decodeCp1251, encodeCp1251 } from '../text.ts';
import { WireReader, WireWriter } from '../wire.ts';
import { type CommandCodec, type OperatorAnswer, operatorAnswer, passwordOperatorCommand } from './codec.ts';

/** The legacy (pre-ФН) receipt flow older drivers use: 8Dh, 80h–83h, 85h, plus 17h and 13h. */

/** Text fields are "40 bytes, or more"; kkt-emu pads to 40 with NULs and accepts any length. */
export const LEGACY_TEXT_BYTES = 40;

const legacyText = (w: WireWriter, text: string) => {
  const bytes = encodeCp1251(text);
  return bytes.length >= LEGACY_TEXT_BYTES ? w.bytes(bytes) : w.fixed(bytes, LEGACY_TEXT_BYTES, 'text');
};
const readLegacyText = (r: WireReader) => decodeCp1251(cutAtNul(r.rest()));

/** 8Dh receipt types. */
export const CHECK_TYPES = { sale: 0, purchase: 1, saleReturn: 2, purchaseReturn: 3 } as const;

export interface OpenCheck {
  password: number;
  type: number;
}

export const openCheck: CommandCodec<OpenCheck, OperatorAnswer> = {
  code: 0x8d,
  name: 'Open check',
  encodeRequest: (q) => new WireWriter().u32(q.password, 'password').u8(q.type, 'type').toBuffer(),
  decodeRequest: (data) => {
    const r = new WireReader(data, '8Dh request');
    return { password: r.u32('password'), type: r.u8('type') };
  },
  ...operatorAnswer,
};

/** 80h–83h. */
export interface LegacyItem {
  password: number;
  /** Thousandths of a unit (5 bytes). */
  quantity: number;
  price: number;
  department: number;
  /** Tax groups 1..4, 0 = none. */
  taxes: [number, number, number, number];
  text: string;
}

function legacyItemCommand(code: number, name: string): CommandCodec<LegacyItem, OperatorAnswer> {
  return {
    code,
    name,
    encodeRequest: (q) => {
      const w = new WireWriter()
        .u32(q.password, 'password')
        .uint(q.quantity, 5, 'quantity')
        .money(q.price, 'price')
        .u8(q.department, 'department');
      for (const t of q.taxes) w.u8(t, 'tax');
      return legacyText(w, q.text).toBuffer();
    },
    decodeRequest: (data) => {
      const r = new WireReader(data, `${code.toString(16)}h request`);
      return {
        password: r.u32('password'),
        quantity: r.uint(5, 'quantity'),
        price: r.money('price'),
        department: r.u8('department'),
        taxes: [r.u8('tax 1'), r.u8('tax 2'), r.u8('tax 3'), r.u8('tax 4')],
        text: readLegacyText(r),
      };
    },
    ...operatorAnswer,
  };
}

export const sale = legacyItemCommand(0x80, 'Sale');
export const purchase = legacyItemCommand(0x81, 'Purchase');
export const saleReturn = legacyItemCommand(0x82, 'Return sale');
export const purchaseReturn = legacyItemCommand(0x83, 'Return purchase');
/** 84h сторно: the 80h layout (reference S1); takes a quantity of a line back out of the open receipt. */
export const storno = legacyItemCommand(0x84, 'Storno');

/**
 * 86h скидка / 87h надбавка on the open receipt: pw · sum(5) · tax1..tax4 · text(40), answer
 * err · op (vendor `Commands.xml`, pyshtrih `discount`/`allowance`; research notes §4).
 */
export interface Adjustment {
  password: number;
  sum: number;
  taxes: [number, number, number, number];
  text: string;
}

function adjustmentCommand(code: number, name: string): CommandCodec<Adjustment, OperatorAnswer> {
  return {
    code,
    name,
    encodeRequest: (q) => {
      const w = new WireWriter().u32(q.password, 'password').money(q.sum, 'sum');
      for (const t of q.taxes) w.u8(t, 'tax');
      return legacyText(w, q.text).toBuffer();
    },
    decodeRequest: (data) => {
      const r = new WireReader(data, `${code.toString(16)}h request`);
      return {
        password: r.u32('password'),
        sum: r.money('sum'),
        taxes: [r.u8('tax 1'), r.u8('tax 2'), r.u8('tax 3'), r.u8('tax 4')],
        text: readLegacyText(r),
      };
    },
    ...operatorAnswer,
  };
}

export const discount = adjustmentCommand(0x86, 'Discount');
export const surcharge = adjustmentCommand(0x87, 'Surcharge');
/**
 * 8Ah сторно скидки / 8Bh сторно надбавки: the layout of 86h, answer err · op (the vendor
 * protocol text quoted in `shtrih-m/opos` `FiscalPrinterCommand.pas`, `ReceiptStornoDiscount`;
 * research notes §4 X4).
 */
export const voidDiscount = adjustmentCommand(0x8a, 'Void discount');
export const voidSurcharge = adjustmentCommand(0x8b, 'Void surcharge');

/** 89h подытог: pw; answer err · op · subtotal(5) (vendor `Commands.xml`). */
export interface SubtotalAnswer {
  operator: number;
  subtotal: number;
}

export const subtotal: CommandCodec<{ password: number }, SubtotalAnswer> = {
  code: 0x89,
  name: 'Subtotal',
  encodeRequest: (q) => new WireWriter().u32(q.password, 'password').toBuffer(),
  decodeRequest: (data) => ({ password: new WireReader(data, '89h request').u32('password') }),
  encodeAnswer: (a) => new WireWriter().u8(a.operator, 'operator').money(a.subtotal, 'subtotal').toBuffer(),
  decodeAnswer: (data) => {
    const r = new WireReader(data, '89h answer');
    return { operator: r.u8('operator'), subtotal: r.money('subtotal') };
  },
};

/** 85h. */
export interface CloseCheck {
  password: number;
  cash: number;
  payment2: number;
  payment3: number;
  payment4: number;
  /** Discount (+) or surcharge (−) in 0.01 %. */
  discount: number;
  taxes: [number, number, number, number];
  text: string;
}

export interface CloseCheckAnswer {
  operator: number;
  change: number;
}

export const closeCheck: CommandCodec<CloseCheck, CloseCheckAnswer> = {
  code: 0x85,
  name: 'Close check',
  encodeRequest: (q) => {
    const w = new WireWriter()
      .u32(q.password, 'password')
      .money(q.cash, 'cash')
      .money(q.payment2, 'payment 2')
      .money(q.payment3, 'payment 3')
      .money(q.payment4, 'payment 4')
      .i16(q.discount, 'discount');
    for (const t of q.taxes) w.u8(t, 'tax');
    return legacyText(w, q.text).toBuffer();
  },
  decodeRequest: (data) => {
    const r = new WireReader(data, '85h request');
    return {
      password: r.u32('password'),
      cash: r.money('cash'),
      payment2: r.money('payment 2'),
      payment3: r.money('payment 3'),
      payment4: r.money('payment 4'),
      discount: r.i16('discount'),
      taxes: [r.u8('tax 1'), r.u8('tax 2'), r.u8('tax 3'), r.u8('tax 4')],
      text: readLegacyText(r),
    };
  },
  encodeAnswer: (a) => new WireWriter().u8(a.operator, 'operator').money(a.change, 'change').toBuffer(),
  decodeAnswer: (data) => {
    const r = new WireReader(data, '85h answer');
    return { operator: r.u8('operator'), change: r.money('change') };
  },
};

/** 17h print string: flags (bit0 control tape, bit1 receipt tape), then the text. */
export interface PrintString {
  password: number;
  flags: number;
  text: string;
}

export const printString: CommandCodec<PrintString, OperatorAnswer> = {
  code: 0x17,
  name: 'Print string',
  encodeRequest: (q) =>
    legacyText(new WireWriter().u32(q.password, 'password').u8(q.flags, 'flags'), q.text).toBuffer(),
  decodeRequest: (data) => {
    const r = new WireReader(data, '17h request');
    return { password: r.u32('password'), flags: r.u8('flags'), text: readLegacyText(r) };
  },
  ...operatorAnswer,
};

export const beep = passwordOperatorCommand(0x13, 'Beep');
