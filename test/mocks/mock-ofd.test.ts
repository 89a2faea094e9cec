import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { OfdPayload } from '../../src/fiscal/ofd-payload.ts';
import { MockServerError } from '../../src/mocks/faults.ts';
import { MockOfdServer } from '../../src/mocks/mock-ofd.ts';
import { callJson } from '../helpers/http.ts';
import { FnSim, payloadOf, receiptPayload } from './ofd-fixtures.ts';

const ofd = new MockOfdServer();
let base = '';

beforeAll(async () => {
  base = await ofd.start();
});
afterAll(() => ofd.stop());
beforeEach(() => ofd.reset());

const call = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
  callJson(method, `${base}${path}`, body, headers);

const postReceipt = (p: unknown, headers?: Record<string, string>) => call('POST', '/ofd/v1/receipt', p, headers);
const postDocument = (p: unknown, headers?: Record<string, string>) => call('POST', '/ofd/v1/document', p, headers);
const putFaults = (f: unknown) => call('PUT', '/ofd/v1/_test/faults', f);
const listed = async () => (await call('GET', '/ofd/v1/_test/receipts')).body;

/** Fresh receipts of one drive: consecutive document numbers, each its own dedup key. */
function receipts(n: number): OfdPayload[] {
  const fn = new FnSim();
  return Array.from({ length: n }, () => receiptPayload(fn));
}

describe('mock ОФД: documents', () => {
  it('accepts a receipt with an ofd_id and a unix timestamp, and lists it', async () => {
    const [p] = receipts(1);
    const before = Math.floor(Date.now() / 1000);
    const res = await postReceipt(p);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'accepted', ofd_id: 'OFD-000001', timestamp: expect.any(Number) });
    expect(res.body.timestamp).toBeGreaterThanOrEqual(before);
    expect(res.body.timestamp).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000));
    expect(await listed()).toEqual({
      receipts: [p],
      documents: [],
      call_count: 1,
      document_call_count: 0,
      duplicates: 0,
    });
    expect(ofd.receipts()).toEqual([p]);
    expect(ofd.callCount).toBe(1);
  });

  it('accepts registration and shift reports on /ofd/v1/document, numbering ids across both routes', async () => {
    const fn = new FnSim();
    const registration = payloadOf(fn.registration);
    const open = payloadOf(fn.openShift());
    const sale = receiptPayload(fn);
    const close = payloadOf(fn.closeShift());
    expect((await postDocument(registration)).body.ofd_id).toBe('OFD-000001');
    expect((await postDocument(open)).body.ofd_id).toBe('OFD-000002');
    expect((await postReceipt(sale)).body.ofd_id).toBe('OFD-000003');
    expect((await postDocument(close)).body.ofd_id).toBe('OFD-000004');
    const list = await listed();
    expect(list.documents).toEqual([registration, open, close]);
    expect(list.receipts).toEqual([sale]);
    expect(list.call_count).toBe(1);
    expect(list.document_call_count).toBe(3);
    expect(ofd.documents()).toEqual([registration, open, close]);
    expect(ofd.documentCallCount).toBe(3);
    const health = (await call('GET', '/ofd/v1/health')).body;
    expect(health).toMatchObject({ status: 'healthy', call_count: 1, receipts_received: 1, documents_received: 3 });
  });

  it('answers a resend with the same ofd_id and stores it once', async () => {
    const [a, b] = receipts(2);
    const first = await postReceipt(a);
    await postReceipt(b);
    const again = await postReceipt(a);
    expect(again.status).toBe(200);
    expect(again.body.ofd_id).toBe(first.body.ofd_id);
    expect(again.body.timestamp).toBe(first.body.timestamp);
    const list = await listed();
    expect(list.receipts).toEqual([a, b]);
    expect(list.duplicates).toBe(1);
    expect(list.call_count).toBe(3);
    expect(ofd.duplicates).toBe(1);
    // the next new document still gets the next id: a duplicate consumes none
    const [, , c] = receipts(3);
    expect((await postReceipt(c)).body.ofd_id).toBe('OFD-000003');
  });

  it('refuses a receipt whose QR does not match its document, counting the call and storing nothing', async () => {
    const [p] = receipts(1);
    const bad = { ...p!, qr_code_data: p!.qr_code_data!.replace(/s=[\d.]+/, 's=0.01') };
    const res = await postReceipt(bad);
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid document');
    expect(res.body.problems.join(' ')).toMatch(/qr_code_data: s=0\.01/);
    expect(await listed()).toMatchObject({ receipts: [], call_count: 1 });
    // the fixed resend is a first acceptance, not a duplicate
    expect((await postReceipt(p)).body).toMatchObject({ ofd_id: 'OFD-000001' });
    expect(ofd.duplicates).toBe(0);
  });

  it('takes receipts on the receipt route only and other documents on the document route only', async () => {
    const fn = new FnSim();
    const open = payloadOf(fn.openShift());
    const sale = receiptPayload(fn);
    const onReceipt = await postReceipt(open);
    expect(onReceipt.status).toBe(400);
    expect(onReceipt.body.problems.join(' ')).toMatch(/document_type: shift_open belongs on POST \/ofd\/v1\/document/);
    const onDocument = await postDocument(sale);
    expect(onDocument.status).toBe(400);
    expect(onDocument.body.problems.join(' ')).toMatch(/receipts belong on POST \/ofd\/v1\/receipt/);
    expect(await listed()).toMatchObject({ receipts: [], documents: [], call_count: 1, document_call_count: 1 });
  });

  it('answers invalid JSON, an empty body and a non-object with 400 and counts each call', async () => {
    const bad = await postReceipt('{"fn_number":');
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatch(/^invalid JSON/);
    const empty = await postReceipt('');
    expect(empty.status).toBe(400);
    expect(empty.body).toEqual({ error: 'invalid document', problems: ['body: must be a JSON object'] });
    const list = await postReceipt([1, 2]);
    expect(list.status).toBe(400);
    expect(ofd.callCount).toBe(3);
    expect(ofd.receipts()).toEqual([]);
  });

  it('answers an unknown route with 404 and an error', async () => {
    const res = await call('GET', '/ofd/v2/receipt');
    expect(res.status).toBe(404);
    expect(res.body.error).toMatch(/not a route of the mock ОФД/);
  });
});

