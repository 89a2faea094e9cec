import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { MockOfdServer } from '../../src/mocks/mock-ofd.ts';
import { problemShape, sampleReceipt, startTestAdapter, type TestAdapter } from '../helpers/adapter.ts';

let t: TestAdapter;
let ofd: MockOfdServer;
beforeAll(async () => {
  ofd = new MockOfdServer({ port: 0, host: '127.0.0.1' });
  await ofd.start();
  t = await startTestAdapter({ KKT_OFD_API_URL: ofd.url, KKT_HLC_SYNC_INTERVAL: '600' });
});
afterAll(async () => {
  await t?.close();
  await ofd?.stop();
});

/** Every route that takes a body, with a field it reads (so the bad value sits where it is used). */
const BODY_ROUTES: [string, string, string][] = [
  ['POST', '/v1/kkt/receipt', 'cashier'],
  ['POST', '/v1/kkt/shift/open', 'cashier'],
  ['POST', '/v1/kkt/shift/close', 'cashier'],
  ['POST', '/v1/kkt/report/x', 'x'],
  ['POST', '/v1/kkt/buffer/sync', 'x'],
  ['POST', '/v1/kkt/buffer/retry', 'x'],
  ['PUT', '/v1/_emulator/faults', 'paper_out'],
  ['POST', '/v1/_emulator/clock', 'advance_seconds'],
  ['POST', '/v1/_emulator/reset', 'x'],
];

let seq = 0;
function send(method: string, path: string, raw: string | Buffer, contentType = 'application/json') {
  return t.request(method, path, {
    raw: raw as string,
    headers: { 'content-type': contentType, 'idempotency-key': `input-${++seq}` },
  });
}

describe('bodies are UTF-8 JSON, strictly', () => {
  test('a lone surrogate anywhere, on every route: 400 naming the field, never a 500, the device keeps working', async () => {
    const before = await t.lastDocNumber();
    for (const [method, path, field] of BODY_ROUTES) {
      for (const raw of [
        `{"${field}":"Ив\\ud800ан"}`,
        `{"${field}":"\\udfff"}`,
        `{"a":{"b":["ok","\\ud83d"]}}`,
        `{"\\ud800":1}`,
      ]) {
        const a = await send(method, path, raw);
        expect(a.status, `${method} ${path} ${raw}: ${a.text}`).toBe(400);
        const p = problemShape(a);
        expect(p.code).toBe('MALFORMED_REQUEST');
        expect(p.errors?.[0]?.message).toMatch(/surrogate/);
      }
      const named = problemShape(await send(method, path, `{"${field}":"\\ud800"}`));
      expect(named.errors?.[0]?.path).toBe(`/${field}`);
    }
    expect(await t.lastDocNumber()).toBe(before);
    // /shift/close used to stop the device (503 DEVICE_STOPPED): it still works.
    expect((await t.post('/v1/kkt/shift/open')).status).toBe(200);
    expect((await t.post('/v1/kkt/shift/close')).status).toBe(200);
  });

  test('1e309 (Infinity) in any number field, on every route: 400 naming the field', async () => {
    for (const [method, path, field] of BODY_ROUTES) {
      const a = await send(method, path, `{"${field}":1e309}`);
      expect(a.status, `${method} ${path}: ${a.text}`).toBe(400);
      expect(problemShape(a).errors?.[0]).toEqual({ path: `/${field}`, message: 'is a number out of range' });
    }
    const receipt = await send(
      'POST',
      '/v1/kkt/receipt',
      JSON.stringify(sampleReceipt()).replace('"price":100', '"price":-1e309'),
    );
    expect(receipt.status).toBe(400);
    expect(problemShape(receipt).errors?.[0]?.path).toBe('/items/0/price');
  });

  test('a declared charset other than UTF-8 → 415; invalid UTF-8 → 400 naming the field; nothing printed', async () => {
    let before = await t.lastDocNumber();
    const body = JSON.stringify(
      sampleReceipt({ items: [{ name: 'Линза', price: 100, quantity: 1 }], payments: [{ type: 'cash', amount: 100 }] }),
    );
    for (const type of [
      'application/json; charset=windows-1251',
      'application/json;charset="KOI8-R"',
      'application/json; charset=latin1',
    ]) {
      const a = await send('POST', '/v1/kkt/receipt', body, type);
      expect(a.status, type).toBe(415);
      expect(problemShape(a).code).toBe('UNSUPPORTED_CHARSET');
    }
    expect(await t.lastDocNumber()).toBe(before);
    expect((await send('POST', '/v1/kkt/receipt', body, 'application/json; charset=UTF-8')).status).toBe(200);
    before = await t.lastDocNumber();
    // "Линза" in windows-1251 bytes: not UTF-8.
    const cp1251 = Buffer.concat([
      Buffer.from(body.slice(0, body.indexOf('Линза'))),
      Buffer.from([0xcb, 0xe8, 0xed, 0xe7, 0xe0]),
      Buffer.from(body.slice(body.indexOf('Линза') + 5)),
    ]);
    const bad = await t.request('POST', '/v1/kkt/receipt', {
      raw: cp1251 as unknown as string,
      headers: { 'content-type': 'application/json', 'idempotency-key': 'cp1251' },
    });
    expect(bad.status, bad.text).toBe(400);
    const p = problemShape(bad);
    expect(p.code).toBe('INVALID_UTF8');
    expect(p.errors?.[0]?.path).toBe('/items/0/name');
    expect(await t.lastDocNumber()).toBe(before);
  });

  test('text a printer would mangle or that could forge a receipt line is refused, with its field', async () => {
    const before = await t.lastDocNumber();
    const names = [
      'Tea\u0000',
      'Tea\u001b[1mFREE',
      'Tea\r\nИТОГ: 0.00',
      'Tea\nline',
      'Tea\u007f',
      'Tea\u0085',
      'Tea\u2028x',
      'Price \u202e001',
      '\u2066Tea\u2069',
      '\u200b\u200b',
      '\u200d \ufeff',
      'Tea\ufffd',
    ];
    for (const name of names) {
      const a = await t.receipt(`mangle-${++seq}`, sampleReceipt({ items: [{ name, price: 200, quantity: 1 }] }));
      expect(a.status, JSON.stringify(name)).toBe(400);
      const p = problemShape(a);
      expect(
        p.errors?.map((e) => e.path),
        JSON.stringify(name),
      ).toContain('/items/0/name');
      const c = await t.receipt(`mangle-${++seq}`, sampleReceipt({ cashier: name }));
      expect(c.status, JSON.stringify(name)).toBe(400);
      expect(problemShape(c).errors?.map((e) => e.path)).toContain('/cashier');
      const shift = await t.post('/v1/kkt/shift/open', { cashier: name });
      expect(shift.status, JSON.stringify(name)).toBe(400);
      expect(problemShape(shift).errors?.[0]?.path).toBe('/cashier');
    }
    expect(await t.lastDocNumber()).toBe(before);
    // Ordinary text still prints: Cyrillic, quotes, emoji, a zero-width joiner inside a word.
    for (const name of ['Чай «Бодрость» 100 г', 'Кофе ☕', 'Family 👨‍👩‍👧', "O'Neil & Sons"]) {
      const ok = await t.receipt(`ok-${++seq}`, sampleReceipt({ items: [{ name, price: 200, quantity: 1 }] }));
      expect(ok.status, `${name}: ${ok.text}`).toBe(200);
    }
  });
});

