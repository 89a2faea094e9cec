import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import {
  beep,
  beginCloseShift,
  beginCorrection,
  beginOpenShift,
  beginSettlementReport,
  COMMANDS,
  type CommandCodec,
  cancelCheck,
  cancelFnDocument,
  cashIn,
  cashOut,
  closeCheck,
  closeCheckEx,
  commandName,
  confirmDate,
  correctionV2,
  cut,
  deviceType,
  discount,
  exchangeStatus,
  feed,
  fieldInfo,
  findDocument,
  fnExpiry,
  fnNumber,
  fnResource,
  fnStatus,
  formatCode,
  fullStatus,
  moneyRegister,
  openCheck,
  openDrawer,
  openShift,
  operatingRegister,
  operationV2,
  printString,
  purchase,
  purchaseReturn,
  readDocument,
  readDocumentBlock,
  readTable,
  receiptDiscount,
  repeatDocument,
  sale,
  saleReturn,
  sendOperationTlv,
  sendTlv,
  setDate,
  setTime,
  settlementReport,
  shiftParameters,
  shortStatus,
  storno,
  subtotal,
  surcharge,
  tableInfo,
  unconfirmedCount,
  voidDiscount,
  voidSurcharge,
  writeTable,
  xReport,
  zReport,
} from '../../src/shtrih/protocol/commands/index.ts';
import {
  answerPayload,
  commandPayload,
  encodeFrame,
  splitAnswer,
  splitCommand,
} from '../../src/shtrih/protocol/frame.ts';
import { FrameParser } from '../../src/shtrih/protocol/parser.ts';
import {
  bytes,
  digits,
  fnDateTime,
  localDate,
  localTime,
  money,
  optionalMoney,
  password,
  text,
  u8,
  u16,
  u32,
  uint,
} from './arbitraries.ts';

const pw = fc.record({ password });
const op = fc.record({ operator: u8 });
const none = fc.constant({});
const taxes4 = fc.tuple(u8, u8, u8, u8);
const docNumber = fc.record({ password, number: u32 });

/** FF0Ah per-type data must fit its document type. */
const foundDocument = fc.oneof(
  fc.record({
    type: fc.constant(1),
    details: fc.record({
      kind: fc.constant('registration' as const),
      inn: digits(12),
      regNumber: digits(16),
      taxation: u8,
      workMode: u8,
    }),
  }),
  fc.record({
    type: fc.constantFrom(2, 5),
    details: fc.record({ kind: fc.constant('shift' as const), shiftNumber: u16 }),
  }),
  fc.record({
    type: fc.constant(3),
    details: fc.record({ kind: fc.constant('receipt' as const), operation: u8, total: money }),
  }),
  fc.record({
    type: fc.constant(21),
    details: fc.record({ kind: fc.constant('other' as const), raw: bytes(40) }),
  }),
);

// biome-ignore lint/suspicious/noExplicitAny: one table for codecs of every request and answer type
type AnyCodec = CommandCodec<any, any>;

