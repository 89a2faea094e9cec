import jsQRModule from 'jsqr';
import { PNG } from 'pngjs';
import { afterEach, describe, expect, test } from 'vitest';
import { problemShape, sampleReceipt, startTestAdapter, type TestAdapter } from '../helpers/adapter.ts';

// jsqr is a CommonJS bundle whose types declare an ES default export: under NodeNext the default
// import is module.exports, which carries the function as `.default` too.
const jsQR = jsQRModule.default;

/**
 * API.md `/slip`, `/qr.svg`, `/qr.png` on a real adapter over loopback: a real receipt's slip in
 * text and HTML, and its QR code decoded back from the PNG by a maintained decoder (jsQR).
 */
const running: TestAdapter[] = [];
async function start(env: Record<string, string> = {}, headers?: Record<string, string>): Promise<TestAdapter> {
  const t = await startTestAdapter(env, headers ? { headers } : {});
  running.push(t);
  return t;
}
afterEach(async () => {
  await Promise.all(running.splice(0).map((t) => t.close()));
});

async function getBytes(t: TestAdapter, path: string) {
  const res = await fetch(t.url + path);
  return {
    status: res.status,
    type: res.headers.get('content-type') ?? '',
    bytes: Buffer.from(await res.arrayBuffer()),
  };
}

/** A long Cyrillic name, two rates, change: what a slip has to lay out. */
const busyReceipt = () =>
  sampleReceipt({
    items: [
      {
        name: 'Lens',
        price: 100,
        quantity: 2,
        vat_rate: 22,
        payment_method: 'full_payment',
        payment_object: 'commodity',
      },
      {
        name: 'Салфетка из микрофибры для очков, антистатическая, упаковка 3 шт',
        price: 49.9,
        quantity: 1,
        vat_rate: 10,
        payment_method: 'full_payment',
        payment_object: 'commodity',
      },
    ],
    payments: [{ type: 'cash', amount: 500 }],
  });

