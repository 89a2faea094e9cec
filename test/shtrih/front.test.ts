import { afterEach, describe, expect, test } from 'vitest';
import { WireClient } from '../../src/shtrih/driver/wire-client.ts';
import { DeviceFront } from '../../src/shtrih/front/device-front.ts';
import {
  beep,
  beginOpenShift,
  cancelCheck,
  closeCheck,
  closeCheckEx,
  deviceType,
  exchangeStatus,
  findDocument,
  fnExpiry,
  fnNumber,
  fnResource,
  fnStatus,
  fullStatus,
  openCheck,
  openShift,
  operationV2,
  printString,
  sale,
  saleReturn,
  sendOperationTlv,
  sendTlv,
  shiftParameters,
  shortStatus,
  xReport,
  zReport,
} from '../../src/shtrih/protocol/commands/index.ts';
import { TAG } from '../../src/shtrih/protocol/document-tlv.ts';
import { DeviceRefusal } from '../../src/shtrih/protocol/errors.ts';
import { commandPayload, splitAnswer } from '../../src/shtrih/protocol/frame.ts';
import { encodeTlvs, tlvPadded, tlvString } from '../../src/shtrih/protocol/tlv.ts';
import { type Bench, emulator, FAST_LINK, memoryLine } from './support.ts';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A raw client (typed commands, nothing else) on a device front: what a third-party POS does. */
function device(
  o: { front?: ConstructorParameters<typeof DeviceFront>[1]; bench?: Partial<Parameters<typeof emulator>[0]> } = {},
) {
  const bench: Bench = emulator(o.bench ?? {});
  cleanups.push(() => bench.close());
  const line = memoryLine();
  const front = new DeviceFront(bench.kkt, o.front ?? {});
  const detach = front.attach(line.device);
  const client = new WireClient(line.host, { timeouts: FAST_LINK.timeouts, answerTimeoutMs: 2000 });
  cleanups.push(() => {
    client.detach();
    detach();
    line.close();
  });
  return { bench, front, client };
}

async function refusal(p: Promise<unknown>): Promise<number> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  if (!(e instanceof DeviceRefusal)) throw new Error(`expected a refusal, got ${String(e)}`);
  return e.wireCode;
}

describe('the legacy flow of pyshtrih (FCh, 10h, E0h, 8Dh, 80h, 85h, 41h)', () => {
  test('a cash sale with change, tax groups, printed strings and a beep', async () => {
    const { bench, client } = device();
    const type = await client.call(deviceType, {});
    expect(type.name).toContain('М-01Ф');
    expect((await client.call(shortStatus, { password: 1 })).mode).toBe(4);
    expect(await client.call(openShift, { password: 1 })).toEqual({ operator: 1 });
    expect((await client.call(shortStatus, { password: 1 })).mode).toBe(2);
    await client.call(beep, { password: 1 });
    await client.call(printString, { password: 1, flags: 2, text: 'Добро пожаловать' });
    await client.call(openCheck, { password: 1, type: 0 });
    const item = { password: 1, department: 1, taxes: [1, 0, 0, 0] as [number, number, number, number] };
    await client.call(sale, { ...item, quantity: 1000, price: 12345, text: 'Хлеб' });
    await client.call(sale, { ...item, quantity: 2500, price: 100, taxes: [4, 0, 0, 0], text: 'Пакет' });
    const s = await client.call(shortStatus, { password: 1 });
    expect(s).toMatchObject({ mode: 0x08, receiptOperations: 2 });
    const closed = await client.call(closeCheck, {
      password: 1,
      cash: 20000,
      payment2: 0,
      payment3: 0,
      payment4: 0,
      discount: 0,
      taxes: [0, 0, 0, 0],
      text: '',
    });
    expect(closed).toEqual({ operator: 1, change: 20000 - 12345 - 250 });
    const doc = await bench.kkt.getDocument(3);
    expect(doc).toMatchObject({
      kind: 'receipt',
      operation: 'sale',
      total: 12595,
      change: 7405,
      taxation: 'osn',
      payments: { cash: 20000, card: 0 },
      items: [
        { name: 'Хлеб', quantityMicro: 1_000_000, price: 12345, sum: 12345, vatRate: '20', vatSum: 2058 },
        { name: 'Пакет', quantityMicro: 2_500_000, price: 100, sum: 250, vatRate: 'none', vatSum: 0 },
      ],
    });
    await client.call(zReport, { password: 30 });
    const full = await client.call(fullStatus, { password: 30 });
    expect(full).toMatchObject({ mode: 4, lastClosedShift: 1, documentNumber: 4, inn: 7700000009 });
  });

  test('receipt types: a return inside a sale is refused (49h), in its own receipt it works; 88h cancels', async () => {
    const { bench, client } = device();
    const line = {
      password: 1,
      quantity: 1000,
      price: 500,
      department: 1,
      taxes: [2, 0, 0, 0] as [number, number, number, number],
      text: 'Товар',
    };
    await client.call(sale, line);
    expect(await refusal(client.call(saleReturn, line))).toBe(0x49);
    expect(await refusal(client.call(openCheck, { password: 1, type: 2 }))).toBe(0x4a);
    await client.call(cancelCheck, { password: 1 });
    expect(await refusal(client.call(cancelCheck, { password: 1 }))).toBe(0x55);
    await client.call(saleReturn, line);
    await client.call(closeCheck, {
      password: 1,
      cash: 0,
      payment2: 500,
      payment3: 0,
      payment4: 0,
      discount: 0,
      taxes: [0, 0, 0, 0],
      text: '',
    });
    expect(await bench.kkt.getDocument(3)).toMatchObject({
      operation: 'refund',
      payments: { card: 500 },
      items: [{ vatRate: '10' }],
    });
  });

  test('payments short of the total (45h), no receipt to close (55h), a 1 % discount folded into the line', async () => {
    const { client } = device();
    const close = {
      password: 1,
      cash: 100,
      payment2: 0,
      payment3: 0,
      payment4: 0,
      discount: 0,
      taxes: [0, 0, 0, 0] as [number, number, number, number],
      text: '',
    };
    expect(await refusal(client.call(closeCheck, close))).toBe(0x55);
    await client.call(sale, { password: 1, quantity: 1000, price: 500, department: 1, taxes: [0, 0, 0, 0], text: 'A' });
    expect(await refusal(client.call(closeCheck, close))).toBe(0x45);
    // 1 % off 5.00 is folded into the line (4.95), so 5.00 in cash leaves 0.05 change.
    expect((await client.call(closeCheck, { ...close, cash: 500, discount: 100 })).change).toBe(5);
  });
});

