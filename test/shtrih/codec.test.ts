import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import {
  closeCheck,
  deviceType,
  fnStatus,
  openShift,
  operationV2,
  shortStatus,
} from '../../src/shtrih/protocol/commands/index.ts';
import { ACK, ENQ, NAK, STX } from '../../src/shtrih/protocol/constants.ts';
import { describeWireError } from '../../src/shtrih/protocol/errors.ts';
import {
  commandPayload,
  encodeFrame,
  errorPayload,
  lrc,
  splitAnswer,
  splitCommand,
} from '../../src/shtrih/protocol/frame.ts';
import { FrameParser, type LinkEvent } from '../../src/shtrih/protocol/parser.ts';
import { TAX_ROWS } from '../../src/shtrih/protocol/tables.ts';
import {
  rateOfTaxRow,
  substitutedRate,
  taxByteOfRow,
  taxRowForRate,
  taxRowOfByte,
} from '../../src/shtrih/protocol/tax-byte.ts';
import { decodeTlvs, encodeTlvs, readFvln, readVln, tlvFvln, tlvVln } from '../../src/shtrih/protocol/tlv.ts';
import { describePayload, hex } from '../../src/shtrih/protocol/trace.ts';
import { bytes } from './arbitraries.ts';

const h = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

/** Worked examples of reference shtrih-m.md §1.2 and the pyshtrih wire log of §2.3. */
describe('frames: the reference examples byte for byte', () => {
  test('10h with password 30', () => {
    expect(encodeFrame(commandPayload(0x10, shortStatus.encodeRequest({ password: 30 })))).toEqual(
      h('02 05 10 1E 00 00 00 0B'),
    );
  });

  test('FF01h with password 30: the two-byte code goes high byte first', () => {
    expect(encodeFrame(commandPayload(0xff01, fnStatus.encodeRequest({ password: 30 })))).toEqual(
      h('02 06 FF 01 1E 00 00 00 E6'),
    );
  });

  test('E0h with password 1', () => {
    expect(encodeFrame(commandPayload(0xe0, openShift.encodeRequest({ password: 1 })))).toEqual(
      h('02 05 E0 01 00 00 00 E4'),
    );
  });

  test('an error answer is just the code and the error byte', () => {
    expect(encodeFrame(errorPayload(0x80, 0x4f))).toEqual(h('02 02 80 4F CD'));
    expect(describeWireError(0x4f)).toBe('0x4F Неверный пароль');
  });

  test('FF46h: 1.000000 × 100.00, sum and tax by the ККТ, VAT 20 bit, department 1, "Товар"', () => {
    const payload = commandPayload(
      0xff46,
      operationV2.encodeRequest({
        password: 30,
        operation: 1,
        quantity: 1_000_000,
        price: 10_000,
        sum: null,
        taxAmount: null,
        tax: 0x01,
        department: 1,
        paymentMethod: 4,
        paymentObject: 1,
        name: 'Товар',
      }),
    );
    expect(encodeFrame(payload)).toEqual(
      h(
        '02 25 FF 46 1E 00 00 00 01 40 42 0F 00 00 00 10 27 00 00 00 FF FF FF FF FF FF FF FF FF FF 01 01 04 01 D2 EE E2 E0 F0 72',
      ),
    );
  });

  test('answers from the pyshtrih session decode', () => {
    const status = splitAnswer(h('10 00 1e 82 02 04 00 00 ff 90 00 00 00 00 00 00'));
    expect(shortStatus.decodeAnswer(status.data)).toMatchObject({ operator: 30, flags: 0x0282, mode: 4, submode: 0 });
    const close = splitAnswer(h('85 00 1e 00 00 00 00 00'));
    expect(closeCheck.decodeAnswer(close.data)).toEqual({ operator: 30, change: 0 });
    const fc01f = h('fc 00 00 00 01 0c 00 00 d8 d2 d0 c8 d5 2d cc 2d 30 31 d4');
    const type = splitAnswer(fc01f);
    expect(deviceType.decodeAnswer(type.data)).toMatchObject({
      protocolVersion: 1,
      protocolSubversion: 12,
      name: 'ШТРИХ-М-01Ф',
    });
  });

  test('LRC is the XOR of the length byte and the payload', () => {
    fc.assert(
      fc.property(
        bytes(255).filter((b) => b.length > 0),
        (payload) => {
          const frame = encodeFrame(payload);
          let x = 0;
          for (const b of frame.subarray(1, frame.length - 1)) x ^= b;
          expect(frame[frame.length - 1]).toBe(x);
          expect(lrc(payload)).toBe(x);
        },
      ),
    );
  });

  test('a payload over 255 bytes or an empty one is refused', () => {
    expect(() => encodeFrame(Buffer.alloc(256, 1))).toThrow(/does not fit/);
    expect(() => encodeFrame(Buffer.alloc(0))).toThrow(/command code/);
  });

  test('splitCommand reads one- and two-byte codes', () => {
    expect(splitCommand(h('10 1e 00 00 00'))).toEqual({ code: 0x10, data: h('1e 00 00 00') });
    expect(splitCommand(h('ff 46 aa'))).toEqual({ code: 0xff46, data: h('aa') });
    expect(() => splitCommand(h('ff'))).toThrow(/cut short/);
  });
});