describe('GET /v1/kkt/documents/{number}/slip, /qr.svg, /qr.png', () => {
  test('a real receipt: the slip in text and HTML, the QR code as SVG and as a PNG that decodes to qr_code_data', async () => {
    const t = await start({ KKT_PLACE: 'Касса 1' });
    const r = await t.receipt('slip-1', busyReceipt());
    expect(r.status, r.text).toBe(200);
    const fd = r.body.fiscal_doc;
    const base = `/v1/kkt/documents/${fd.fiscal_doc_number}`;

    const text = await t.get(`${base}/slip`);
    expect(text.status, text.text).toBe(200);
    expect(text.contentType).toBe('text/plain; charset=utf-8');
    const lines = text.text.trimEnd().split('\n');
    expect(Math.max(...lines.map((l) => [...l].length))).toBe(48);
    expect(lines).toContain('КАССОВЫЙ ЧЕК'.padStart(18 + 12, ' '));
    // 200.00 + 49.90 = 249.90; 500 in cash, 250.10 back.
    expect(lines).toContain(`ИТОГ${' '.repeat(37)}=249.90`);
    expect(lines).toContain(`НАЛИЧНЫМИ${' '.repeat(32)}=500.00`);
    expect(lines).toContain(`СДАЧА${' '.repeat(36)}=250.10`);
    expect(lines).toContain(`ФД${' '.repeat(46 - String(fd.fiscal_doc_number).length)}${fd.fiscal_doc_number}`);
    expect(lines).toContain(`ФПД${' '.repeat(35)}${fd.fiscal_sign}`);
    expect(lines).toContain(`РН ККТ${' '.repeat(26)}${fd.kkt_number}`);
    expect(lines).toContain('МЕСТО РАСЧЁТОВ: Касса 1');
    expect(text.text).toContain('2. Салфетка из микрофибры для очков,');

    const narrow = await t.get(`${base}/slip?width=32`);
    expect(narrow.status).toBe(200);
    for (const l of narrow.text.trimEnd().split('\n')) expect([...l].length).toBeLessThanOrEqual(32);

    const html = await t.get(`${base}/slip?format=html&width=64`);
    expect(html.status).toBe(200);
    expect(html.contentType).toBe('text/html; charset=utf-8');
    expect(html.text).toMatch(/^<!doctype html>/);
    expect(html.text).toContain('<svg');
    expect(html.text).toContain('width: 64ch');
    // Self-contained: nothing to fetch, no script.
    expect(html.text).not.toMatch(/https?:|<script|<link|src=/i);
    expect(html.text).toContain(`<figcaption>${fd.qr_code_data.replaceAll('&', '&amp;')}</figcaption>`);

    const svg = await t.get(`${base}/qr.svg`);
    expect(svg.status).toBe(200);
    expect(svg.contentType).toBe('image/svg+xml; charset=utf-8');
    expect(svg.text).toMatch(/<svg[^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);

    const png = await getBytes(t, `${base}/qr.png`);
    expect(png.status).toBe(200);
    expect(png.type).toBe('image/png');
    const image = PNG.sync.read(png.bytes);
    const decoded = jsQR(new Uint8ClampedArray(image.data), image.width, image.height);
    expect(decoded?.data).toBe(fd.qr_code_data);
  });

  test('a shift-open report has a slip but no QR code: 404 problem+json for its images', async () => {
    const t = await start();
    const open = await t.post('/v1/kkt/shift/open', { cashier: 'Петрова А.А.' });
    expect(open.status, open.text).toBe(200);
    const n = open.body.fiscal_doc_number;
    const slip = await t.get(`/v1/kkt/documents/${n}/slip`);
    expect(slip.status).toBe(200);
    expect(slip.text).toContain('ОТЧЁТ ОБ ОТКРЫТИИ СМЕНЫ');
    expect(slip.text).toContain('КАССИР: Петрова А.А.');
    expect(slip.text).not.toContain('QR');
    for (const ext of ['svg', 'png']) {
      const a = await t.get(`/v1/kkt/documents/${n}/qr.${ext}`);
      expect(a.status, ext).toBe(404);
      expect(problemShape(a).code).toBe('QR_CODE_NOT_FOUND');
    }
  });

  test('bad width: 400; unknown number: 404 DOCUMENT_NOT_FOUND, as GET /v1/kkt/documents/{n}', async () => {
    const t = await start();
    await t.receipt('slip-2', sampleReceipt());
    const n = await t.lastDocNumber();
    for (const q of ['width=10', 'width=65', 'width=31']) {
      const a = await t.get(`/v1/kkt/documents/${n}/slip?${q}`);
      expect(a.status, q).toBe(400);
      expect(problemShape(a)).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ path: 'query:width' }] });
    }
    // What the query schema refuses is refused as every route's schema refusals are.
    for (const q of ['width=abc', 'width=-40', 'format=pdf', 'colour=red']) {
      const a = await t.get(`/v1/kkt/documents/${n}/slip?${q}`);
      expect(a.status, q).toBe(400);
      expect(problemShape(a).code, q).toBe('MALFORMED_REQUEST');
    }
    for (const path of ['slip', 'qr.svg', 'qr.png']) {
      const a = await t.get(`/v1/kkt/documents/${n + 1}/${path}`);
      expect(a.status, path).toBe(404);
      expect(problemShape(a).code).toBe('DOCUMENT_NOT_FOUND');
      expect(a.body.detail).toBe((await t.get(`/v1/kkt/documents/${n + 1}`)).body.detail);
      expect((await t.get(`/v1/kkt/documents/x1/${path}`)).status).toBe(404);
    }
  });

  test('KKT_API_TOKEN guards them like every /v1 route; the OpenAPI document lists them', async () => {
    const token = 'slip-token-0123456789';
    const t = await start({ KKT_API_TOKEN: token });
    const auth = { authorization: `Bearer ${token}` };
    expect((await t.receipt('slip-3', sampleReceipt(), auth)).status).toBe(200);
    const n = (await t.get('/v1/kkt/status', auth)).body.fn.last_fiscal_doc_number;
    for (const path of ['slip', 'slip?format=html', 'qr.svg', 'qr.png']) {
      const a = await t.get(`/v1/kkt/documents/${n}/${path}`);
      expect(a.status, path).toBe(401);
      expect(problemShape(a).code).toBe('UNAUTHORIZED');
      expect((await t.get(`/v1/kkt/documents/${n}/${path}`, auth)).status, path).toBe(200);
    }
    const doc = (await t.get('/docs/json', auth)).body;
    for (const p of [
      '/v1/kkt/documents/{number}/slip',
      '/v1/kkt/documents/{number}/qr.svg',
      '/v1/kkt/documents/{number}/qr.png',
    ])
      expect(doc.paths[p]?.get, p).toBeDefined();
    expect(Object.keys(doc.paths['/v1/kkt/documents/{number}/slip'].get.responses['200'].content)).toEqual([
      'text/plain',
      'text/html',
    ]);
  });
});