const CASES: Array<[AnyCodec, fc.Arbitrary<unknown>, fc.Arbitrary<unknown>]> = [
  [
    shortStatus,
    pw,
    fc.record({
      operator: u8,
      flags: u16,
      mode: u8,
      submode: u8,
      receiptOperations: u16,
      batteryVoltage: u8,
      powerVoltage: u8,
      fmError: u8,
      eklzError: u8,
      reserved: fc.tuple(u8, u8, u8),
    }),
  ],
  [
    fullStatus,
    pw,
    fc.record({
      operator: u8,
      firmwareVersion: text(2, 2),
      firmwareBuild: u16,
      firmwareDate: localDate,
      hallNumber: u8,
      documentNumber: u16,
      flags: u16,
      mode: u8,
      submode: u8,
      port: u8,
      fmVersion: u16,
      fmBuild: u16,
      fmDate: localDate,
      date: localDate,
      time: localTime,
      fmFlags: u8,
      serialLow: u32,
      lastClosedShift: u16,
      freeFmRecords: u16,
      registrations: u8,
      reregistrationsLeft: u8,
      inn: uint(6),
    }),
  ],
  [beep, pw, op],
  [printString, fc.record({ password, flags: u8, text: text(60) }), op],
  [xReport, pw, op],
  [zReport, pw, op],
  ...[sale, purchase, saleReturn, purchaseReturn, storno].map(
    (c): [AnyCodec, fc.Arbitrary<unknown>, fc.Arbitrary<unknown>] => [
      c,
      fc.record({ password, quantity: uint(5), price: money, department: u8, taxes: taxes4, text: text(80) }),
      op,
    ],
  ),
  [
    closeCheck,
    fc.record({
      password,
      cash: money,
      payment2: money,
      payment3: money,
      payment4: money,
      discount: fc.integer({ min: -0x8000, max: 0x7fff }),
      taxes: taxes4,
      text: text(60),
    }),
    fc.record({ operator: u8, change: money }),
  ],
  [cancelCheck, pw, op],
  [openCheck, fc.record({ password, type: u8 }), op],
  [openShift, pw, op],
  [
    deviceType,
    none,
    fc.record({
      type: u8,
      subtype: u8,
      protocolVersion: u8,
      protocolSubversion: u8,
      model: u8,
      language: u8,
      name: text(40),
    }),
  ],
  [
    fnStatus,
    pw,
    fc.record({
      phase: u8,
      currentDocument: u8,
      documentData: u8,
      shiftOpen: fc.boolean(),
      warnings: u8,
      dateTime: fnDateTime,
      fnNumber: digits(16),
      lastDocumentNumber: u32,
    }),
  ],
  [fnNumber, pw, fc.record({ fnNumber: digits(16) })],
  [fnExpiry, pw, fc.record({ expiry: localDate, reregistrationsLeft: u8, reregistrationsDone: u8 })],
  [
    findDocument,
    docNumber,
    foundDocument.chain((d) =>
      fc.record({
        type: fc.constant(d.type),
        ofdReceived: fc.boolean(),
        dateTime: fnDateTime,
        number: u32,
        fiscalSign: u32,
        details: fc.constant(d.details),
      }),
    ),
  ],
  [sendTlv, fc.record({ password, tlv: bytes(250) }), none],
  [sendOperationTlv, fc.record({ password, tlv: bytes(250) }), none],
  [
    exchangeStatus,
    pw,
    fc.record({
      status: u8,
      readingMessage: u8,
      messageCount: u16,
      firstDocumentNumber: u32,
      firstDocumentDateTime: fnDateTime,
    }),
  ],
  [readDocument, docNumber, fc.record({ type: u16, length: u16 })],
  [readDocumentBlock, pw, fc.record({ data: bytes(250) })],
  [shiftParameters, pw, fc.record({ shiftOpen: fc.boolean(), shiftNumber: u16, receiptNumber: u16 })],
  [beginOpenShift, pw, none],
  [beginCloseShift, pw, none],
  [
    closeCheckEx,
    fc.record({
      password,
      payments: fc.array(money, { minLength: 16, maxLength: 16 }),
      rounding: u8,
      taxes: fc.array(money, { minLength: 6, maxLength: 6 }),
      taxSystem: u8,
      text: text(64),
    }),
    fc.record(
      { change: money, documentNumber: u32, fiscalSign: u32, dateTime: fnDateTime },
      { requiredKeys: ['change', 'documentNumber', 'fiscalSign'] },
    ),
  ],
  [
    operationV2,
    fc.record({
      password,
      operation: u8,
      quantity: uint(6),
      price: money,
      sum: optionalMoney,
      taxAmount: optionalMoney,
      tax: u8,
      department: u8,
      paymentMethod: u8,
      paymentObject: u8,
      name: text(128),
    }),
    none,
  ],
  [fnResource, pw, fc.record({ documentsLeft: u32, memory30DaysKb: u32 })],
  [writeTable, fc.record({ password, table: u8, row: u16, field: u8, value: bytes(200) }), none],
  [readTable, fc.record({ password, table: u8, row: u16, field: u8 }), fc.record({ value: bytes(200) })],
  [tableInfo, fc.record({ password, table: u8 }), fc.record({ name: text(40), rows: u16, fields: u8 })],
  [
    fieldInfo,
    fc.record({ password, table: u8, field: u8 }),
    fc.oneof(
      fc.record({ name: text(40), type: fc.constant(1 as const), size: u8 }),
      fc.integer({ min: 1, max: 6 }).chain((size) =>
        fc.record({
          name: text(40),
          type: fc.constant(0 as const),
          size: fc.constant(size),
          min: uint(size),
          max: uint(size),
        }),
      ),
    ),
  ],
  [setTime, fc.record({ password, time: localTime }), none],
  [setDate, fc.record({ password, date: localDate.filter((d) => d.year <= 2255) }), none],
  [confirmDate, fc.record({ password, date: localDate }), none],
  [moneyRegister, fc.record({ password, register: u16 }), fc.record({ operator: u8, value: uint(6) })],
  [operatingRegister, fc.record({ password, register: u16 }), fc.record({ operator: u8, value: u16 })],
  [cut, fc.record({ password, partial: fc.boolean() }), op],
  [openDrawer, fc.record({ password, drawer: u8 }), op],
  [feed, fc.record({ password, flags: u8, lines: u8 }), op],
  [repeatDocument, pw, op],
  [cancelFnDocument, pw, none],
  [unconfirmedCount, pw, fc.record({ count: u32 })],
  ...[cashIn, cashOut].map((c): [AnyCodec, fc.Arbitrary<unknown>, fc.Arbitrary<unknown>] => [
    c,
    fc.record({ password, sum: money }),
    fc.record({ operator: u8, documentNumber: u16 }),
  ]),
  [receiptDiscount, fc.record({ password, discount: money, surcharge: money, tax: u8, text: text(40) }), none],
  ...[discount, surcharge, voidDiscount, voidSurcharge].map(
    (c): [AnyCodec, fc.Arbitrary<unknown>, fc.Arbitrary<unknown>] => [
      c,
      fc.record({ password, sum: money, taxes: taxes4, text: text(60) }),
      op,
    ],
  ),
  [subtotal, pw, fc.record({ operator: u8, subtotal: money })],
  [beginSettlementReport, pw, none],
  [
    settlementReport,
    pw,
    fc.record({
      documentNumber: u32,
      fiscalSign: u32,
      unconfirmedCount: u32,
      firstUnconfirmedDate: localDate.filter((d) => d.year <= 2255),
    }),
  ],
  [beginCorrection, pw, none],
  [
    correctionV2,
    fc.record({
      password,
      correctionType: u8,
      calculationSign: u8,
      total: money,
      cash: money,
      electronic: money,
      prepayment: money,
      credit: money,
      counterProvision: money,
      taxes: fc.tuple(money, money, money, money, money, money),
      taxSystem: u8,
    }),
    fc.record({ receiptNumber: u16, documentNumber: u32, fiscalSign: u32 }),
  ],
];

