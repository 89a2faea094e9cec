import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import { afterEach, describe, expect, test } from 'vitest';
import { type Stack, type StackOptions, startStack } from '../../src/entry/start-stack.ts';
import { API_T0 } from '../helpers/adapter.ts';
import { type Json, PosClient, sellTask } from './pos-client.ts';

/**
 * kkt-emu's ATOL Web Requests server driven as a POS written for ATOL registers drives it:
 * a uuid per request, POST /api/v2/requests, GET until every task is final. Every answer is
 * checked against the schemas written from ATOL's OpenAPI description (schemas.ts).
 */

const stacks: Stack[] = [];
async function start(env: Record<string, string> = {}, options: StackOptions = {}) {
  const stack = await startStack({ env, clockStart: API_T0, manualClock: true, ...options });
  stacks.push(stack);
  return { stack, pos: new PosClient(stack.atolUrl) };
}
afterEach(async () => {
  await Promise.all(stacks.splice(0).map((s) => s.stop()));
});

const TAXES = ['none', 'vat0', 'vat5', 'vat7', 'vat10', 'vat22', 'vat105', 'vat107', 'vat110', 'vat122'];
const V1_RATE: Record<string, string> = {
  none: 'none',
  vat0: '0',
  vat5: '5',
  vat7: '7',
  vat10: '10',
  vat22: '22',
  vat105: '5/105',
  vat107: '7/107',
  vat110: '10/110',
  vat122: '22/122',
};
const PAYMENTS: [unknown, string][] = [
  ['cash', 'cash'],
  ['electronically', 'card'],
  ['prepaid', 'prepaid'],
  ['credit', 'credit'],
  ['credir', 'credit'],
  ['other', 'other'],
  [0, 'cash'],
  [1, 'card'],
  [2, 'prepaid'],
  [3, 'credit'],
  [4, 'other'],
  [7, 'other'],
];

async function lastDoc(stack: Stack): Promise<number> {
  return (await stack.device.status()).fn.lastFiscalDocNumber;
}

