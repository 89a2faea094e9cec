import { request as httpRequest } from 'node:http';
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

/** A raw request with any Host header (fetch refuses to set Host). */
function raw(
  url: string,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: string,
): Promise<{ status: number; type: string; body: string }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: u.hostname, port: u.port, method, path, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => {
        text += c;
      });
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body: text }),
      );
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function stateOf(t: TestAdapter) {
  const s = await t.get('/v1/kkt/status');
  return { doc: s.body.fn.last_fiscal_doc_number, shift: s.body.shift.state, fn: s.body.fn.number };
}

describe('a web page on another site cannot change the register', () => {
  const evil = 'http://evil.example';
  const stateChanging: [string, string][] = [
    ['POST', '/v1/kkt/shift/open'],
    ['POST', '/v1/kkt/shift/close'],
    ['POST', '/v1/_emulator/reset'],
    ['POST', '/v1/kkt/report/x'],
    ['POST', '/v1/kkt/buffer/retry'],
    ['PUT', '/v1/_emulator/faults'],
  ];

  test('fetch(…, {mode: "no-cors"}) with no body: Origin of another site → 403, nothing changed', async () => {
    const t = await start();
    expect((await t.post('/v1/kkt/shift/open')).status).toBe(200);
    const before = await stateOf(t);
    for (const [method, path] of stateChanging) {
      for (const headers of <Record<string, string>[]>[
        { origin: evil },
        { origin: 'null' },
        { origin: `${t.url.replace('127.0.0.1', 'localhost')}` },
        { 'sec-fetch-site': 'cross-site' },
        { 'sec-fetch-site': 'same-site' },
      ]) {
        const a = await t.request(method, path, { headers });
        expect(a.status, `${method} ${path} ${JSON.stringify(headers)}`).toBe(403);
        expect(problemShape(a).code).toBe('CROSS_ORIGIN_REFUSED');
      }
    }
    const r = await t.request('POST', '/v1/kkt/receipt', {
      json: sampleReceipt(),
      headers: { origin: evil, 'idempotency-key': 'csrf-1' },
    });
    expect(r.status).toBe(403);
    expect(await stateOf(t)).toEqual(before);
  });

  test('a cross-site form or text/plain body (no preflight) → 415, nothing changed', async () => {
    const t = await start();
    const before = await stateOf(t);
    for (const type of [
      'text/plain;charset=UTF-8',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
    ]) {
      for (const path of ['/v1/kkt/shift/open', '/v1/kkt/receipt', '/v1/_emulator/reset']) {
        const a = await t.request('POST', path, {
          raw: path === '/v1/kkt/receipt' ? JSON.stringify(sampleReceipt()) : '{}',
          headers: { 'content-type': type, 'idempotency-key': `form-${type.length}` },
        });
        expect(a.status, `${type} ${path}`).toBe(415);
        expect(problemShape(a).code).toBe('UNSUPPORTED_MEDIA_TYPE');
      }
    }
    expect(await stateOf(t)).toEqual(before);
  });

  test('a foreign Host (DNS rebinding) → 421 on every route, reads included', async () => {
    const t = await start();
    const before = await stateOf(t);
    for (const [method, path] of [
      ['GET', '/v1/kkt/status'],
      ['GET', '/v1/health'],
      ['POST', '/v1/kkt/shift/open'],
      ['GET', '/inspect/machines'],
    ]) {
      const a = await raw(t.url, method as string, path as string, {
        host: `rebind.evil.example:${new URL(t.url).port}`,
      });
      expect(a.status, `${method} ${path}`).toBe(421);
      expect(a.type).toMatch(/application\/problem\+json/);
      expect(JSON.parse(a.body).code).toBe('HOST_NOT_ALLOWED');
    }
    expect(await stateOf(t)).toEqual(before);
    // IP literals and localhost are always fine; a name is fine once allowed.
    for (const host of ['127.0.0.1', 'localhost:1234', '[::1]:8000', 'kkt.localhost'])
      expect((await raw(t.url, 'GET', '/v1/kkt/status', { host })).status, host).toBe(200);
    const allowed = await start({ KKT_ALLOWED_HOSTS: 'kkt.shop.lan' });
    expect((await raw(allowed.url, 'GET', '/v1/kkt/status', { host: 'kkt.shop.lan:8000' })).status).toBe(200);
    expect((await raw(allowed.url, 'GET', '/v1/kkt/status', { host: 'other.lan' })).status).toBe(421);
  });

  test('what keeps working: curl -X POST with no body, the same origin, an allowed origin', async () => {
    const t = await start({ KKT_ALLOWED_ORIGINS: 'https://pos.example' });
    // curl -X POST localhost:8000/v1/kkt/shift/open: no body, no Origin, no Content-Type.
    const curl = await raw(t.url, 'POST', '/v1/kkt/shift/open', { host: new URL(t.url).host });
    expect(curl.status, curl.body).toBe(200);
    const same = await t.request('POST', '/v1/kkt/report/x', {
      headers: { origin: t.url, 'sec-fetch-site': 'same-origin' },
    });
    expect(same.status).toBe(200);
    const listed = await t.request('POST', '/v1/kkt/receipt', {
      json: sampleReceipt(),
      headers: { origin: 'https://pos.example', 'sec-fetch-site': 'cross-site', 'idempotency-key': 'allowed-1' },
    });
    expect(listed.status, listed.text).toBe(200);
    // Reads from any page are not refused (a browser cannot read the answer without CORS anyway).
    expect((await t.get('/v1/kkt/status', { origin: 'http://evil.example' })).status).toBe(200);
  });
});