describe('the ФН-era flow of the Go driver (FF41h, FF0Ch, E0h, FF46h, FF45h)', () => {
  test('open a shift with the cashier, sell with FF46h, close with FF45h; the answer carries number, ФП and time', async () => {
    const { bench, client } = device();
    await client.call(beginOpenShift, { password: 30 });
    await client.call(sendTlv, { password: 30, tlv: encodeTlvs([tlvString(TAG.operator, 'Кассир 1')]) });
    await client.call(sendTlv, { password: 30, tlv: encodeTlvs([tlvPadded(1203, '500100732259', 12)]) });
    await client.call(openShift, { password: 30 });
    expect(await bench.kkt.getDocument(2)).toMatchObject({ kind: 'shiftOpen', cashier: 'Кассир 1' });
    const line = {
      password: 30,
      operation: 1,
      quantity: 1_500_000,
      price: 1000,
      sum: null,
      taxAmount: null,
      tax: 0x02,
      department: 1,
      paymentMethod: 4,
      paymentObject: 4,
      name: 'Стрижка'.padEnd(128, '\0'),
    };
    await client.call(operationV2, line);
    await client.call(sendOperationTlv, { password: 30, tlv: encodeTlvs([tlvString(1197, 'шт')]) });
    await client.call(sendTlv, { password: 30, tlv: encodeTlvs([tlvString(TAG.buyerContact, '+79161234567')]) });
    const payments = new Array<number>(16).fill(0);
    payments[1] = 1000;
    payments[4] = 500;
    const answer = await client.call(closeCheckEx, {
      password: 30,
      payments,
      rounding: 0,
      taxes: [0, 0, 0, 0, 0, 0],
      taxSystem: 2,
      text: '',
    });
    const doc = await bench.kkt.getDocument(3);
    expect(doc).toMatchObject({
      kind: 'receipt',
      taxation: 'usn_income',
      customerContact: '+79161234567',
      payments: { card: 1500, cash: 0 },
      items: [
        { name: 'Стрижка', quantityMicro: 1_500_000, sum: 1500, vatRate: '10', vatSum: 136, paymentObject: 'service' },
      ],
    });
    expect(answer).toEqual({
      change: 0,
      documentNumber: 3,
      fiscalSign: Number(doc?.fiscalSign),
      dateTime: { year: 2026, month: 11, day: 25, hour: 11, minute: 0 },
    });
    // The cashier of the shift report did not leak into the receipt.
    expect(doc && 'cashier' in doc).toBe(false);
  });

  test('FF46h refusals: unknown tax byte, bad operation, a line sum off by more than a kopeck', async () => {
    const { client } = device();
    const line = {
      password: 30,
      operation: 1,
      quantity: 1_000_000,
      price: 1000,
      sum: null as number | null,
      taxAmount: null,
      tax: 0x01,
      department: 1,
      paymentMethod: 4,
      paymentObject: 1,
      name: 'A',
    };
    expect(await refusal(client.call(operationV2, { ...line, tax: 0x03 }))).toBe(0x33);
    expect(await refusal(client.call(operationV2, { ...line, operation: 9 }))).toBe(0x33);
    expect(await refusal(client.call(operationV2, { ...line, sum: 1002 }))).toBe(0x33);
    expect(await refusal(client.call(operationV2, { ...line, name: '   ' }))).toBe(0x33);
    await client.call(operationV2, { ...line, sum: 1001 });
    expect(await refusal(client.call(operationV2, { ...line, operation: 2 }))).toBe(0x49);
  });

  test('index-mode tax bytes (javapos, Go): 3 is VAT 0 %, 4 is без НДС', async () => {
    const { bench, client } = device({ front: { taxByte: 'index' } });
    for (const tax of [3, 4]) {
      await client.call(operationV2, {
        password: 30,
        operation: 1,
        quantity: 1_000_000,
        price: 100,
        sum: null,
        taxAmount: null,
        tax,
        department: 1,
        paymentMethod: 4,
        paymentObject: 1,
        name: `tax ${tax}`,
      });
    }
    const payments = new Array<number>(16).fill(0);
    payments[0] = 200;
    await client.call(closeCheckEx, {
      password: 30,
      payments,
      rounding: 0,
      taxes: [0, 0, 0, 0, 0, 0],
      taxSystem: 0,
      text: '',
    });
    const doc = await bench.kkt.getDocument(3);
    expect(doc?.kind === 'receipt' && doc.items.map((i) => i.vatRate)).toEqual(['0', 'none']);
  });
});