describe('a POS day over /api/v2', () => {
  test('open shift, sales with every payment type and tax rate, a refund, a correction, cash in and out, X report, close shift', async () => {
    const { stack, pos } = await start();
    const info = await pos.call('GET', '/api/v2/serverInfo');
    expect(info.status).toBe(200);
    expect((await pos.call('GET', '/api/v2/devices')).body[0].id).toBe('default');

    const [open] = await pos.run([{ type: 'openShift', operator: { name: 'Иванов' } }]);
    expect(open.status).toBe('ready');
    expect(open.error).toEqual({ code: 0, description: 'Ошибок нет' });
    expect(open.result.fiscalParams).toMatchObject({ fiscalDocumentNumber: 2, shiftNumber: 1 });

    const receipts: Json[] = [];
    for (const [i, [type, expected]] of PAYMENTS.entries()) {
      const tax = TAXES[i % TAXES.length] as string;
      // Numeric paymentObject and a 2108 code as measurementUnit on every other sale.
      const item = i % 2 ? { paymentObject: 1, measurementUnit: 11, tax: { type: tax } } : { tax: { type: tax } };
      const [r] = await pos.run([sellTask({ payments: [{ type, sum: 146.3 }] }, item)]);
      expect(r.status, JSON.stringify(r)).toBe('ready');
      receipts.push(r.result);
      const stored = stack.adapter.driver;
      const doc = await stored.getDocument(r.result.fiscalParams.fiscalDocumentNumber);
      expect(doc?.kind).toBe('receipt');
      if (doc?.kind === 'receipt') {
        expect(doc.payments[expected as 'cash']).toBe(14630);
        expect(doc.items[0]?.vatRate).toBe(V1_RATE[tax]);
      }
    }
    const numbers = receipts.map((r) => r.fiscalParams.fiscalDocumentNumber);
    expect(numbers).toEqual(PAYMENTS.map((_, i) => i + 3));
    expect(receipts.map((r) => r.fiscalParams.fiscalReceiptNumber)).toEqual(PAYMENTS.map((_, i) => i + 1));
    for (const r of receipts) {
      expect(r.fiscalParams.total).toBe(146.3);
      expect(r.fiscalParams.fiscalDocumentSign).toMatch(/^\d{10}$/);
      expect(r.warnings).toEqual({ notPrinted: false });
    }
    const [refund] = await pos.run([sellTask({ type: 'sellReturn' })]);
    expect(refund.status).toBe('ready');
    const [buy, buyReturn] = await pos.run([sellTask({ type: 'buy' }), sellTask({ type: 'buyReturn' })]);
    expect([buy.status, buyReturn.status]).toEqual(['ready', 'ready']);
    // A correction of a sale the register missed, and cash in and out of the drawer.
    const [correction] = await pos.run([
      sellTask({ type: 'sellCorrection', correctionType: 'self', correctionBaseDate: '2026.11.20' }),
    ]);
    expect(correction.status, JSON.stringify(correction)).toBe('ready');
    expect(correction.result.fiscalParams.fiscalReceiptNumber).toBe(PAYMENTS.length + 4);
    const [cashIn, cashOut] = await pos.run([
      { type: 'cashIn', cashSum: 1000, operator: { name: 'Иванов' } },
      { type: 'cashOut', cashSum: 250.5 },
    ]);
    expect([cashIn.status, cashOut.status]).toEqual(['ready', 'ready']);
    expect(cashOut.result.counters.cashSum).toBe(cashIn.result.counters.cashSum - 250.5);

    const [x, totals] = await pos.run([{ type: 'reportX' }, { type: 'getShiftTotals' }]);
    expect(x).toMatchObject({ status: 'ready', result: null });
    expect(totals.result.shiftTotals.receiptsTotals.sell.count).toBe(PAYMENTS.length);
    expect(totals.result.shiftTotals.receiptsTotals.sellReturn.count).toBe(1);

    const [close] = await pos.run([{ type: 'closeShift' }]);
    expect(close.status).toBe('ready');
    expect(close.result.fiscalParams.receiptsCount).toBe(PAYMENTS.length + 4);
    const [shift] = await pos.run([{ type: 'getShiftStatus' }]);
    expect(shift.result.shiftStatus.state).toBe('closed');

    // The ATOL receipts are the adapter's receipts: in the buffer, and at the ОФД exactly once.
    const buffer: Json = await (await fetch(`${stack.url}/v1/kkt/buffer/status`)).json();
    expect(buffer.total_receipts).toBe(PAYMENTS.length + 4);
    await stack.sync();
    const atOfd = stack.ofd.receipts();
    expect(atOfd.length).toBe(PAYMENTS.length + 3);
    const corrected = correction.result.fiscalParams.fiscalDocumentNumber;
    expect(stack.ofd.arrivals().filter((d) => d.fiscal_doc_number === corrected)).toHaveLength(1);
    const arrived = stack.ofd.arrivals().length;
    await stack.sync();
    expect(stack.ofd.receipts().length).toBe(PAYMENTS.length + 3);
    expect(stack.ofd.arrivals().length).toBe(arrived);
    const health: Json = await (await fetch(`${stack.url}/v1/health`)).json();
    expect(health.components.atol).toMatchObject({
      url: stack.atolUrl,
      status: 'listening',
      waiting: 0,
      blocked_uuid: null,
    });
  });

  test('every query task answers with its result shape', async () => {
    const { pos } = await start();
    const types = [
      'getDeviceStatus',
      'getShiftStatus',
      'getShiftTotals',
      'getFnInfo',
      'getFnStatus',
      'ofdExchangeStatus',
      'getRegistrationInfo',
      'getDeviceInfo',
      'continuePrint',
      'printLastReceiptCopy',
      'openCashDrawer',
    ];
    await pos.run([sellTask()]);
    const results = await pos.run(types.map((type) => ({ type })));
    for (const [i, r] of results.entries()) expect(r.status, types[i]).toBe('ready');
    const [last] = await pos.run([{ type: 'getLastFiscalParams', forReceipt: true }]);
    expect(last.result.fiscalParams.fiscalDocumentNumber).toBe(3);
    for (const op of [
      'queryDeviceInfo',
      'queryDeviceStatus',
      'queryShiftStatus',
      'queryShiftTotals',
      'queryIncomeTotals',
      'queryOutcomeTotals',
      'queryReceiptTotals?type=sell',
      'queryFnInfo',
      'queryFnStatus',
      'queryOfdExchangeStatus',
      'queryLicenses',
    ]) {
      const a = await pos.call('POST', `/api/v2/operations/${op}`);
      expect(a.status, op).toBe(200);
    }
    expect((await pos.call('GET', '/api/v2/getRequestsQueueStatus')).body).toMatchObject({
      number: 0,
      isBlocked: false,
    });
  });

  test('request as one object; infoDiscountSum; text items are printed, not fiscalized', async () => {
    const { pos } = await start();
    const task = sellTask({}, { infoDiscountSum: 5, infoDiscountAmount: undefined });
    task.items.unshift({ type: 'text', text: 'Спасибо!' });
    const [r] = await pos.run(task);
    expect(r.status, JSON.stringify(r)).toBe('ready');
  });
});

