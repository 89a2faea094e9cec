import { afterEach, describe, expect, test } from 'vitest';
import { problemShape, sampleReceipt, startTestAdapter, type TestAdapter } from '../helpers/adapter.ts';

const running: TestAdapter[] = [];
async function start(env: Record<string, string> = {}): Promise<TestAdapter> {
  const t = await startTestAdapter(env);
  running.push(t);
  return t;
}
afterEach(async () => {
  await Promise.all(running.splice(0).map((t) => t.close()));
});

const TOKEN = 'test-token-0123456789';
const AUTH = { authorization: `Bearer ${TOKEN}` };

describe('KKT_API_TOKEN', () => {
  test('without a token or with a wrong one: 401 problem+json with WWW-Authenticate', async () => {
    const t = await start({ KKT_API_TOKEN: TOKEN });
    const attempts: Record<string, string>[] = [
      {},
      { authorization: 'Bearer wrong' },
      { authorization: `Bearer ${TOKEN}x` },
      { authorization: `bearer-${TOKEN}` },
      { authorization: TOKEN },
      { authorization: `Basic ${Buffer.from(`user:${TOKEN}`).toString('base64')}` },
      { authorization: 'Bearer ' },
    ];
    for (const headers of attempts) {
      for (const path of ['/v1/kkt/status', '/v1/health', '/v1/kkt/buffer/status', '/v1/kkt/receipt/x']) {
        const a = await t.get(path, headers);
        expect(a.status, `${path} ${JSON.stringify(headers)}`).toBe(401);
        expect(problemShape(a).code).toBe('UNAUTHORIZED');
        expect(a.headers.get('www-authenticate')).toMatch(/^Bearer/);
      }
    }
    // A receipt without the token is refused before anything is printed.
    const r = await t.receipt('no-auth', sampleReceipt());
    expect(r.status).toBe(401);
    expect(problemShape(r).code).toBe('UNAUTHORIZED');
    const status = await t.get('/v1/kkt/status', AUTH);
    expect(status.body.fn.last_fiscal_doc_number).toBe(1);
  });

  test('the right token is let through on every /v1 route', async () => {
    const t = await start({ KKT_API_TOKEN: TOKEN });
    expect((await t.get('/v1/kkt/status', AUTH)).status).toBe(200);
    expect((await t.get('/v1/health', AUTH)).status).toBe(200);
    const r = await t.receipt('auth-1', sampleReceipt(), AUTH);
    expect(r.status, r.text).toBe(200);
    expect((await t.get(`/v1/kkt/receipt/${r.body.receipt_id}`, AUTH)).status).toBe(200);
    expect((await t.request('PUT', '/v1/_emulator/faults', { json: {}, headers: AUTH })).status).toBe(200);
    // The emulator controls are /v1 routes too.
    expect((await t.request('PUT', '/v1/_emulator/faults', { json: {} })).status).toBe(401);
  });

  test('percent-encoded paths do not bypass the token', async () => {
    const t = await start({ KKT_API_TOKEN: TOKEN });
    for (const path of ['/%761/kkt/status', '/v%31/kkt/status', '/%76%31/kkt/buffer/status', '/v1/kkt/%73tatus']) {
      const a = await t.get(path);
      expect(a.status, path).toBe(401);
    }
    const r = await t.request('POST', '/%761/kkt/receipt', {
      json: sampleReceipt(),
      headers: { 'idempotency-key': 'encoded' },
    });
    expect(r.status).toBe(401);
    expect((await t.get('/v1/kkt/status', AUTH)).body.fn.last_fiscal_doc_number).toBe(1);
  });

  test("/docs and /docs/json need the token too (header, or the inspector page's cookie)", async () => {
    const t = await start({ KKT_API_TOKEN: TOKEN });
    for (const path of ['/docs', '/docs/json', '/inspect/machines', '/inspect/events']) {
      const a = await t.get(path);
      expect(a.status, path).toBe(401);
      expect(problemShape(a).code).toBe('UNAUTHORIZED');
    }
    // The inspector's page shell is a static file: it stays open so it can ask for the token.
    expect((await t.get('/inspect')).status).toBe(200);
    const ui = await t.get('/docs', AUTH);
    expect(ui.status).toBe(200);
    expect(ui.contentType).toMatch(/text\/html/);
    expect((await t.get('/docs/json', { cookie: `kkt_api_token=${TOKEN}` })).status).toBe(200);
    // A lowercase scheme is the same scheme (RFC 9110 §11.1).
    expect((await t.get('/v1/kkt/status', { authorization: `bearer ${TOKEN}` })).status).toBe(200);
    expect((await t.get('/v1/kkt/status', { authorization: `BEARER  ${TOKEN}` })).status).toBe(200);
    // The cookie is for pages that cannot send a header: never for /v1.
    expect((await t.get('/v1/kkt/status', { cookie: `kkt_api_token=${TOKEN}` })).status).toBe(401);
    const doc = await t.get('/docs/json', AUTH);
    expect(doc.status).toBe(200);
    // The document declares the bearer scheme it needs.
    expect(doc.body.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.body.security).toEqual([{ bearer: [] }]);
  });

  test('without KKT_API_TOKEN no authorization is needed, and any header is ignored', async () => {
    const t = await start();
    expect((await t.get('/v1/kkt/status')).status).toBe(200);
    expect((await t.get('/v1/kkt/status', { authorization: 'Bearer whatever' })).status).toBe(200);
    expect((await t.receipt('open-1', sampleReceipt())).status).toBe(200);
    const doc = await t.get('/docs/json');
    expect(doc.body.security).toBeUndefined();
  });
});

