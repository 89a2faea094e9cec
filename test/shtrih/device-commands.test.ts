import fc from 'fast-check';
import { afterEach, describe, expect, test } from 'vitest';
import type { Operation } from '../../src/fiscal/codes.ts';
import type { ReceiptDocument } from '../../src/fiscal/document.ts';
import { type VatRate, vatAmount } from '../../src/fiscal/vat.ts';
import { SqliteCellStore } from '../../src/io/sqlite/settings-store.ts';
import { WireClient } from '../../src/shtrih/driver/wire-client.ts';
import { DeviceFront, type DeviceFrontOptions } from '../../src/shtrih/front/device-front.ts';
import {
  beginCorrection,
  cancelCheck,
  cancelFnDocument,
  cashIn,
  cashOut,
  closeCheck,
  confirmDate,
  correctionV2,
  cut,
  deviceType,
  discount,
  fieldInfo,
  fullStatus,
  moneyRegister,
  openDrawer,
  operatingRegister,
  operationV2,
  readTable,
  repeatDocument,
  sale,
  sendTlv,
  setDate,
  setTime,
  shortStatus,
  storno,
  subtotal,
  surcharge,
  tableInfo,
  unconfirmedCount,
  writeTable,
  zReport,
} from '../../src/shtrih/protocol/commands/index.ts';
import { DeviceRefusal } from '../../src/shtrih/protocol/errors.ts';
import { fieldValue } from '../../src/shtrih/protocol/tables.ts';
import { encodeCp1251 } from '../../src/shtrih/protocol/text.ts';
import { encodeTlvs, tlvU32 } from '../../src/shtrih/protocol/tlv.ts';
import { HOUR_MS, type ReceiptSpec, receiptInput, simpleSale, T0, tempDir } from '../helpers/kkt-fixtures.ts';
import { type Bench, emulator, FAST_LINK, memoryLine, wired } from './support.ts';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const PW = { password: 30 };

function attach(bench: Bench, options: DeviceFrontOptions = {}) {
  const line = memoryLine();
  const front = new DeviceFront(bench.kkt, { clock: bench.clock, ...options });
  const detach = front.attach(line.device);
  const client = new WireClient(line.host, { timeouts: FAST_LINK.timeouts, answerTimeoutMs: 2000 });
  const close = () => {
    client.detach();
    detach();
    line.close();
    front.close();
  };
  return { front, client, close };
}

function device(options: DeviceFrontOptions = {}) {
  const bench = emulator();
  cleanups.push(() => bench.close());
  const d = attach(bench, options);
  cleanups.push(d.close);
  return { bench, ...d };
}

async function refusal(p: Promise<unknown>): Promise<number> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  if (!(e instanceof DeviceRefusal)) throw new Error(`expected a refusal, got ${String(e)}`);
  return e.wireCode;
}

/** 1Fh read as javapos does: 2Eh for the type, then the value. */
async function read(client: WireClient, table: number, row: number, field: number) {
  const info = await client.call(fieldInfo, { ...PW, table, field });
  return fieldValue(info, (await client.call(readTable, { ...PW, table, row, field })).value);
}

