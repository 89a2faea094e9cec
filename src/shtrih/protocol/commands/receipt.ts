import { cutAtNul, decodeCp1251, encodeCp1251 } from '../text.ts';
import { type FnDateTime, WireFormatError, WireReader, WireWriter } from '../wire.ts';
import { type CommandCodec, emptyAnswer, passwordOperatorCommand } from './codec.ts';

/** FF46h names are at most 128 bytes; the whole frame must stay within 255. */
export const MAX_ITEM_NAME_BYTES = 128;
/** FF0Ch/FF4Dh: at most 250 bytes of TLV per command (S2/S3, pyshtrih TLV_LEN_MAX). */
export const MAX_TLV_BYTES = 250;
export const FF45_TEXT_BYTES = 64;

/** FF46h "Операция V2": one line of a receipt (FFD 1.05+). */
export interface OperationV2 {
  password: number;
  /** Tag 1054: 1 приход, 2 возврат прихода, 3 расход, 4 возврат расхода. */
  operation: number;
  /** Millionths of a unit (6 bytes). */
  quantity: number;
  price: number;
  /** null = FF×5, computed by the ККТ as price × quantity. */
  sum: number | null;
  /** null = FF×5, not given. */
  taxAmount: number | null;
  /** The tax-rate byte; see src/shtrih/protocol/tax-byte.ts for the two encodings. */
  tax: number;
  department: number;
  /** Tag 1214. */
  paymentMethod: number;
  /** Tag 1212. */
  paymentObject: number;
  name: string;
}

export const operationV2: CommandCodec<OperationV2, Record<string, never>> = {
  code: 0xff46,
  name: 'Operation V2',
  encodeRequest: (q) => {
    const name = encodeCp1251(q.name);
    if (name.length > MAX_ITEM_NAME_BYTES)
      throw new WireFormatError(`item name is ${name.length} bytes, at most ${MAX_ITEM_NAME_BYTES} fit`);
    return new WireWriter()
      .u32(q.password, 'password')
      .u8(q.operation, 'operation')
      .uint(q.quantity, 6, 'quantity')
      .money(q.price, 'price')
      .optionalMoney(q.sum, 'sum')
      .optionalMoney(q.taxAmount, 'tax amount')
      .u8(q.tax, 'tax')
      .u8(q.department, 'department')
      .u8(q.paymentMethod, 'payment method')
      .u8(q.paymentObject, 'payment object')
      .bytes(name)
      .toBuffer();
  },
  decodeRequest: (data) => {
    const r = new WireReader(data, 'FF46h request');
    return {
      password: r.u32('password'),
      operation: r.u8('operation'),
      quantity: r.uint(6, 'quantity'),
      price: r.money('price'),
      sum: r.optionalMoney('sum'),
      taxAmount: r.optionalMoney('tax amount'),
      tax: r.u8('tax'),
      department: r.u8('department'),
      paymentMethod: r.u8('payment method'),
      paymentObject: r.u8('payment object'),
      // The Go driver pads the name to 128 bytes.
      name: decodeCp1251(cutAtNul(r.rest())),
    };
  },
  ...emptyAnswer,
};

/** FF45h payment slots (1-based in the documents). */
export const FF45_PAYMENT = {
  cash: 0,
  /** Slots 2..13 are electronic; the ОФД sees their sum ("ЭЛЕКТРОННЫМИ"). */
  electronicFirst: 1,
  electronicLast: 12,
  prepayment: 13,
  credit: 14,
  counterProvision: 15,
} as const;

/** FF45h "Закрытие чека расширенное вариант №2". */
export interface CloseCheckEx {
  password: number;
  /** 16 payment sums in kopecks. */
  payments: number[];
  /** Rounding to the rouble, kopecks 0..99. */
  rounding: number;
  /** 6 tax sums; ignored unless the ККТ is set to take them from the host. */
  taxes: number[];
  /** Tag 1055 bit mask, one bit. */
  taxSystem: number;
  text: string;
}

export interface CloseCheckExAnswer {
  change: number;
  documentNumber: number;
  fiscalSign: number;
  /** Sent when "РАСШИР. ОТВ. НА КОМАНДЫ ФОРМ. ФД" = 1; kkt-emu always sends it. */
  dateTime?: FnDateTime;
}

