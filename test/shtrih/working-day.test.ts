import type { Duplex } from 'node:stream';
import { afterEach, describe, expect, test } from 'vitest';
import type { FiscalDocument } from '../../src/fiscal/document.ts';
import { localParts } from '../../src/fiscal/local-time.ts';
import { DeviceFront } from '../../src/shtrih/front/device-front.ts';
import { decodeCp1251, encodeCp866, encodeCp1251 } from '../../src/shtrih/protocol/text.ts';
import { startTestAdapter, type TestAdapter } from '../helpers/adapter.ts';
import { type Bench, emulator, memoryLine } from './support.ts';

/**
 * A working day as a driver sends it, replayed by an independent client: the frames below are
 * written byte by byte from the vendor layouts (reference shtrih-m.md §1.7, research notes, the
 * javapos command classes), not with kkt-emu's codecs, and every answer's layout is checked.
 * Then the same operations go through the adapter's `/v1` on an in-process emulator, and the
 * two archives must hold the same documents (the fields that do not depend on the ФН's identity,
 * clock or secret).
 */

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const STX = 0x02;
const ENQ = 0x05;
const ACK = 0x06;
const NAK = 0x15;

/** The host side of the Shtrih-M link, written from the reference (§1.2, §1.3) alone. */
class RawHost {
  private buffer = Buffer.alloc(0);
  private wake: (() => void) | undefined;

  constructor(private readonly line: Duplex) {
    line.on('data', (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      this.wake?.();
    });
  }

  private async take(n: number): Promise<Buffer> {
    const deadline = Date.now() + 5000;
    while (this.buffer.length < n) {
      if (Date.now() > deadline) throw new Error(`the device sent ${this.buffer.length} of ${n} bytes`);
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        setTimeout(resolve, 50);
      });
    }
    const out = this.buffer.subarray(0, n);
    this.buffer = this.buffer.subarray(n);
    return Buffer.from(out);
  }

  /** ENQ → NAK, the frame → ACK, then the answer (ACKed): `code | error | data`. */
  async send(payload: Buffer): Promise<Buffer> {
    this.line.write(Buffer.from([ENQ]));
    expect((await this.take(1))[0]).toBe(NAK);
    let lrc = payload.length;
    for (const b of payload) lrc ^= b;
    this.line.write(Buffer.concat([Buffer.from([STX, payload.length]), payload, Buffer.from([lrc])]));
    expect((await this.take(1))[0]).toBe(ACK);
    expect((await this.take(1))[0]).toBe(STX);
    const [length] = await this.take(1);
    const body = await this.take(length ?? 0);
    let check = length ?? 0;
    for (const b of body) check ^= b;
    expect((await this.take(1))[0]).toBe(check);
    this.line.write(Buffer.from([ACK]));
    return body;
  }
}

const le = (value: number, bytes: number) => {
  const b = Buffer.alloc(bytes);
  b.writeUIntLE(value, 0, bytes);
  return b;
};
const PW = le(30, 4);
const code = (c: number) => (c > 0xff ? Buffer.from([c >> 8, c & 0xff]) : Buffer.from([c]));
const text40 = (s: string) => {
  const b = Buffer.alloc(40);
  encodeCp1251(s).copy(b);
  return b;
};
const tlv = (tag: number, value: Buffer) => Buffer.concat([le(tag, 2), le(value.length, 2), value]);

/** One command, answered with error 0; its data after the code and the error byte. */
async function ok(host: RawHost, command: number, data: Buffer, dataLength?: number): Promise<Buffer> {
  const answer = await host.send(Buffer.concat([code(command), data]));
  const head = code(command).length;
  expect(answer.subarray(0, head), `answer code of ${command.toString(16)}h`).toEqual(code(command));
  expect(answer[head], `error of ${command.toString(16)}h`).toBe(0);
  const out = answer.subarray(head + 1);
  if (dataLength !== undefined) expect(out.length, `answer length of ${command.toString(16)}h`).toBe(dataLength);
  return out;
}

async function refused(host: RawHost, command: number, data: Buffer): Promise<number> {
  const answer = await host.send(Buffer.concat([code(command), data]));
  expect(answer.length).toBe(code(command).length + 1);
  return answer[answer.length - 1] as number;
}

/** FF46h: operation · quantity(6, millionths) · price(5) · sum(5, FF = computed) · tax(5, FF) · tax byte · dept · 1214 · 1212 · name. */
const line = (operation: number, quantityMicro: number, price: number, taxByte: number, name: string) =>
  Buffer.concat([
    PW,
    Buffer.from([operation]),
    le(quantityMicro, 6),
    le(price, 5),
    Buffer.alloc(5, 0xff),
    Buffer.alloc(5, 0xff),
    Buffer.from([taxByte, 1, 4, 1]),
    encodeCp1251(name),
  ]);