describe('what javapos sends at connect (research notes §2.3), answered from the vendor tables', () => {
  test('device type, status, header lines, payment names, cashier, FN-model tables, date and time, registers', async () => {
    const { bench, client } = device();
    expect((await client.call(deviceType, {})).name).toContain('М-01Ф');
    expect((await client.call(fullStatus, PW)).mode).toBe(4);
    // Header: 2Dh(4) for the row count, 1Fh(4,row,1) each, 1Eh(4,row,1," ") for empty rows.
    const t4 = await client.call(tableInfo, { ...PW, table: 4 });
    expect(t4).toEqual({ name: 'Текст в чеке', rows: 14, fields: 1 });
    for (let row = 1; row <= t4.rows; row++) {
      const { value } = await client.call(readTable, { ...PW, table: 4, row, field: 1 });
      expect(value).toHaveLength(64);
      if (value[0] === 0) await client.call(writeTable, { ...PW, table: 4, row, field: 1, value: encodeCp1251(' ') });
    }
    expect(await read(client, 4, 3, 1)).toBe(' ');
    const payments = [];
    for (let row = 1; row <= 16; row++) payments.push(await read(client, 5, row, 1));
    expect(payments.slice(0, 4)).toEqual(['НАЛИЧНЫМИ', 'CREDIT', 'КАРТА', 'СКИДКА']);
    expect(payments[15]).toBe('ИНАЯ ФОРМА ОПЛАТЫ');
    expect(await read(client, 2, 30, 2)).toBe('СИС. АДМИНИСТРАТОР');
    expect(await read(client, 17, 1, 18)).toBe(0);
    expect(await read(client, 10, 1, 1)).toBe(70);
    expect(await read(client, 18, 1, 13)).toBe('www.nalog.ru');
    expect(await read(client, 18, 1, 4)).toBe(bench.kkt.statusNow().fn.number);
    expect(await read(client, 18, 1, 2)).toBe(`${bench.kkt.statusNow().kkt.userInn}  `);
    expect(await read(client, 18, 1, 5)).toBe(1); // ОСН, the registration's tax system bit
    expect(await client.call(fieldInfo, { ...PW, table: 19, field: 2 })).toEqual({
      name: 'Порт',
      type: 0,
      size: 2,
      min: 1,
      max: 65535,
    });
    expect(await read(client, 19, 1, 1)).toBe('localhost');
    expect(await read(client, 19, 1, 2)).toBe(7777);
    expect(await read(client, 21, 1, 9)).toBe(0);
    expect(await read(client, 14, 1, 1)).toBe(0);
    // Set the date and time (javapos deviceReset: 22h, 23h, 21h), an hour ahead.
    const target = new Date(T0 + HOUR_MS);
    const msk = { year: 2026, month: 11, day: 25 };
    await client.call(setDate, { ...PW, date: msk });
    expect((await client.call(shortStatus, PW)).mode).toBe(6);
    // javapos checkEcrMode: in mode 6 it confirms the date 11h shows.
    const shown = await client.call(fullStatus, PW);
    expect(shown.mode).toBe(6);
    await client.call(confirmDate, { ...PW, date: shown.date });
    await client.call(setTime, { ...PW, time: { hour: 12, minute: 0, second: 0 } });
    expect(bench.clock.now()).toBe(target.getTime());
    expect((await client.call(shortStatus, PW)).mode).toBe(4);
    expect(await client.call(moneyRegister, { ...PW, register: 241 })).toEqual({ operator: 30, value: 0 });
    expect(await client.call(operatingRegister, { ...PW, register: 152 })).toEqual({ operator: 30, value: 1 });
  });
});

describe('settings tables', () => {
  test('writes as clients send them, refusals, and the store outlives the device front', async () => {
    const { dir, cleanup } = tempDir('kkt-tables-');
    cleanups.push(cleanup);
    const path = `${dir}/tables.db`;
    const bench = emulator();
    cleanups.push(() => bench.close());
    const first = attach(bench, { settings: SqliteCellStore.open(path) });
    const c = first.client;
    // pyshtrih: as few bytes as the number needs (1 byte into a 2-byte field).
    await c.call(writeTable, { ...PW, table: 19, row: 1, field: 2, value: Buffer.from([0x50]) });
    expect(await read(c, 19, 1, 2)).toBe(0x50);
    // kulyasovr: always 2 bytes, into a 1-byte field.
    await c.call(writeTable, { ...PW, table: 1, row: 1, field: 2, value: Buffer.from([1, 0]) });
    expect(await read(c, 1, 1, 2)).toBe(1);
    expect(await refusal(c.call(writeTable, { ...PW, table: 1, row: 1, field: 2, value: Buffer.from([2]) }))).toBe(
      0x33,
    );
    expect(await refusal(c.call(writeTable, { ...PW, table: 1, row: 1, field: 2, value: Buffer.from([1, 1]) }))).toBe(
      0x33,
    );
    expect(await refusal(c.call(writeTable, { ...PW, table: 18, row: 1, field: 4, value: Buffer.from('1') }))).toBe(
      0x7a,
    );
    expect(await refusal(c.call(readTable, { ...PW, table: 99, row: 1, field: 1 }))).toBe(0x5d);
    expect(await refusal(c.call(readTable, { ...PW, table: 6, row: 13, field: 1 }))).toBe(0x33);
    expect(await refusal(c.call(fieldInfo, { ...PW, table: 6, field: 3 }))).toBe(0x33);
    expect(
      await refusal(c.call(writeTable, { password: 1, table: 1, row: 1, field: 2, value: Buffer.from([1]) })),
    ).toBe(0x4f);
    expect(await read(c, 17, 1, 71)).toBe(2);
    first.close();
    const second = attach(bench, { settings: SqliteCellStore.open(path) });
    expect(await read(second.client, 19, 1, 2)).toBe(0x50);
    expect(await read(second.client, 1, 1, 2)).toBe(1);
    second.close();
  });
});