export const closeCheckEx: CommandCodec<CloseCheckEx, CloseCheckExAnswer> = {
  code: 0xff45,
  name: 'Close check extended',
  encodeRequest: (q) => {
    if (q.payments.length !== 16) throw new WireFormatError('FF45h takes exactly 16 payment sums');
    if (q.taxes.length !== 6) throw new WireFormatError('FF45h takes exactly 6 tax sums');
    const text = encodeCp1251(q.text);
    if (text.length > FF45_TEXT_BYTES) throw new WireFormatError(`FF45h text is at most ${FF45_TEXT_BYTES} bytes`);
    const w = new WireWriter().u32(q.password, 'password');
    for (const p of q.payments) w.money(p, 'payment');
    w.u8(q.rounding, 'rounding');
    for (const t of q.taxes) w.money(t, 'tax sum');
    return w.u8(q.taxSystem, 'tax system').bytes(text).toBuffer();
  },
  decodeRequest: (data) => {
    const r = new WireReader(data, 'FF45h request');
    const password = r.u32('password');
    const payments = Array.from({ length: 16 }, () => r.money('payment'));
    const rounding = r.u8('rounding');
    const taxes = Array.from({ length: 6 }, () => r.money('tax sum'));
    const taxSystem = r.u8('tax system');
    return { password, payments, rounding, taxes, taxSystem, text: decodeCp1251(cutAtNul(r.rest())) };
  },
  encodeAnswer: (a) => {
    const w = new WireWriter().money(a.change, 'change').u32(a.documentNumber).u32(a.fiscalSign);
    if (a.dateTime) w.fnDateTime(a.dateTime);
    return w.toBuffer();
  },
  decodeAnswer: (data) => {
    const r = new WireReader(data, 'FF45h answer');
    const answer: CloseCheckExAnswer = {
      change: r.money('change'),
      documentNumber: r.u32('document number'),
      fiscalSign: r.u32('fiscal sign'),
    };
    // javapos reads the date only when at least 5 bytes remain.
    if (r.remaining >= 5) answer.dateTime = r.fnDateTime();
    return answer;
  },
};

export interface TlvRequest {
  password: number;
  tlv: Buffer;
}

function tlvCommand(code: number, name: string): CommandCodec<TlvRequest, Record<string, never>> {
  return {
    code,
    name,
    encodeRequest: (q) => {
      if (q.tlv.length > MAX_TLV_BYTES)
        throw new WireFormatError(`TLV of ${q.tlv.length} bytes; at most ${MAX_TLV_BYTES}`);
      return new WireWriter().u32(q.password, 'password').bytes(q.tlv).toBuffer();
    },
    decodeRequest: (data) => {
      const r = new WireReader(data, `${code.toString(16)}h request`);
      return { password: r.u32('password'), tlv: Buffer.from(r.rest()) };
    },
    ...emptyAnswer,
  };
}

/** FF0Ch: a TLV for the document being formed (1021 cashier, 1008 buyer contact, 1084 …). */
export const sendTlv = tlvCommand(0xff0c, 'Send TLV');
/** FF4Dh: a TLV bound to the last operation (FF46h line). */
export const sendOperationTlv = tlvCommand(0xff4d, 'Send operation TLV');

/** 88h: cancel the open receipt. */
export const cancelCheck = passwordOperatorCommand(0x88, 'Cancel check');

/**
 * FF4Bh "Скидка, надбавка на чек" (javapos `FSReceiptDiscount.java`, sent by
 * `FSSalesReceipt.printTotalDiscount` with the operator's password): pw(4) · discount(5) ·
 * surcharge(5) · tax(1) · text. The vendor text in that file says the text is 128 bytes (message
 * length 145), while javapos writes 40: the text is whatever follows, up to 128 bytes, cut at NUL.
 * Answer: the error byte only.
 */
export interface ReceiptDiscount {
  password: number;
  discount: number;
  surcharge: number;
  tax: number;
  text: string;
}

export const RECEIPT_DISCOUNT_TEXT_BYTES = 128;

export const receiptDiscount: CommandCodec<ReceiptDiscount, Record<string, never>> = {
  code: 0xff4b,
  name: 'Receipt discount',
  encodeRequest: (q) => {
    const text = encodeCp1251(q.text);
    if (text.length > RECEIPT_DISCOUNT_TEXT_BYTES)
      throw new WireFormatError(`FF4Bh text of ${text.length} bytes; at most ${RECEIPT_DISCOUNT_TEXT_BYTES}`);
    return new WireWriter()
      .u32(q.password, 'password')
      .money(q.discount, 'discount')
      .money(q.surcharge, 'surcharge')
      .u8(q.tax, 'tax')
      .fixed(text, Math.max(40, text.length), 'text')
      .toBuffer();
  },
  decodeRequest: (data) => {
    const r = new WireReader(data, 'FF4Bh request');
    const q = {
      password: r.u32('password'),
      discount: r.money('discount'),
      surcharge: r.money('surcharge'),
      tax: r.u8('tax'),
    };
    const rest = r.rest();
    if (rest.length > RECEIPT_DISCOUNT_TEXT_BYTES)
      throw new WireFormatError(`FF4Bh text of ${rest.length} bytes; at most ${RECEIPT_DISCOUNT_TEXT_BYTES}`);
    return { ...q, text: decodeCp1251(cutAtNul(rest)) };
  },
  ...emptyAnswer,
};