describe('KKT_MODE', () => {
  const emulatorCalls: [string, string, unknown][] = [
    ['PUT', '/v1/_emulator/faults', { paper_out: true }],
    ['POST', '/v1/_emulator/clock', { advance_seconds: 60 }],
    ['POST', '/v1/_emulator/reset', undefined],
  ];

  test('production: every /v1/_emulator route is 404 problem+json; the adapter still works', async () => {
    const t = await start({ KKT_MODE: 'production' });
    for (const [method, path, json] of emulatorCalls) {
      const a = await t.request(method, path, json === undefined ? {} : { json });
      expect(a.status, `${method} ${path}`).toBe(404);
      expect(problemShape(a).code).toBe('NOT_FOUND');
    }
    const status = await t.get('/v1/kkt/status');
    expect(status.status).toBe(200);
    expect(status.body.faults.paper_out).toBe(false);
    const doc = await t.get('/docs/json');
    expect(Object.keys(doc.body.paths).filter((p) => p.startsWith('/v1/_emulator'))).toEqual([]);
    const r = await t.receipt('prod-1', sampleReceipt());
    expect(r.status, r.text).toBe(200);
  });

  test('mock: the emulator routes are present', async () => {
    const t = await start({ KKT_MODE: 'mock' });
    for (const [method, path, json] of emulatorCalls) {
      const a = await t.request(method, path, json === undefined ? {} : { json });
      expect(a.status, `${method} ${path}: ${a.text}`).toBe(200);
    }
    const doc = await t.get('/docs/json');
    expect(Object.keys(doc.body.paths)).toEqual(
      expect.arrayContaining(['/v1/_emulator/faults', '/v1/_emulator/clock', '/v1/_emulator/reset']),
    );
  });

  test('the emulator routes validate their bodies', async () => {
    const t = await start();
    for (const [method, path, json] of [
      ['POST', '/v1/_emulator/clock', { advance_seconds: -1 }],
      ['POST', '/v1/_emulator/clock', {}],
      ['POST', '/v1/_emulator/clock', { advance_seconds: 'soon' }],
      ['PUT', '/v1/_emulator/faults', { paper_out: 'yes' }],
    ] as const) {
      const a = await t.request(method, path, { json });
      expect(a.status, `${path} ${JSON.stringify(json)}`).toBe(400);
      problemShape(a);
    }
  });
});