describe('the clock (21h, 22h, 23h) within the ФН rules', () => {
  test('forward and back, never behind the last document; wrong dates and orders refused', async () => {
    const { bench, client } = device();
    await bench.kkt.printReceipt(simpleSale());
    const at = bench.clock.now();
    // 11:00 Moscow is the last document's minute; 10:59 is behind it.
    expect(await refusal(client.call(setTime, { ...PW, time: { hour: 10, minute: 59, second: 0 } }))).toBe(0x07);
    await client.call(setTime, { ...PW, time: { hour: 11, minute: 0, second: 30 } });
    expect(bench.clock.now()).toBe(at + 30_000);
    await client.call(setTime, { ...PW, time: { hour: 11, minute: 0, second: 10 } });
    expect(bench.clock.now()).toBe(at + 10_000);
    expect(await refusal(client.call(setTime, { ...PW, time: { hour: 24, minute: 0, second: 0 } }))).toBe(0x33);
    expect(await refusal(client.call(confirmDate, { ...PW, date: { year: 2026, month: 11, day: 26 } }))).toBe(0x73);
    expect(await refusal(client.call(setDate, { ...PW, date: { year: 2026, month: 2, day: 30 } }))).toBe(0x7d);
    await client.call(setDate, { ...PW, date: { year: 2026, month: 11, day: 24 } });
    expect(await refusal(client.call(confirmDate, { ...PW, date: { year: 2026, month: 11, day: 23 } }))).toBe(0x7c);
    await client.call(setDate, { ...PW, date: { year: 2026, month: 11, day: 24 } });
    expect(await refusal(client.call(confirmDate, { ...PW, date: { year: 2026, month: 11, day: 24 } }))).toBe(0x07);
    await client.call(setDate, { ...PW, date: { year: 2026, month: 11, day: 27 } });
    await client.call(confirmDate, { ...PW, date: { year: 2026, month: 11, day: 27 } });
    expect(bench.clock.now()).toBe(at + 10_000 + 48 * HOUR_MS);
    // Two days on, the shift opened on the 25th is over 24 hours old.
    expect(bench.kkt.statusNow().shift.state).toBe('expired');
  });

  test('a device on wall time takes only a set that changes nothing', async () => {
    const { bench, client } = device({ clock: undefined as never });
    const now = new Date(bench.clock.now());
    expect(
      await refusal(
        client.call(setTime, { ...PW, time: { hour: (now.getUTCHours() + 5) % 24, minute: 0, second: 0 } }),
      ),
    ).toBe(0x37);
  });
});

