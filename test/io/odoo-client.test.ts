import { createServer } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { OdooClient } from '../../src/io/http/odoo-client.ts';
import { MockOdooServer } from '../../src/mocks/mock-odoo.ts';

const odoo = new MockOdooServer();
let client: OdooClient;

beforeAll(async () => {
  client = new OdooClient({ baseUrl: await odoo.start(), timeoutMs: 1_000 });
});
afterAll(async () => {
  await client.close();
  await odoo.stop();
});
beforeEach(() => odoo.reset());

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address !== 'object') throw new Error('no port');
  return address.port;
}

describe('OdooClient', () => {
  it('posts the heartbeat body', async () => {
    expect(await client.heartbeat({ kkt_id: 'KKT-1', status: 'online' })).toEqual({ ok: true });
    expect(odoo.heartbeats()).toEqual([{ kkt_id: 'KKT-1', status: 'online', received_at: expect.any(String) }]);
  });

  it('reports a failing Odoo as ODOO_SERVER_ERROR with its text', async () => {
    odoo.setFaults({ permanent_failure: true });
    const r = await client.heartbeat({ n: 1 });
    expect(r).toMatchObject({ ok: false, code: 'ODOO_SERVER_ERROR', status: 503 });
    expect(!r.ok && r.reason).toMatch(/Odoo answered 503: service unavailable/);
  });

  it('reports a refused heartbeat as ODOO_REJECTED', async () => {
    const r = await client.heartbeat([1] as unknown as Record<string, unknown>);
    expect(r).toMatchObject({ ok: false, code: 'ODOO_REJECTED', status: 400 });
  });

  it('times out a slow Odoo and reports a closed port as unreachable', async () => {
    const slow = new OdooClient({ baseUrl: odoo.url, timeoutMs: 50 });
    const down = new OdooClient({ baseUrl: `http://127.0.0.1:${await closedPort()}`, timeoutMs: 1_000 });
    try {
      odoo.setFaults({ latency_ms: 200 });
      expect(await slow.heartbeat({})).toMatchObject({ ok: false, code: 'ODOO_TIMEOUT' });
      expect(await down.heartbeat({})).toMatchObject({ ok: false, code: 'ODOO_UNREACHABLE' });
    } finally {
      await Promise.all([slow.close(), down.close()]);
    }
  });

  it('rejects only with the abort reason of the caller', async () => {
    odoo.setFaults({ latency_ms: 200 });
    const controller = new AbortController();
    const sent = client.heartbeat({}, controller.signal);
    setTimeout(() => controller.abort(new Error('stopping')), 20);
    await expect(sent).rejects.toThrow('stopping');
  });

  it('posts under a path prefix of the base URL', async () => {
    const prefixed = new OdooClient({ baseUrl: `${odoo.url}/odoo`, timeoutMs: 1_000 });
    try {
      // the mock serves no prefix, so the 404 proves where the request went
      const r = await prefixed.heartbeat({});
      expect(r).toMatchObject({ ok: false, code: 'ODOO_REJECTED', status: 404 });
      expect(!r.ok && r.reason).toContain('/odoo/api/v1/kkt/heartbeat');
    } finally {
      await prefixed.close();
    }
  });
});