/** 80h–84h: quantity(5, thousandths) · price(5) · dept · tax1..4 (table 6 rows) · text(40). */
const legacy = (quantityMilli: number, price: number, row: number, name: string) =>
  Buffer.concat([PW, le(quantityMilli, 5), le(price, 5), Buffer.from([1, row, 0, 0, 0]), text40(name)]);
/** FF45h: 16 payments · rounding · 6 tax sums · tax system · text. */
const closeEx = (payments: Record<number, number>, rounding: number, taxSystem: number) =>
  Buffer.concat([
    PW,
    ...Array.from({ length: 16 }, (_, i) => le(payments[i] ?? 0, 5)),
    Buffer.from([rounding]),
    Buffer.alloc(30),
    Buffer.from([taxSystem]),
  ]);

const CASHIER = 'Иванов И.И.';

/** What both archives must agree on: everything but the ФН's identity, clock and signature. */
function essence(d: FiscalDocument): unknown {
  const pick = (keys: string[]) =>
    Object.fromEntries(keys.filter((k) => k in d).map((k) => [k, (d as unknown as Record<string, unknown>)[k]]));
  switch (d.kind) {
    case 'receipt':
    case 'correction':
      return pick([
        'kind',
        'shiftNumber',
        'receiptNumber',
        'operation',
        'items',
        'payments',
        'total',
        'change',
        'vatTotals',
        'taxation',
        'cashier',
        'correction',
      ]);
    case 'shiftOpen':
      return pick(['kind', 'shiftNumber', 'cashier']);
    case 'shiftClose':
      return pick(['kind', 'shiftNumber', 'cashier', 'receiptsCount', 'documentsCount', 'totals', 'counters']);
    case 'settlementReport':
      return pick(['kind', 'shiftNumber', 'fnTotals']);
    default:
      return { kind: d.kind };
  }
}