/** Through a whole frame and the streaming parser, as the bytes travel. */
function overTheWire(payload: Buffer): Buffer {
  const events = new FrameParser().push(encodeFrame(payload));
  const [only] = events;
  if (events.length !== 1 || only?.kind !== 'frame')
    throw new Error(`expected one frame, got ${JSON.stringify(events)}`);
  return only.payload;
}

describe('every command: requests and answers survive encode → frame → parse → decode', () => {
  test('the table covers every command the registry knows', () => {
    expect(new Set(CASES.map(([c]) => c.code))).toEqual(new Set(COMMANDS.keys()));
  });

  for (const [codec, request, answer] of CASES) {
    test(`${formatCode(codec.code)} ${codec.name}`, () => {
      fc.assert(
        fc.property(request, answer, (req, ans) => {
          const sent = splitCommand(overTheWire(commandPayload(codec.code, codec.encodeRequest(req))));
          expect(sent.code).toBe(codec.code);
          expect(codec.decodeRequest(sent.data)).toEqual(req);
          const back = splitAnswer(overTheWire(answerPayload(codec.code, codec.encodeAnswer(ans))));
          expect(back).toMatchObject({ code: codec.code, error: 0 });
          expect(codec.decodeAnswer(back.data)).toEqual(ans);
        }),
        { numRuns: 200 },
      );
    });
  }

  test('vendor layouts, byte for byte', () => {
    // 1Eh: pw · table · row(2) · field · value (pyshtrih '121' = <BHB).
    expect(writeTable.encodeRequest({ password: 30, table: 1, row: 1, field: 2, value: Buffer.from([1]) })).toEqual(
      Buffer.from('1e000000010100' + '0201', 'hex'),
    );
    // 2Eh answer: min and max only for BIN fields (javapos ReadFieldInfo).
    const bin = fieldInfo.encodeAnswer({ name: 'Величина налога', type: 0, size: 2, min: 0, max: 9999 });
    expect(bin).toHaveLength(40 + 2 + 4);
    expect(bin.subarray(40)).toEqual(Buffer.from('0002' + '0000' + '0f27', 'hex'));
    expect(fieldInfo.encodeAnswer({ name: 'x', type: 1, size: 64 })).toHaveLength(42);
    // 2Dh answer: 40 + rows(2) + fields(1).
    expect(tableInfo.encodeAnswer({ name: 'Налоговые ставки', rows: 12, fields: 2 }).subarray(40)).toEqual(
      Buffer.from('0c0002', 'hex'),
    );
    // 1Ah: one register byte up to 255, two above (javapos ReadCashRegister); 6-byte value.
    expect(moneyRegister.encodeRequest({ password: 30, register: 241 })).toHaveLength(5);
    expect(moneyRegister.encodeRequest({ password: 30, register: 4224 })).toHaveLength(6);
    expect(moneyRegister.encodeAnswer({ operator: 30, value: 1 })).toHaveLength(7);
    // 22h: DD MM YY.
    expect(setDate.encodeRequest({ password: 30, date: { year: 2026, month: 11, day: 25 } })).toEqual(
      Buffer.from('1e000000190b1a', 'hex'),
    );
    // FF3Fh: 4 bytes out (javapos readInt), 2 bytes read too (the vendor text, pyshtrih).
    expect(unconfirmedCount.encodeAnswer({ count: 3 })).toEqual(Buffer.from('03000000', 'hex'));
    expect(unconfirmedCount.decodeAnswer(Buffer.from('0300', 'hex'))).toEqual({ count: 3 });
    // 50h: pw · sum(5) = 10 bytes with the code; answer op · document number(2) (pyshtrih, Py2 docstring).
    expect(cashIn.encodeRequest({ password: 1, sum: 10000 })).toEqual(Buffer.from('01000000' + '1027000000', 'hex'));
    // 86h: pw · sum(5) · tax1..4 · text(40) = 54 bytes with the code (Commands.xml).
    expect(discount.encodeRequest({ password: 1, sum: 1, taxes: [0, 0, 0, 0], text: '' })).toHaveLength(53);
    // 8Ah: the layout of 86h (opos FiscalPrinterCommand.pas, "Длина сообщения: 54 байта").
    expect(voidDiscount.encodeRequest({ password: 1, sum: 1, taxes: [0, 0, 0, 0], text: '' })).toHaveLength(53);
    // FF4Bh as javapos FSReceiptDiscount writes it: pw · discount(5) · surcharge(5) · tax · text(40).
    expect(receiptDiscount.encodeRequest({ password: 1, discount: 100, surcharge: 0, tax: 0, text: 'Скидка' })).toEqual(
      Buffer.concat([
        Buffer.from('01000000' + '6400000000' + '0000000000' + '00', 'hex'),
        Buffer.from([0xd1, 0xea, 0xe8, 0xe4, 0xea, 0xe0]),
        Buffer.alloc(34),
      ]),
    );
    // The vendor text in that file gives the text 128 bytes: a device takes that too.
    expect(
      receiptDiscount.decodeRequest(
        Buffer.concat([Buffer.from('01000000' + '0000000000' + '3200000000' + '00', 'hex'), Buffer.alloc(128)]),
      ),
    ).toEqual({ password: 1, discount: 0, surcharge: 50, tax: 0, text: '' });
    // FF38h answer: FD(4) · ФП(4) · count(4) · date YY MM DD = 15 bytes after the error (javapos FSPrintCalcReport).
    expect(
      settlementReport.encodeAnswer({
        documentNumber: 7,
        fiscalSign: 1,
        unconfirmedCount: 2,
        firstUnconfirmedDate: { year: 2026, month: 12, day: 4 },
      }),
    ).toEqual(Buffer.from('07000000' + '01000000' + '02000000' + '1a0c04', 'hex'));
    // FF4Ah: 69 bytes with the code (javapos FSPrintCorrectionReceipt2); answer 2 + 4 + 4.
    const ff4a = correctionV2.encodeRequest({
      password: 30,
      correctionType: 0,
      calculationSign: 1,
      total: 100,
      cash: 100,
      electronic: 0,
      prepayment: 0,
      credit: 0,
      counterProvision: 0,
      taxes: [0, 0, 0, 100, 0, 0],
      taxSystem: 1,
    });
    expect(ff4a).toHaveLength(67);
    expect(correctionV2.encodeAnswer({ receiptNumber: 1, documentNumber: 2, fiscalSign: 3 })).toHaveLength(10);
  });

  test('names for the trace', () => {
    expect(formatCode(0x10)).toBe('10h');
    expect(formatCode(0xff46)).toBe('FF46h');
    expect(commandName(0xff45)).toBe('Close check extended');
    expect(commandName(0x99)).toBe('unknown command');
  });
});