const frames = (events: LinkEvent[]) => events.filter((e) => e.kind === 'frame').map((e) => e.payload);
const payloadArb = bytes(255).filter((b) => b.length > 0);

describe('the streaming parser', () => {
  test('never throws on arbitrary bytes in arbitrary chunks', () => {
    fc.assert(
      fc.property(fc.array(bytes(64), { maxLength: 20 }), (chunks) => {
        const p = new FrameParser();
        for (const c of chunks) p.push(c);
        p.timeout();
      }),
      { numRuns: 500 },
    );
  });

  test('finds every frame however the bytes are split', () => {
    fc.assert(
      fc.property(
        fc.array(payloadArb, { minLength: 1, maxLength: 5 }),
        fc.integer({ min: 1, max: 50 }),
        (payloads, size) => {
          const wire = Buffer.concat(payloads.map((p) => encodeFrame(p)));
          const p = new FrameParser();
          const got: Buffer[] = [];
          for (let i = 0; i < wire.length; i += size) got.push(...frames(p.push(wire.subarray(i, i + size))));
          expect(got).toEqual(payloads);
        },
      ),
    );
  });

  test('after any garbage and an idle gap (the inter-byte timeout), the next good frame is parsed', () => {
    fc.assert(
      fc.property(bytes(300), payloadArb, (garbage, payload) => {
        const p = new FrameParser();
        p.push(garbage);
        p.timeout();
        expect(frames(p.push(encodeFrame(payload)))).toEqual([payload]);
      }),
      { numRuns: 500 },
    );
  });

  test('garbage without STX right before a frame does not hide it', () => {
    const noStx = bytes(100).map((b) => Buffer.from(b.filter((x) => x !== STX)));
    fc.assert(
      fc.property(noStx, payloadArb, (garbage, payload) => {
        const p = new FrameParser();
        expect(frames(p.push(Buffer.concat([garbage, encodeFrame(payload)])))).toEqual([payload]);
      }),
    );
  });

  test('a damaged byte gives an LRC error (the receiver answers NAK) and the next frame still parses', () => {
    fc.assert(
      fc.property(payloadArb, payloadArb, fc.nat(), fc.integer({ min: 1, max: 255 }), (bad, good, at, flip) => {
        const damaged = encodeFrame(bad);
        // Any byte after the length: payload or LRC.
        const i = 2 + (at % (damaged.length - 2));
        damaged[i] = (damaged[i] as number) ^ flip;
        const p = new FrameParser();
        const events = p.push(Buffer.concat([damaged, encodeFrame(good)]));
        expect(events[0]).toMatchObject({ kind: 'badFrame', reason: 'lrc' });
        expect(frames(events)).toEqual([good]);
      }),
      { numRuns: 500 },
    );
  });

  test('control bytes between frames, noise reported, a zero length is an empty frame', () => {
    const p = new FrameParser();
    const events = p.push(Buffer.from([ENQ, 0xff, ACK, NAK, STX, 0]));
    expect(events).toEqual([
      { kind: 'control', byte: ENQ },
      { kind: 'noise', bytes: Buffer.from([0xff]) },
      { kind: 'control', byte: ACK },
      { kind: 'control', byte: NAK },
      { kind: 'badFrame', reason: 'empty', raw: Buffer.from([STX, 0]) },
    ]);
  });

  test('a frame cut short is reported when the inter-byte timer fires', () => {
    const p = new FrameParser();
    expect(p.push(h('02 05 10 1e'))).toEqual([]);
    expect(p.inFrame).toBe(true);
    expect(p.timeout()).toEqual([{ kind: 'badFrame', reason: 'incomplete', raw: h('02 05 10 1e') }]);
    expect(p.inFrame).toBe(false);
  });
});