async function wireDay(bench: Bench): Promise<void> {
  const io = memoryLine();
  const front = new DeviceFront(bench.kkt, {});
  const detach = front.attach(io.device);
  cleanups.push(() => {
    detach();
    io.close();
  });
  const host = new RawHost(io.host);

  // Connect as javapos does: device type, status, the tables it reads, the clock, the registers.
  const type = await ok(host, 0xfc, Buffer.alloc(0));
  expect(decodeCp1251(type.subarray(6))).toContain('М-01Ф');
  const status = await ok(host, 0x11, PW, 46);
  expect(status[13]! & 0x0f).toBe(4); // mode 4: shift closed
  expect((await ok(host, 0x2d, Buffer.concat([PW, Buffer.from([6])]), 43)).readUInt16LE(40)).toBeGreaterThanOrEqual(12);
  expect((await ok(host, 0x2e, Buffer.concat([PW, Buffer.from([6, 1])]), 46))[40]).toBe(0); // BIN, 2 bytes
  const rate = async (row: number) =>
    (await ok(host, 0x1f, Buffer.concat([PW, Buffer.from([6]), le(row, 2), Buffer.from([1])]), 2)).readUInt16LE(0);
  expect([await rate(2), await rate(4), await rate(11)]).toEqual([1000, 0, 2200]);
  const name11 = await ok(host, 0x1f, Buffer.concat([PW, Buffer.from([6]), le(11, 2), Buffer.from([2])]), 64);
  expect(decodeCp1251(name11).replace(/\0+$/, '')).toBe('НДС 22%');
  await ok(host, 0x1f, Buffer.concat([PW, Buffer.from([5]), le(1, 2), Buffer.from([1])]), 64);
  await ok(host, 0x1f, Buffer.concat([PW, Buffer.from([2]), le(30, 2), Buffer.from([2])]), 64);
  const at = localParts(bench.kkt.statusNow().now + 60_000, 'Europe/Moscow');
  const date = Buffer.from([at.day, at.month, at.year - 2000]);
  await ok(host, 0x22, Buffer.concat([PW, date]), 0);
  await ok(host, 0x23, Buffer.concat([PW, date]), 0);
  await ok(host, 0x21, Buffer.concat([PW, Buffer.from([at.hour, at.minute, 0])]), 0);
  const money = async (register: number) =>
    (await ok(host, 0x1a, Buffer.concat([PW, le(register, register > 255 ? 2 : 1)]), 7)).readUIntLE(1, 6);
  const operating = async (register: number) =>
    (await ok(host, 0x1b, Buffer.concat([PW, Buffer.from([register])]), 3)).readUInt16LE(1);
  expect(await money(241)).toBe(0);
  expect(await operating(152)).toBe(1);

  // Open the shift with the cashier (FF41h, FF0Ch 1021, E0h), then cash in 1 000.00.
  await ok(host, 0xff41, PW, 0);
  await ok(host, 0xff0c, Buffer.concat([PW, tlv(1021, encodeCp866(CASHIER))]), 0);
  expect((await ok(host, 0xe0, PW, 1))[0]).toBe(30);
  expect((await ok(host, 0x50, Buffer.concat([PW, le(100_000, 5)]), 3))[0]).toBe(30);

  // A legacy sale (pyshtrih): two lines, a third taken back (84h), a discount and a surcharge, the subtotal.
  await ok(host, 0x8d, Buffer.concat([PW, Buffer.from([0])]), 1);
  await ok(host, 0x80, legacy(2000, 5000, 2, 'Хлеб'), 1);
  await ok(host, 0x80, legacy(1000, 8000, 4, 'Молоко'), 1);
  await ok(host, 0x80, legacy(1000, 6000, 4, 'Сок'), 1);
  await ok(host, 0x84, legacy(1000, 6000, 4, 'Сок'), 1);
  await ok(host, 0x86, Buffer.concat([PW, le(1000, 5), Buffer.alloc(4), text40('Скидка')]), 1);
  await ok(host, 0x87, Buffer.concat([PW, le(100, 5), Buffer.alloc(4), text40('Надбавка')]), 1);
  expect((await ok(host, 0x89, PW, 6)).readUIntLE(1, 5)).toBe(17_100);
  const closed = await ok(
    host,
    0x85,
    Buffer.concat([PW, le(20_000, 5), le(0, 5), le(0, 5), le(0, 5), le(0, 2), Buffer.alloc(4), text40('')]),
    6,
  );
  expect(closed.readUIntLE(1, 5)).toBe(2_900);

  // A sale as javapos sends it: FF46h lines (22 % is table 6 row 11), 2108 on the weighed line,
  // the cashier, FF45h with a 9-kopeck rounding, paid by card.
  await ok(host, 0xff46, line(1, 123_456, 89_990, 11, 'Сыр'), 0);
  await ok(host, 0xff4d, Buffer.concat([PW, tlv(2108, Buffer.from([11]))]), 0);
  await ok(host, 0xff46, line(1, 3_000_000, 3_333, 0x02, 'Вода'), 0);
  await ok(host, 0xff0c, Buffer.concat([PW, tlv(1021, encodeCp866(CASHIER))]), 0);
  const sold = await ok(host, 0xff45, closeEx({ 1: 21_100 }, 9, 1), 18);
  expect(sold.readUIntLE(0, 5)).toBe(0);

  // A return of sale (1054 = 2), cash.
  await ok(host, 0xff46, line(2, 1_000_000, 4_550, 0x02, 'Хлеб'), 0);
  await ok(host, 0xff0c, Buffer.concat([PW, tlv(1021, encodeCp866(CASHIER))]), 0);
  await ok(host, 0xff45, closeEx({ 0: 4_550 }, 0, 1), 18);

  // A correction receipt, FFD 1.2: FF35h, 1173, 1174 (1178), the line, FF45h.
  await ok(host, 0xff35, PW, 0);
  await ok(host, 0xff0c, Buffer.concat([PW, tlv(1173, Buffer.from([0]))]), 0);
  await ok(host, 0xff0c, Buffer.concat([PW, tlv(1174, tlv(1178, le(Date.UTC(2026, 10, 20) / 1000, 4)))]), 0);
  await ok(host, 0xff46, line(1, 1_000_000, 15_000, 0x08, 'Недостача'), 0);
  await ok(host, 0xff0c, Buffer.concat([PW, tlv(1021, encodeCp866(CASHIER))]), 0);
  await ok(host, 0xff45, closeEx({ 0: 15_000 }, 0, 1), 18);

  // The drawer: 1 000 + 171 − 45.50 + 150 = 1 275.50; 2 000 is more than it holds (46h); 500 out.
  expect(await money(241)).toBe(127_550);
  expect(await refused(host, 0x51, Buffer.concat([PW, le(200_000, 5)]))).toBe(0x46);
  await ok(host, 0x51, Buffer.concat([PW, le(50_000, 5)]), 3);
  expect([await money(241), await money(242), await money(243)]).toEqual([77_550, 100_000, 50_000]);
  expect([await operating(153), await operating(154), await operating(202)]).toEqual([1, 1, 1]);

  // X report, form 21 (FF37h, FF38h), the Z report with the cashier.
  await ok(host, 0x40, PW, 1);
  await ok(host, 0xff37, PW, 0);
  const report = await ok(host, 0xff38, PW, 15);
  expect(report.readUInt32LE(0)).toBe(bench.kkt.statusNow().fn.lastFiscalDocNumber);
  const form21 = await bench.kkt.getDocument(report.readUInt32LE(0));
  expect(form21?.kind === 'settlementReport' && form21.unsentCount).toBe(report.readUInt32LE(8));
  expect(form21?.fiscalSign).toBe(String(report.readUInt32LE(4)).padStart(10, '0'));
  await ok(host, 0xff42, PW, 0);
  await ok(host, 0xff0c, Buffer.concat([PW, tlv(1021, encodeCp866(CASHIER))]), 0);
  await ok(host, 0x41, PW, 1);
  expect((await ok(host, 0x10, PW)).at(3)! & 0x0f).toBe(4);
}