describe('ФН queries, passwords and unknown commands', () => {
  test('FF01h, FF02h, FF03h, FF39h, FF40h, FF63h, FF0Ah describe the emulated ФН', async () => {
    const { bench, client } = device();
    await bench.kkt.printReceipt((await import('../helpers/kkt-fixtures.ts')).simpleSale());
    const s = await bench.kkt.status();
    expect(await client.call(fnStatus, { password: 30 })).toMatchObject({
      phase: 3,
      shiftOpen: true,
      fnNumber: s.fn.number,
      lastDocumentNumber: 3,
      dateTime: { year: 2026, month: 11, day: 25, hour: 11, minute: 0 },
    });
    expect(await client.call(fnNumber, { password: 30 })).toEqual({ fnNumber: s.fn.number });
    expect((await client.call(fnExpiry, { password: 30 })).expiry).toEqual({ year: 2028, month: 3, day: 9 });
    expect(await client.call(exchangeStatus, { password: 30 })).toMatchObject({
      messageCount: 3,
      firstDocumentNumber: 1,
    });
    expect(await client.call(shiftParameters, { password: 30 })).toEqual({
      shiftOpen: true,
      shiftNumber: 1,
      receiptNumber: 1,
    });
    expect(await client.call(fnResource, { password: 30 })).toMatchObject({ documentsLeft: 250_000 - 3 });
    expect(await client.call(findDocument, { password: 30, number: 3 })).toMatchObject({
      type: 3,
      ofdReceived: false,
      number: 3,
      details: { kind: 'receipt', operation: 1, total: 10_000 },
    });
    await bench.kkt.confirmDelivered([1]);
    expect(await client.call(findDocument, { password: 30, number: 1 })).toMatchObject({
      type: 1,
      ofdReceived: true,
      details: { kind: 'registration', inn: '7700000009', regNumber: '0000000001012345', taxation: 1 },
    });
    expect(await refusal(client.call(findDocument, { password: 30, number: 4 }))).toBe(0x08);
  });

  test('passwords: cashiers 1..28, administrator 29, system administrator 30', async () => {
    const { client } = device();
    expect(await refusal(client.call(shortStatus, { password: 0 }))).toBe(0x4f);
    expect(await refusal(client.call(shortStatus, { password: 31 }))).toBe(0x4f);
    expect(await refusal(client.call(xReport, { password: 28 }))).toBe(0x4f);
    expect(await client.call(xReport, { password: 29 })).toEqual({ operator: 29 });
    expect(await refusal(client.call(fnStatus, { password: 29 }))).toBe(0x4f);
    expect((await client.call(shortStatus, { password: 7 })).operator).toBe(7);
  });

  test('an unknown command gets 37h; a request cut short gets 7Eh', async () => {
    const { client } = device();
    const raw = async (payload: Buffer) => splitAnswer(await client.link.request(payload, { answerTimeoutMs: 1000 }));
    expect(await raw(commandPayload(0x99, Buffer.from([30, 0, 0, 0])))).toMatchObject({ code: 0x99, error: 0x37 });
    expect(await raw(commandPayload(0xff99, Buffer.from([30, 0, 0, 0])))).toMatchObject({ code: 0xff99, error: 0x37 });
    expect(await raw(commandPayload(0xff46, Buffer.from([30, 0, 0, 0, 1])))).toMatchObject({ error: 0x7e });
  });

  test('faults show in the status flags and refuse printing commands', async () => {
    const { bench, client } = device();
    bench.kkt.setFaults({ paperOut: true });
    expect(await client.call(shortStatus, { password: 1 })).toMatchObject({ flags: expect.any(Number), submode: 1 });
    expect((await client.call(shortStatus, { password: 1 })).flags & 0x02).toBe(0);
    expect(await refusal(client.call(printString, { password: 1, flags: 2, text: 'x' }))).toBe(0x6b);
    bench.kkt.setFaults({ paperOut: false, coverOpen: true });
    expect((await client.call(fullStatus, { password: 1 })).flags & 0x400).toBe(0x400);
    expect(
      await refusal(
        client.call(sale, { password: 1, quantity: 1000, price: 1, department: 0, taxes: [0, 0, 0, 0], text: 'x' }),
      ),
    ).toBe(0x7b);
  });
});