describe('printer mechanics, repeat, cancel, the ОФД count', () => {
  test('25h/29h need paper; 8Ch needs a receipt; FF08h drops the receipt being formed; FF3Fh counts', async () => {
    const { bench, client } = device();
    expect(await client.call(cut, { ...PW, partial: true })).toEqual({ operator: 30 });
    expect(await client.call(openDrawer, { ...PW, drawer: 0 })).toEqual({ operator: 30 });
    expect(await refusal(client.call(openDrawer, { ...PW, drawer: 2 }))).toBe(0x33);
    expect(await refusal(client.call(repeatDocument, PW))).toBe(0x56);
    bench.kkt.setFaults({ paperOut: true });
    expect(await refusal(client.call(cut, { ...PW, partial: false }))).toBe(0x6b);
    bench.kkt.setFaults({ paperOut: false });
    await bench.kkt.printReceipt(simpleSale());
    expect(await client.call(repeatDocument, PW)).toEqual({ operator: 30 });
    expect(await client.call(unconfirmedCount, PW)).toEqual({ count: 3 });
    await client.call(sale, {
      password: 1,
      quantity: 1000,
      price: 100,
      department: 1,
      taxes: [0, 0, 0, 0],
      text: 'X',
    });
    expect((await client.call(shortStatus, PW)).mode & 0x0f).toBe(8);
    await client.call(cancelFnDocument, PW);
    expect((await client.call(shortStatus, PW)).mode).toBe(2);
  });

  test('no line cap but the 32 KB receipt: 150 lines print, 4Bh once the lines pass 32 KB', async () => {
    const { bench, client } = device();
    const line = (name: string) => ({
      password: 30,
      operation: 1,
      quantity: 1_000_000,
      price: 100,
      sum: null,
      taxAmount: null,
      tax: 0x08,
      department: 1,
      paymentMethod: 4,
      paymentObject: 1,
      name,
    });
    for (let i = 0; i < 150; i++) await client.call(operationV2, line(`Item ${i}`));
    expect((await client.call(shortStatus, PW)).receiptOperations).toBe(150);
    let refused = 0;
    for (let i = 0; i < 300 && refused === 0; i++)
      refused = await client.call(operationV2, line('Y'.repeat(128))).then(
        () => 0,
        (e: DeviceRefusal) => e.wireCode,
      );
    expect(refused).toBe(0x4b);
    expect(bench.kkt.statusNow().fn.lastFiscalDocNumber).toBe(1);
  });
});

describe('VAT from table 6', () => {
  const NAMES: Record<string, string> = {
    '20': 'НДС 20%',
    '10': 'НДС 10%',
    '0': 'НДС 0%',
    none: 'БЕЗ НДС',
    '20/120': 'НДС 20/120',
    '10/110': 'НДС 10/110',
    '22': 'НДС 22%',
    '22/122': 'НДС 22/122',
  };
  const ROW: Record<string, number> = {
    '20': 1,
    '10': 2,
    '0': 3,
    none: 4,
    '20/120': 5,
    '10/110': 6,
    '22': 11,
    '22/122': 12,
  };

  test('the tax table read over the wire names the rates the documents carry', async () => {
    const bench = emulator();
    cleanups.push(() => bench.close());
    const w = wired(bench);
    cleanups.push(() => w.close());
    const rates = Object.keys(NAMES);
    const doc = await w.driver.printReceipt({
      operation: 'sale',
      taxation: 'osn',
      items: rates.map((r, i) => ({
        name: `R${i}`,
        price: 1000,
        quantityMicro: 1_000_000,
        sum: 1000,
        vatRate: r as VatRate,
        vatSum: vatAmount(1000, r as VatRate),
        paymentMethod: 'full_payment',
        paymentObject: 'commodity',
      })),
      payments: { cash: 1000 * rates.length, card: 0, prepaid: 0, credit: 0, other: 0 },
    });
    for (const it of doc.items)
      expect(await w.driver.readSetting(6, ROW[it.vatRate] as number, 2)).toBe(NAMES[it.vatRate]);
    expect(doc.items.map((i) => i.vatRate)).toEqual(rates);
  });

  test('80h tax bytes are rows; a reprogrammed row changes the rate; T17 F71 = 1 makes row 1 22 % in 2026', async () => {
    const { bench, client } = device();
    const legacy = (row: number) => ({
      password: 1,
      quantity: 1000,
      price: 1000,
      department: 1,
      taxes: [row, 0, 0, 0] as [number, number, number, number],
      text: `row ${row}`,
    });
    await client.call(sale, legacy(11));
    await client.call(sale, legacy(1));
    await client.call(writeTable, { ...PW, table: 6, row: 2, field: 1, value: Buffer.from([0x20, 0x03]) }); // 800 = 8 %
    expect(await refusal(client.call(sale, legacy(2)))).toBe(0x33);
    expect(await refusal(client.call(sale, legacy(7)))).toBe(0x33);
    await client.call(writeTable, { ...PW, table: 17, row: 1, field: 71, value: Buffer.from([1]) });
    await client.call(sale, legacy(1));
    await client.call(closeCheck, {
      password: 1,
      cash: 3000,
      payment2: 0,
      payment3: 0,
      payment4: 0,
      discount: 0,
      taxes: [0, 0, 0, 0],
      text: '',
    });
    const doc = await bench.kkt.getDocument(bench.kkt.statusNow().fn.lastFiscalDocNumber);
    expect(doc?.kind === 'receipt' && doc.items.map((i) => i.vatRate)).toEqual(['22', '20', '22']);
  });
});