describe('errors as the real server gives them', () => {
  test('after the first error the rest of the request is interrupted (502)', async () => {
    const { stack, pos } = await start();
    const before = await lastDoc(stack);
    const results = await pos.run([{ type: 'closeShift' }, sellTask(), { type: 'getDeviceStatus' }]);
    expect(results.map((r) => r.status)).toEqual(['error', 'interrupted', 'interrupted']);
    expect(results[0].error).toEqual({ code: 73, description: 'Смена закрыта - операция невозможна' });
    expect(results[0].errorCode).toBe(73);
    expect(results[1].error).toEqual({ code: 502, description: 'Выполнение прервано из-за предыдущих ошибок' });
    expect(await lastDoc(stack)).toBe(before);
  });

  test.each([
    ['not fully paid', { payments: [{ type: 'cash', sum: 100 }] }, {}, 66],
    ['non-cash beyond the total', { payments: [{ type: 'electronically', sum: 200 }] }, {}, 52],
    ['an unknown tax type', {}, { tax: { type: 'vat18' } }, 144],
    ['an unknown taxation type', { taxationType: 'envd' }, {}, 143],
    ['a payment type the spec lacks', { payments: [{ type: 'bitcoin', sum: 146.3 }] }, {}, 60],
    ['amount ≠ price × quantity', {}, { amount: 140 }, 16],
    ['a zero quantity', {}, { quantity: 0, amount: 0 }, 17],
    ['an unknown measurementUnit code', {}, { measurementUnit: 99 }, 13],
    ['an unknown paymentObject', {}, { paymentObject: 'spaceship' }, 13],
  ])('%s → the driver code, nothing printed', async (_label, overrides, item, code) => {
    const { stack, pos } = await start();
    const before = await lastDoc(stack);
    const [r] = await pos.run([sellTask(overrides, item)]);
    expect(r.status).toBe('error');
    expect(r.error.code).toBe(code);
    expect(await lastDoc(stack)).toBe(before);
  });

  test('an unknown task type is 501; a cash task without cashSum is 8', async () => {
    const { pos } = await start();
    const [unknown] = await pos.run([{ type: 'makeCoffee' }]);
    expect(unknown.error.code).toBe(501);
    expect(unknown.error.description).toMatch(/^Ошибка парсинга запроса/);
    const [bad] = await pos.run([{ type: 'cashOut' }]);
    expect(bad.error.code).toBe(8);
  });

  test('HTTP errors: 400 without request, 404 unknown uuid or device, ATOL error bodies', async () => {
    const { pos } = await start();
    const empty = await pos.call('POST', '/api/v2/requests', { uuid: 'u1', request: [] });
    expect(empty.status).toBe(400);
    expect(empty.body.error.description).toBe("Поле 'request' не задано или пустое");
    expect((await pos.call('POST', '/api/v2/requests', '{"uuid":')).status).toBe(400);
    const missing = await pos.results('nope');
    expect(missing.status).toBe(404);
    expect(missing.body.error.description).toBe('Задание с UUID [nope] для устройства [default] не найдено');
    const device = await pos.call('GET', '/api/v2/getRequestsQueueStatus?deviceID=77');
    expect(device.status).toBe(404);
    expect(device.body.error.description).toBe('Устройство с ID [77] не найдено');
  });

  test('validateRequestsOnAdd: an invalid task is 420 at POST and never queued', async () => {
    const { pos } = await start({ KKT_ATOL_VALIDATE_ON_ADD: 'true' });
    const uuid = randomUUID();
    const a = await pos.post([{ type: 'openShift' }, sellTask({}, { tax: { type: 'vat18' } })], uuid);
    expect(a.status).toBe(420);
    expect(a.body.error.code).toBe(144);
    expect((await pos.results(uuid)).status).toBe(404);
    expect((await pos.call('GET', '/api/v2/settings')).body.validateRequestsOnAdd).toBe(true);
  });
});