describe('TLV, VLN and FVLN', () => {
  test('ffd.md test vectors', () => {
    expect(readVln({ tag: 1, value: h('e9 2d 06') })).toBe(404969);
    expect(readFvln({ tag: 1023, value: h('02 15 cd 5b 07') })).toEqual({ decimals: 2, scaled: 123456789 });
    expect(tlvFvln(1023, 123456789, 2).value).toEqual(h('02 15 cd 5b 07'));
  });

  test('round trip, and a short buffer is an error, not a crash', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ tag: fc.integer({ min: 0, max: 0xffff }), value: bytes(300) })), (tlvs) => {
        expect(decodeTlvs(encodeTlvs(tlvs))).toEqual(tlvs);
      }),
    );
    expect(() => decodeTlvs(h('fd 03 05 00 01'))).toThrow(/claims 5 bytes/);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 48 - 1 }), (v) => {
        expect(readVln(tlvVln(1, v))).toBe(v);
      }),
    );
  });
});

describe('VAT on the wire: table 6 rows and the FF46h byte', () => {
  test('rows 1..6 and 11..12 round-trip through the byte in both encodings', () => {
    for (const row of [1, 2, 3, 4, 5, 6, 11, 12]) {
      expect(taxRowOfByte(taxByteOfRow(row, 'mask'), 'mask')).toBe(row);
      expect(taxRowOfByte(taxByteOfRow(row, 'index'), 'index')).toBe(row);
    }
    expect(taxByteOfRow(1)).toBe(0x01);
    expect(taxByteOfRow(6)).toBe(0x20);
    expect(taxByteOfRow(4, 'index')).toBe(4);
    // 22 %: "клиентское ПО должно передавать ставку 11" (fr_drv_ng#328), in both modes.
    expect(taxByteOfRow(11)).toBe(11);
    expect(taxRowOfByte(0x03, 'mask')).toBeUndefined();
    expect(taxRowOfByte(0x40, 'mask')).toBeUndefined();
    expect(taxRowOfByte(0x4b, 'mask')).toBeUndefined();
    expect(taxRowOfByte(7, 'index')).toBeUndefined();
    expect(() => taxByteOfRow(7)).toThrow(/no FF46h encoding/);
  });

  test('a row means its position and its value (table 6 field 1)', () => {
    const factory = TAX_ROWS.map(([value], i) => rateOfTaxRow(i + 1, value));
    expect(factory).toEqual([
      '20',
      '10',
      '0',
      'none',
      '20/120',
      '10/110',
      undefined,
      undefined,
      undefined,
      undefined,
      '22',
      '22/122',
    ]);
    expect(rateOfTaxRow(1, 2200)).toBe('22');
    expect(rateOfTaxRow(5, 500)).toBe('5/105');
    expect(rateOfTaxRow(1, 1850)).toBeUndefined();
  });

  test('the driver sends only what a source gives, by table 17 field 71', () => {
    expect(taxRowForRate('22', 2, 2026)).toEqual({ row: 11 });
    expect(taxRowForRate('22/122', 2, 2026)).toEqual({ row: 12 });
    expect(taxRowForRate('20', 2, 2026)).toEqual({ row: 1 });
    expect(taxRowForRate('22', 1, 2026)).toEqual({ row: 1 });
    expect(taxRowForRate('22', 1, 2025)).toMatchObject({ refused: expect.stringMatching(/22 %/) });
    expect(taxRowForRate('20', 1, 2026)).toMatchObject({ refused: expect.stringMatching(/VAT 20/) });
    expect(taxRowForRate('20', 1, 2025)).toEqual({ row: 1 });
    expect(taxRowForRate('22/122', 1, 2026)).toMatchObject({ refused: expect.stringMatching(/22\/122/) });
    expect(taxRowForRate('22', undefined, 2026)).toMatchObject({ refused: expect.stringMatching(/field 71/) });
    for (const rate of ['5', '7', '5/105', '7/107'] as const)
      for (const mode of [1, 2, undefined])
        expect(taxRowForRate(rate, mode, 2026)).toMatchObject({ refused: expect.stringContaining(`VAT ${rate}:`) });
    expect(substitutedRate('20', 1, { year: 2026 })).toBe('22');
    expect(substitutedRate('20/120', 1, { year: 2026 })).toBe('22/122');
    expect(substitutedRate('20', 1, { year: 2025 })).toBe('20');
    expect(substitutedRate('20', 2, { year: 2026 })).toBe('20');
  });
});

describe('trace lines', () => {
  test('hex and names', () => {
    expect(hex(h('02 05 10'))).toBe('02 05 10');
    expect(describePayload(h('ff 46 1e 00 00 00'), 'host→kkt')).toBe('FF46h Operation V2');
    expect(describePayload(h('ff 45 45'), 'kkt→host')).toBe(
      'FF45h Close check extended: error 0x45 Сумма всех типов оплаты меньше итога чека',
    );
    expect(describePayload(h('10 00 1e'), 'kkt→host')).toBe('10h Short status: ok');
  });
});