describe('registers equal the archive', () => {
  const OPS: Operation[] = ['sale', 'purchase', 'refund', 'purchase_refund'];
  const spec: fc.Arbitrary<ReceiptSpec> = fc.record({
    operation: fc.constantFrom(...OPS),
    items: fc.array(
      fc.record({
        price: fc.integer({ min: 1, max: 50_000 }),
        quantity: fc.integer({ min: 1, max: 3 }),
        vat: fc.constantFrom('none' as const, '22' as const, '10' as const),
      }),
      { minLength: 1, maxLength: 3 },
    ),
    card: fc.integer({ min: 0, max: 100_000 }),
    change: fc.integer({ min: 0, max: 500 }),
  });

  test('shift sums and counts by operation, cash in drawer over days (T1 F2 = 0 and 1)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(spec, { maxLength: 4 }), { minLength: 1, maxLength: 3 }),
        fc.boolean(),
        async (days, resetAtZ) => {
          const bench = emulator();
          const { client, close } = attach(bench);
          try {
            if (resetAtZ) await client.call(writeTable, { ...PW, table: 1, row: 1, field: 2, value: Buffer.from([1]) });
            let drawer = 0;
            for (const [d, day] of days.entries()) {
              for (const s of day) await bench.kkt.printReceipt(receiptInput(s));
              const docs = [];
              for (let n = 1; n <= bench.kkt.statusNow().fn.lastFiscalDocNumber; n++)
                docs.push(await bench.kkt.getDocument(n));
              // Shift registers clear at the Z report: a closed shift reads 0 until the next receipt.
              const { shift } = bench.kkt.statusNow();
              const receipts = docs.filter(
                (x) => x?.kind === 'receipt' && x.shiftNumber === shift.number && shift.state !== 'closed',
              ) as ReceiptDocument[];
              const sign = { sale: 1, purchase: -1, refund: -1, purchase_refund: 1 };
              for (const [i, op] of OPS.entries()) {
                const mine = receipts.filter((r) => r.operation === op);
                const cash = mine.reduce((a, r) => a + r.payments.cash - r.change, 0);
                const total = mine.reduce((a, r) => a + r.total, 0);
                const card = mine.reduce((a, r) => a + r.payments.card, 0);
                expect((await client.call(moneyRegister, { ...PW, register: 193 + i })).value).toBe(cash);
                expect((await client.call(moneyRegister, { ...PW, register: 197 + i })).value).toBe(card);
                expect((await client.call(moneyRegister, { ...PW, register: 121 + i })).value).toBe(total);
                expect((await client.call(operatingRegister, { ...PW, register: 144 + i })).value).toBe(mine.length);
              }
              drawer += receipts.reduce((a, r) => a + sign[r.operation] * (r.payments.cash - r.change), 0);
              expect((await client.call(moneyRegister, { ...PW, register: 241 })).value).toBe(Math.max(0, drawer));
              if (d < days.length - 1 && bench.kkt.statusNow().shift.state !== 'closed') {
                await client.call(zReport, PW);
                if (resetAtZ) drawer = 0;
                expect((await client.call(moneyRegister, { ...PW, register: 193 })).value).toBe(0);
              }
              bench.clock.advance(HOUR_MS);
            }
          } finally {
            close();
            await bench.close();
          }
        },
      ),
      { numRuns: 12 },
    );
  });
});