async function apiDay(t: TestAdapter): Promise<void> {
  const call = async (path: string, body: unknown, key?: string, status = 200) => {
    const r = await t.post(path, body, key ? { 'idempotency-key': key } : {});
    expect(r.status, `${path}: ${r.text}`).toBe(status);
    return r;
  };
  const item = (name: string, price: number, quantity: number, vat: number | string, extra = {}) => ({
    name,
    price,
    quantity,
    vat_rate: vat,
    payment_method: 'full_payment',
    payment_object: 'commodity',
    ...extra,
  });
  await call('/v1/kkt/shift/open', { cashier: CASHIER });
  await call('/v1/kkt/cash/in', { amount: 1000 }, 'in');
  await call(
    '/v1/kkt/receipt',
    {
      type: 'sale',
      items: [item('Хлеб', 45.5, 2, 10), item('Молоко', 80, 1, 'none')],
      payments: [{ type: 'cash', amount: 200 }],
      taxation_type: 'osn',
    },
    'r1',
  );
  await call(
    '/v1/kkt/receipt',
    {
      type: 'sale',
      items: [item('Сыр', 899.19, 0.123456, 22, { measure: 'kilogram' }), item('Вода', 33.33, 3, 10)],
      payments: [{ type: 'card', amount: 211 }],
      taxation_type: 'osn',
      cashier: CASHIER,
    },
    'r2',
  );
  await call(
    '/v1/kkt/receipt',
    {
      type: 'refund',
      items: [item('Хлеб', 45.5, 1, 10)],
      payments: [{ type: 'cash', amount: 45.5 }],
      taxation_type: 'osn',
      cashier: CASHIER,
    },
    'r3',
  );
  await call(
    '/v1/kkt/correction',
    {
      type: 'sale',
      items: [item('Недостача', 150, 1, 'none')],
      payments: [{ type: 'cash', amount: 150 }],
      taxation_type: 'osn',
      cashier: CASHIER,
      correction: { kind: 'self', date: '2026-11-20' },
    },
    'c1',
  );
  await call('/v1/kkt/cash/out', { amount: 2000 }, 'out-1', 409);
  await call('/v1/kkt/cash/out', { amount: 500 }, 'out-2');
  await call('/v1/kkt/report/x', undefined);
  await call('/v1/kkt/report/settlement', undefined);
  await call('/v1/kkt/shift/close', { cashier: CASHIER });
}

describe('a working day over the wire, as a driver sends it', () => {
  test('every command is answered (no 37h), and the archive equals what /v1 makes of the same day', async () => {
    const bench = emulator();
    cleanups.push(() => bench.close());
    await wireDay(bench);
    const wire = await bench.kkt.documents(1, 100);

    const t = await startTestAdapter({}, { clockStart: bench.clock.now() });
    cleanups.push(() => t.close());
    await apiDay(t);
    const api = await t.running.driver.documents(1, 100);

    expect(wire.map((d) => d.kind)).toEqual([
      'registration',
      'shiftOpen',
      'receipt',
      'receipt',
      'receipt',
      'correction',
      'settlementReport',
      'shiftClose',
    ]);
    expect(wire.map(essence)).toEqual(api.map(essence));
    expect(bench.kkt.statusNow().cashBalance).toBe((await t.running.driver.status()).cashBalance);
    expect(bench.kkt.statusNow().cashBalance).toBe(77_550);
  });
});