describe('mock ОФД: faults', () => {
  it('fails exactly failure_count calls with 503, then accepts', async () => {
    const [p] = receipts(1);
    expect((await putFaults({ failure_count: 2 })).status).toBe(200);
    const r1 = await postReceipt(p);
    expect(r1.status).toBe(503);
    expect(r1.body.error).toMatch(/failure_count, 1 left/);
    expect((await postReceipt(p)).status).toBe(503);
    expect((await postReceipt(p)).status).toBe(200);
    const list = await listed();
    expect(list).toMatchObject({ call_count: 3, duplicates: 0 });
    expect(list.receipts).toHaveLength(1);
  });

  it('fails every call while permanent_failure is set, and {} makes every call succeed again', async () => {
    const [p] = receipts(1);
    await putFaults({ permanent_failure: true, failure_count: 1 });
    for (let i = 0; i < 3; i += 1) expect((await postReceipt(p)).status).toBe(503);
    const health = (await call('GET', '/ofd/v1/health')).body;
    expect(health).toMatchObject({ status: 'healthy', permanent_failure: true, failure_count: 1, call_count: 3 });
    expect((await putFaults({})).body.faults).toEqual({
      failure_count: 0,
      permanent_failure: false,
      latency_ms: 0,
      fail_every_n: 0,
      reject_count: 0,
      accept_invalid: false,
    });
    expect((await postReceipt(p)).status).toBe(200);
    expect(ofd.callCount).toBe(4);
  });

  it('fails every n-th call after the faults were set', async () => {
    const docs = receipts(8);
    await postReceipt(docs[0]);
    await putFaults({ fail_every_n: 3 });
    const statuses: number[] = [];
    for (const p of docs.slice(1)) statuses.push((await postReceipt(p)).status);
    expect(statuses).toEqual([200, 200, 503, 200, 200, 503, 200]);
    expect(ofd.receipts()).toHaveLength(6);
  });

  it('counts calls of both routes towards fail_every_n', async () => {
    const fn = new FnSim();
    await putFaults({ fail_every_n: 2 });
    expect((await postDocument(payloadOf(fn.registration))).status).toBe(200);
    expect((await postDocument(payloadOf(fn.openShift()))).status).toBe(503);
    expect((await postReceipt(receiptPayload(fn))).status).toBe(200);
    expect((await postReceipt(receiptPayload(fn))).status).toBe(503);
  });

  it('delays every answer by latency_ms', async () => {
    const [p] = receipts(1);
    await putFaults({ latency_ms: 120 });
    let t = performance.now();
    expect((await postReceipt(p)).status).toBe(200);
    expect(performance.now() - t).toBeGreaterThanOrEqual(110);
    t = performance.now();
    expect((await postReceipt('{')).status).toBe(400);
    expect(performance.now() - t).toBeGreaterThanOrEqual(110);
    expect(ofd.faults.latency_ms).toBe(120);
  });

  it('rejects reject_count calls with 422, then accepts', async () => {
    const [p] = receipts(1);
    await putFaults({ reject_count: 1 });
    const rejected = await postReceipt(p);
    expect(rejected.status).toBe(422);
    expect(rejected.body.error).toMatch(/reject_count/);
    expect((await postReceipt(p)).status).toBe(200);
    expect(ofd.receipts()).toHaveLength(1);
  });

  it('fails before it deduplicates: a failed resend is not a duplicate', async () => {
    const [p] = receipts(1);
    await postReceipt(p);
    await putFaults({ failure_count: 1 });
    expect((await postReceipt(p)).status).toBe(503);
    expect(ofd.duplicates).toBe(0);
    expect((await postReceipt(p)).status).toBe(200);
    expect(ofd.duplicates).toBe(1);
  });

  it('refuses invalid faults with 400 naming each field, keeping the faults it had', async () => {
    await putFaults({ failure_count: 5 });
    const res = await putFaults({ failure_count: -1, latency_ms: 1.5, permanent_failure: 'yes', fail_every: 2 });
    expect(res.status).toBe(400);
    expect(res.body.problems).toEqual([
      'failure_count: must be a whole number from 0 to 2147483647',
      'latency_ms: must be a whole number from 0 to 2147483647',
      'permanent_failure: must be true or false',
      'fail_every: is not a fault of this mock (known: failure_count, permanent_failure, latency_ms, fail_every_n, reject_count, accept_invalid)',
    ]);
    expect((await putFaults([1])).status).toBe(400);
    expect((await putFaults('{')).status).toBe(400);
    expect(ofd.faults.failure_count).toBe(5);
    // an empty PUT means "no faults"
    expect((await putFaults('')).status).toBe(200);
    expect(ofd.faults.failure_count).toBe(0);
  });

  it('setFaults replaces all faults like the PUT, and throws a coded error on bad ones', () => {
    ofd.setFaults({ failure_count: 1, latency_ms: 5 });
    ofd.setFaults({ fail_every_n: 2 });
    expect(ofd.faults).toMatchObject({ failure_count: 0, latency_ms: 0, fail_every_n: 2 });
    const err = (() => {
      try {
        ofd.setFaults({ failure_count: -1 });
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(MockServerError);
    expect((err as MockServerError).code).toBe('INVALID_FAULTS');
  });
});

describe('mock ОФД: test routes and lifecycle', () => {
  it('resets to an empty state without faults, numbering ids from 1 again', async () => {
    const [a] = receipts(1);
    await postReceipt(a);
    await postReceipt(a);
    await putFaults({ permanent_failure: true });
    expect((await call('POST', '/ofd/v1/_test/reset')).body).toEqual({ status: 'reset' });
    expect(await listed()).toEqual({
      receipts: [],
      documents: [],
      call_count: 0,
      document_call_count: 0,
      duplicates: 0,
    });
    expect(ofd.health()).toMatchObject({ permanent_failure: false, call_count: 0, receipts_received: 0 });
    expect((await postReceipt(a)).body.ofd_id).toBe('OFD-000001');
  });

  it('keeps its state and port across stop and start', async () => {
    const [p] = receipts(1);
    await postReceipt(p);
    await ofd.stop();
    await expect(fetch(`${base}/ofd/v1/health`)).rejects.toThrow();
    expect(() => ofd.url).toThrow(MockServerError);
    expect(await ofd.start()).toBe(base);
    expect(ofd.url).toBe(base);
    expect((await postReceipt(p)).body.ofd_id).toBe('OFD-000001');
    expect(ofd.duplicates).toBe(1);
    await expect(ofd.start()).rejects.toMatchObject({ code: 'ALREADY_STARTED' });
  });
});

describe('mock ОФД stopping while answers are delayed', () => {
  it('answers the delayed calls at once instead of waiting out the latency', async () => {
    const slow = new MockOfdServer();
    const url = await slow.start();
    slow.setFaults({ latency_ms: 60_000 });
    const p = receiptPayload();
    const pending = fetch(`${url}/ofd/v1/receipt`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(p),
    });
    while (slow.callCount === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    await slow.stop();
    expect((await pending).status).toBe(200);
    expect(slow.receipts()).toEqual([p]);
  });
});

describe('mock ОФД with a bearer token', () => {
  const secured = new MockOfdServer({ token: 's3cret' });
  let url = '';
  beforeAll(async () => {
    url = await secured.start();
  });
  afterAll(() => secured.stop());

  const post = async (path: string, body: unknown, auth?: string) =>
    fetch(`${url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(auth ? { authorization: auth } : {}) },
      body: JSON.stringify(body),
    });

  it('answers 401 without the right token, counts the call, and accepts with it', async () => {
    const fn = new FnSim();
    const p = receiptPayload(fn);
    const none = await post('/ofd/v1/receipt', p);
    expect(none.status).toBe(401);
    expect(await none.json()).toEqual({ error: 'unauthorized' });
    expect((await post('/ofd/v1/receipt', p, 'Bearer wrong')).status).toBe(401);
    expect((await post('/ofd/v1/document', payloadOf(fn.registration), 's3cret')).status).toBe(401);
    expect((await post('/ofd/v1/receipt', p, 'Bearer s3cret')).status).toBe(200);
    expect(secured.callCount).toBe(3);
    expect(secured.receipts()).toHaveLength(1);
    // the test routes stay open: they are the test harness's, not the adapter's
    expect((await fetch(`${url}/ofd/v1/_test/receipts`)).status).toBe(200);
    expect((await post('/ofd/v1/_test/reset', {})).status).toBe(200);
  });
});