describe('cash, receipt adjustments and corrections (second phase)', () => {
  const item = (name: string, price: number, quantity = 1000) => ({
    password: 1,
    quantity,
    price,
    department: 1,
    taxes: [4, 0, 0, 0] as [number, number, number, number],
    text: name,
  });
  const adjustment = (sum: number) => ({
    password: 1,
    sum,
    taxes: [0, 0, 0, 0] as [number, number, number, number],
    text: '',
  });

  test('50h/51h: 4Ah with a receipt open, 46h beyond the drawer, 33h for 0; 241 follows', async () => {
    const { bench, client } = device();
    expect(await refusal(client.call(cashIn, { password: 1, sum: 0 }))).toBe(0x33);
    await client.call(cashIn, { password: 1, sum: 10_000 });
    expect(await refusal(client.call(cashOut, { password: 1, sum: 10_001 }))).toBe(0x46);
    await client.call(sale, item('A', 500));
    expect(await refusal(client.call(cashOut, { password: 1, sum: 100 }))).toBe(0x4a);
    await client.call(cancelCheck, { password: 1 });
    expect((await client.call(cashOut, { password: 1, sum: 10_000 })).operator).toBe(1);
    expect((await client.call(moneyRegister, { ...PW, register: 241 })).value).toBe(0);
    expect(bench.kkt.statusNow().cashBalance).toBe(0);
  });

  test('86h beyond the receipt is 5Ah; 84h with no matching line is 33h; 89h counts the adjustments', async () => {
    const { client } = device();
    expect(await refusal(client.call(discount, adjustment(100)))).toBe(0x55);
    await client.call(sale, item('A', 500));
    expect(await refusal(client.call(discount, adjustment(501)))).toBe(0x5a);
    expect(await refusal(client.call(storno, item('B', 500)))).toBe(0x33);
    expect(await refusal(client.call(storno, item('A', 500, 2000)))).toBe(0x33);
    await client.call(discount, adjustment(100));
    await client.call(surcharge, adjustment(30));
    expect((await client.call(subtotal, { password: 1 })).subtotal).toBe(430);
  });

  test('FF4Ah as javapos sends it: one line of the total at the rate named; more than one rate, or no 1178, is 33h', async () => {
    const { bench, client } = device();
    const ff4a = {
      password: 30,
      correctionType: 0,
      calculationSign: 1,
      total: 12_000,
      cash: 12_000,
      electronic: 0,
      prepayment: 0,
      credit: 0,
      counterProvision: 0,
      taxes: [0, 1091, 0, 0, 0, 0] as [number, number, number, number, number, number],
      taxSystem: 1,
    };
    await client.call(beginCorrection, PW);
    expect(await refusal(client.call(correctionV2, ff4a))).toBe(0x33); // no 1178
    await client.call(beginCorrection, PW);
    await client.call(sendTlv, { ...PW, tlv: encodeTlvs([tlvU32(1178, Date.UTC(2026, 10, 20) / 1000)]) });
    expect(await refusal(client.call(correctionV2, { ...ff4a, taxes: [0, 1091, 0, 100, 0, 0] }))).toBe(0x33);
    await client.call(beginCorrection, PW);
    await client.call(sendTlv, { ...PW, tlv: encodeTlvs([tlvU32(1178, Date.UTC(2026, 10, 20) / 1000)]) });
    const answer = await client.call(correctionV2, ff4a);
    const doc = await bench.kkt.getDocument(answer.documentNumber);
    expect(doc).toMatchObject({
      kind: 'correction',
      operation: 'sale',
      total: 12_000,
      correction: { kind: 'self', date: '2026-11-20' },
      items: [{ name: 'Коррекция', sum: 12_000, vatRate: '10', vatSum: vatAmount(12_000, '10') }],
    });
    expect(answer.receiptNumber).toBe(1);
    expect(doc?.fiscalSign).toBe(String(answer.fiscalSign).padStart(10, '0'));
  });
});