describe('vat20 on a 2026 document (KKT_ATOL_VAT20_2026, unconfirmed for ATOL)', () => {
  test('accept (default): printed at 20 % with the /v1 warning', async () => {
    const { stack, pos } = await start();
    const [r] = await pos.run([sellTask({}, { tax: { type: 'vat20' } })]);
    expect(r.status).toBe('ready');
    expect(r.result.warnings.messages[0]).toMatch(/pre-2026 general rate/);
    const doc = await stack.device.getDocument(r.result.fiscalParams.fiscalDocumentNumber);
    expect(doc?.kind === 'receipt' && doc.items[0]?.vatRate).toBe('20');
  });
  test('substitute: printed at 22 %', async () => {
    const { stack, pos } = await start({ KKT_ATOL_VAT20_2026: 'substitute' });
    const [r] = await pos.run([sellTask({}, { tax: { type: 'vat120' } })]);
    const doc = await stack.device.getDocument(r.result.fiscalParams.fiscalDocumentNumber);
    expect(doc?.kind === 'receipt' && doc.items[0]?.vatRate).toBe('22/122');
  });
  test('reject: error 144', async () => {
    const { pos } = await start({ KKT_ATOL_VAT20_2026: 'reject' });
    const [r] = await pos.run([sellTask({}, { tax: { type: 'vat20' } })]);
    expect(r.error).toEqual({ code: 144, description: 'Недопустимый номер ставки налога' });
  });
});