describe('shift routes', () => {
  test('open, open again, X report, Z report with counters', async () => {
    const t = await start();
    const open = await t.post('/v1/kkt/shift/open');
    expect(open.status, open.text).toBe(200);
    expect(open.body).toMatchObject({ type: 'shift_open', fiscal_doc_number: 2, shift_number: 1 });
    expect(open.body.fiscal_sign).toMatch(/^\d{10}$/);
    expect(open.body.fiscal_datetime).toBe('2026-11-25T11:00:00+03:00');
    expect(open.body.fn_number).toMatch(/^9999\d{12}$/);

    const again = await t.post('/v1/kkt/shift/open', { cashier: 'Петров П.П.' });
    expect(again.status).toBe(409);
    expect(problemShape(again).code).toBe('SHIFT_ALREADY_OPEN');
    expect(await t.lastDocNumber()).toBe(2);

    expect((await t.receipt('s-1', sampleReceipt())).status).toBe(200);
    expect((await t.receipt('s-2', sampleReceipt({ payments: [{ type: 'card', amount: 200 }] }))).status).toBe(200);
    const refund = await t.receipt(
      's-3',
      sampleReceipt({
        type: 'refund',
        items: [{ name: 'Lens', price: 50, quantity: 1, vat_rate: 22 }],
        payments: [{ type: 'cash', amount: 50 }],
      }),
    );
    expect(refund.status, refund.text).toBe(200);
    expect(refund.body.fiscal_doc.receipt_number).toBe(3);

    const x = await t.post('/v1/kkt/report/x');
    expect(x.status, x.text).toBe(200);
    expect(x.body).toMatchObject({
      type: 'x_report',
      shift_number: 1,
      shift_state: 'opened',
      receipts: 3,
      last_fiscal_doc_number: 5,
    });
    expect(x.body.totals.sale).toMatchObject({ count: 2, total: 400, payments: { cash: 200, card: 200 } });
    expect(x.body.totals.refund).toMatchObject({ count: 1, total: 50, payments: { cash: 50 } });
    // An X report is no fiscal document.
    expect(await t.lastDocNumber()).toBe(5);

    const z = await t.post('/v1/kkt/shift/close');
    expect(z.status, z.text).toBe(200);
    expect(z.body).toMatchObject({
      type: 'shift_close',
      fiscal_doc_number: 6,
      shift_number: 1,
      receipts_count: 3,
    });
    expect(z.body.fiscal_sign).toMatch(/^\d{10}$/);
    expect(z.body.totals.sale).toMatchObject({ count: 2, total: 400 });
    expect(z.body.totals.refund).toMatchObject({ count: 1, total: 50 });
    expect(await t.lastDocNumber()).toBe(6);
    expect((await t.get('/v1/kkt/status')).body.shift).toMatchObject({ state: 'closed', number: 1 });

    const closeAgain = await t.post('/v1/kkt/shift/close');
    expect(closeAgain.status).toBe(409);
    expect(problemShape(closeAgain).code).toBe('SHIFT_CLOSED');
  });

  test('shift routes accept no body, an empty JSON body and a cashier', async () => {
    const t = await start();
    const open = await t.request('POST', '/v1/kkt/shift/open', { raw: '' });
    expect(open.status, open.text).toBe(200);
    const close = await t.post('/v1/kkt/shift/close', { cashier: 'Петров П.П.' });
    expect(close.status, close.text).toBe(200);
    for (const body of [{ cashier: '' }, { cashier: 'x'.repeat(65) }, [1]]) {
      const bad = await t.post('/v1/kkt/shift/open', body);
      expect(bad.status, JSON.stringify(body)).toBe(400);
      problemShape(bad);
    }
    expect(await t.lastDocNumber()).toBe(3);
  });

  test('KKT_AUTO_OPEN_SHIFT=false: a receipt on a closed shift is 409 SHIFT_CLOSED', async () => {
    const t = await start({ KKT_AUTO_OPEN_SHIFT: 'false' });
    const r = await t.receipt('closed-1', sampleReceipt());
    expect(r.status).toBe(409);
    expect(problemShape(r).code).toBe('SHIFT_CLOSED');
    expect(await t.lastDocNumber()).toBe(1);
    expect((await t.post('/v1/kkt/shift/open')).status).toBe(200);
    const ok = await t.receipt('closed-1', sampleReceipt());
    expect(ok.status, ok.text).toBe(200);
    expect(ok.body.fiscal_doc.fiscal_doc_number).toBe(3);
  });
});

describe('OpenAPI and reset', () => {
  test('/docs/json is an OpenAPI document listing the adapter routes', async () => {
    const t = await start();
    const doc = await t.get('/docs/json');
    expect(doc.status).toBe(200);
    expect(doc.body.openapi).toMatch(/^3\./);
    expect(doc.body.info).toMatchObject({ title: expect.any(String), version: expect.any(String) });
    const paths = doc.body.paths as Record<string, Record<string, unknown>>;
    expect(paths['/v1/kkt/receipt']?.post).toBeDefined();
    expect(Object.keys(paths)).toEqual(
      expect.arrayContaining([
        '/v1/kkt/receipt',
        '/v1/kkt/receipt/{receipt_id}',
        '/v1/kkt/status',
        '/v1/kkt/buffer/status',
        '/v1/health',
        '/v1/kkt/shift/open',
        '/v1/kkt/shift/close',
        '/v1/kkt/report/x',
      ]),
    );
    const post = paths['/v1/kkt/receipt']?.post as {
      parameters?: { in: string; name: string }[];
      requestBody?: unknown;
      responses: Record<string, unknown>;
    };
    expect(post.requestBody).toBeDefined();
    expect(post.parameters?.some((p) => p.in === 'header' && p.name.toLowerCase() === 'idempotency-key')).toBe(true);
    expect(Object.keys(post.responses)).toEqual(expect.arrayContaining(['200']));
  });

  test('POST /v1/_emulator/reset: a fresh ФН and an empty buffer', async () => {
    const t = await start();
    const r = await t.receipt('reset-1', sampleReceipt());
    expect(r.status).toBe(200);
    const oldFn = r.body.fiscal_doc.fn_number;

    const reset = await t.post('/v1/_emulator/reset');
    expect(reset.status, reset.text).toBe(200);
    expect(reset.body.status).toBe('reset');

    const status = await t.get('/v1/kkt/status');
    expect(status.body.fn.number).toMatch(/^9999\d{12}$/);
    expect(status.body.fn.number).not.toBe(oldFn);
    expect(status.body.fn.last_fiscal_doc_number).toBe(1);
    expect(status.body.shift.state).toBe('closed');
    expect((await t.get('/v1/kkt/buffer/status')).body).toMatchObject({ pending: 0, total_receipts: 0 });
    expect((await t.get(`/v1/kkt/receipt/${r.body.receipt_id}`)).status).toBe(404);

    // Keys are forgotten too: the same key prints a new receipt on the new ФН.
    const again = await t.receipt('reset-1', sampleReceipt());
    expect(again.status, again.text).toBe(200);
    expect(again.headers.get('idempotent-replayed')).toBeNull();
    expect(again.body.fiscal_doc).toMatchObject({ fiscal_doc_number: 3, fn_number: status.body.fn.number });
  });
});