/** Raw bytes on a socket: what Node's parser refuses before fastify sees it. */
function rawHttp(url: string, bytes: string): Promise<string> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const s = connect(Number(u.port), u.hostname);
    let text = '';
    s.setEncoding('latin1');
    s.on('data', (c) => {
      text += c;
    });
    s.on('close', () => resolve(text));
    s.on('error', reject);
    s.write(bytes);
  });
}

describe('every error of the HTTP layer is problem+json, without internals', () => {
  test('431, 414, 400 bad URL, malformed HTTP, bad JSON', async () => {
    const host = new URL(t.url).host;
    const big = await rawHttp(
      t.url,
      `GET /v1/kkt/status HTTP/1.1\r\nHost: ${host}\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
    );
    expect(big).toMatch(/^HTTP\/1\.1 431/);
    expect(big).toMatch(/content-type: application\/problem\+json/i);
    expect(big).toContain('"code":"HEADERS_TOO_LARGE"');
    const garbage = await rawHttp(t.url, 'NOT HTTP AT ALL\r\n\r\n');
    expect(garbage).toMatch(/^HTTP\/1\.1 400/);
    expect(garbage).toContain('"code":"MALFORMED_REQUEST"');
    const badUrl = await t.get('/v1/kkt/receipt/%E0%A4%A');
    expect(badUrl.status).toBe(400);
    expect(problemShape(badUrl).code).toBe('MALFORMED_REQUEST');
    const longParam = await t.get(`/v1/kkt/receipt/${'x'.repeat(600)}`);
    expect([404, 414]).toContain(longParam.status);
    problemShape(longParam);
    const badJson = await send('POST', '/v1/kkt/receipt', '{"type": sale}');
    expect(badJson.status).toBe(400);
    const p = problemShape(badJson);
    expect(p.detail).toBe('the body is not valid JSON');
    for (const a of [badJson, badUrl]) expect(a.text).not.toMatch(/Unexpected token|node_modules|\/work\/|SQLITE/);
  });
});