describe('the queue', () => {
  test('a uuid is accepted once: 409 on a replay, no second document', async () => {
    const { stack, pos } = await start();
    const uuid = randomUUID();
    const [r] = await pos.run([sellTask()], uuid);
    expect(r.status).toBe('ready');
    const before = await lastDoc(stack);
    const again = await pos.post([sellTask()], uuid);
    expect(again.status).toBe(409);
    expect(again.body.error.description).toBe(
      `Не удалось добавить задание с UUID [${uuid}], задание с таким UUID уже есть`,
    );
    // Even a replay racing itself: one 201, the rest 409.
    const racing = randomUUID();
    const answers = await Promise.all(Array.from({ length: 5 }, () => pos.post([sellTask()], racing)));
    expect(answers.map((a) => a.status).sort()).toEqual([201, 409, 409, 409, 409]);
    await pos.waitFor(racing);
    expect(await lastDoc(stack)).toBe(before + 1);
    expect((await pos.results(uuid)).body.results[0]).toEqual(r);
  });

  test('DELETE cancels a request still waiting; a running one is 409', async () => {
    const { stack, pos } = await start({ KKT_PRINT_DELAY_MS: '600' });
    const first = randomUUID();
    const second = randomUUID();
    expect((await pos.post([sellTask()], first)).status).toBe(201);
    // Receipt-only requests run side by side; one with a query in it waits its turn.
    const added = await pos.post([sellTask(), { type: 'getDeviceStatus' }], second);
    expect(added.body.number).toBeGreaterThan(0);
    // The first is printing, the second waits behind it.
    for (let i = 0; i < 100 && (await pos.results(first)).body.results[0].status !== 'inProgress'; i++)
      await new Promise((r) => setTimeout(r, 10));
    expect((await pos.results(second)).body.results[0].status).toBe('wait');
    expect((await pos.call('DELETE', `/api/v2/requests/${first}`)).status).toBe(409);
    expect((await pos.call('DELETE', `/api/v2/requests/${second}`)).status).toBe(200);
    expect((await pos.results(second)).body.results.map((r: Json) => r.status)).toEqual(['canceled', 'canceled']);
    expect((await pos.call('DELETE', `/api/v2/requests/${second}`)).status).toBe(409);
    expect((await pos.waitFor(first))[0].status).toBe('ready');
    expect((await pos.call('GET', '/api/v2/getRequestsQueueStatus')).body).toMatchObject({ canceled: 1, ready: 1 });
    expect(await lastDoc(stack)).toBe(3);
  });

  test('50 concurrent requests from different uuids: contiguous document numbers', async () => {
    const { stack, pos } = await start();
    const results = await Promise.all(Array.from({ length: 50 }, () => pos.run([sellTask()])));
    const numbers = results.map(([r]) => r.result.fiscalParams.fiscalDocumentNumber).sort((a, b) => a - b);
    expect(numbers).toEqual(Array.from({ length: 50 }, (_, i) => i + 3));
    expect(await lastDoc(stack)).toBe(52);
  });

  test('callbacks.resultUrl gets the results and the uuid when the request is done', async () => {
    const { pos } = await start();
    const got: Json[] = [];
    const server = createServer((req: IncomingMessage, res) => {
      let body = '';
      req.on('data', (c) => {
        body += c;
      });
      req.on('end', () => {
        got.push(JSON.parse(body));
        res.end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const address = server.address() as { port: number };
      const uuid = randomUUID();
      const a = await pos.post([sellTask()], uuid, {
        callbacks: { resultUrl: `http://127.0.0.1:${address.port}/ready?id=1` },
      });
      expect(a.status).toBe(201);
      await pos.waitFor(uuid);
      for (let i = 0; i < 100 && got.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
      expect(got).toHaveLength(1);
      expect(got[0].uuid).toBe(uuid);
      expect(got[0].results[0].status).toBe('ready');
    } finally {
      server.close();
    }
  });

  test('finished requests expire after deleteRequestsAfter (then 404)', async () => {
    const { stack, pos } = await start({ KKT_ATOL_DELETE_REQUESTS_AFTER: '1' });
    const uuid = randomUUID();
    await pos.run([{ type: 'getDeviceStatus' }], uuid);
    expect((await pos.call('GET', '/api/v2/settings')).body.deleteRequestsAfter).toBe(1);
    // The store forgets what finished more than a minute ago.
    const { AtolQueueStore } = await import('../../src/io/sqlite/atol-queue-store.ts');
    const { join } = await import('node:path');
    const s = new AtolQueueStore(join(stack.dataDir, 'atol.db'));
    try {
      expect(s.deleteExpired(Date.now() + 61_000)).toBe(1);
    } finally {
      s.close();
    }
    expect((await pos.results(uuid)).status).toBe(404);
  });
});

describe('HTTP Basic auth', () => {
  test('off by default; with KKT_ATOL_USER/PASSWORD every call but serverInfo needs it', async () => {
    const open = await start();
    expect((await open.pos.call('GET', '/api/v2/getRequestsQueueStatus')).status).toBe(200);

    const { stack } = await start({ KKT_ATOL_USER: 'cashier', KKT_ATOL_PASSWORD: 'Secret-Passw0rd' });
    const anonymous = new PosClient(stack.atolUrl);
    expect((await anonymous.call('GET', '/api/v2/serverInfo')).status).toBe(200);
    const denied = await anonymous.post([sellTask()]);
    expect(denied.status).toBe(401);
    expect(denied.headers.get('www-authenticate')).toMatch(/^Basic/);
    expect(denied.body.error.code).toBe(505);
    const wrong = new PosClient(stack.atolUrl, { user: 'cashier', password: 'nope' });
    expect((await wrong.call('GET', '/api/v2/getRequestsQueueStatus')).status).toBe(401);
    const right = new PosClient(stack.atolUrl, { user: 'cashier', password: 'Secret-Passw0rd' });
    const [r] = await right.run([sellTask()]);
    expect(r.status).toBe('ready');
  });
});
