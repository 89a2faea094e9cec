import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MockServerError } from '../../src/mocks/faults.ts';
import { MockOdooServer } from '../../src/mocks/mock-odoo.ts';
import { callJson } from '../helpers/http.ts';

const odoo = new MockOdooServer();
let base = '';

beforeAll(async () => {
  base = await odoo.start();
});
afterAll(() => odoo.stop());
beforeEach(() => odoo.reset());

async function call(method: string, path: string, body?: unknown) {
  const { status, body: answer } = await callJson(method, `${base}${path}`, body);
  return { status, body: answer };
}

const beat = (n: number) => ({ kkt_id: 'KKT-1', status: 'online', seq: n });
const postBeat = (body: unknown) => call('POST', '/api/v1/kkt/heartbeat', body);

describe('mock Odoo', () => {
  it('answers a heartbeat with ok and records it with its arrival time', async () => {
    const before = Date.now();
    const res = await postBeat(beat(1));
    expect(res).toEqual({ status: 200, body: { status: 'ok' } });
    const list = (await call('GET', '/api/v1/_test/heartbeats')).body;
    expect(list).toEqual({
      heartbeats: [{ ...beat(1), received_at: expect.any(String) }],
      call_count: 1,
    });
    const at = Date.parse(list.heartbeats[0].received_at);
    expect(at).toBeGreaterThanOrEqual(before - 1);
    expect(at).toBeLessThanOrEqual(Date.now() + 1);
    expect(odoo.heartbeats()).toEqual(list.heartbeats);
    expect(odoo.callCount).toBe(1);
  });

  it('reports health with counters and faults', async () => {
    await postBeat(beat(1));
    await call('PUT', '/api/v1/_test/faults', { failure_count: 2 });
    expect((await call('GET', '/health')).body).toEqual({
      status: 'healthy',
      call_count: 1,
      heartbeats_received: 1,
      failure_count: 2,
      permanent_failure: false,
      latency_ms: 0,
      fail_every_n: 0,
    });
  });

  it('fails failure_count heartbeats with 503, counts them, and records only the answered ones', async () => {
    await call('PUT', '/api/v1/_test/faults', { failure_count: 2 });
    const statuses = [];
    for (let i = 1; i <= 3; i += 1) statuses.push((await postBeat(beat(i))).status);
    expect(statuses).toEqual([503, 503, 200]);
    expect(odoo.callCount).toBe(3);
    expect(odoo.heartbeats().map((h) => h.seq)).toEqual([3]);
  });

  it('fails every call while permanent_failure is set, every n-th with fail_every_n, and {} clears', async () => {
    odoo.setFaults({ permanent_failure: true });
    const failed = await postBeat(beat(1));
    expect(failed.status).toBe(503);
    expect(failed.body.error).toMatch(/permanent_failure/);
    odoo.setFaults({ fail_every_n: 2 });
    const statuses = [];
    for (let i = 2; i <= 5; i += 1) statuses.push((await postBeat(beat(i))).status);
    expect(statuses).toEqual([200, 503, 200, 503]);
    expect((await call('PUT', '/api/v1/_test/faults', {})).status).toBe(200);
    expect((await postBeat(beat(6))).status).toBe(200);
  });

  it('delays heartbeat answers by latency_ms', async () => {
    odoo.setFaults({ latency_ms: 80 });
    const t = performance.now();
    expect((await postBeat(beat(1))).status).toBe(200);
    expect(performance.now() - t).toBeGreaterThanOrEqual(70);
  });

  it('refuses reject_count and other unknown or invalid faults', async () => {
    const res = await call('PUT', '/api/v1/_test/faults', { reject_count: 1, latency_ms: -5 });
    expect(res.status).toBe(400);
    expect(res.body.problems).toEqual([
      'reject_count: is not a fault of this mock (known: failure_count, permanent_failure, latency_ms, fail_every_n)',
      'latency_ms: must be a whole number from 0 to 2147483647',
    ]);
    expect(() => odoo.setFaults({ failure_count: 0.5 })).toThrow(MockServerError);
  });

  it('answers a non-object heartbeat or invalid JSON with 400, counting the call', async () => {
    expect((await postBeat([1])).status).toBe(400);
    const bad = await postBeat('{');
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatch(/^invalid JSON/);
    expect(odoo.callCount).toBe(2);
    expect(odoo.heartbeats()).toEqual([]);
  });

  it('resets to an empty state without faults', async () => {
    await postBeat(beat(1));
    odoo.setFaults({ permanent_failure: true });
    expect((await call('POST', '/api/v1/_test/reset')).body).toEqual({ status: 'reset' });
    expect((await call('GET', '/api/v1/_test/heartbeats')).body).toEqual({ heartbeats: [], call_count: 0 });
    expect((await postBeat(beat(2))).status).toBe(200);
  });
});
