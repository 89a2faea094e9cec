import { afterEach, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/api/app.ts';
import type { AdapterContext } from '../../src/api/context.ts';
import type { KktDriver } from '../../src/device/driver.ts';
import type { BufferState } from '../../src/service/buffer.ts';
import type { PrintedReceipt } from '../../src/service/fiscalizer.ts';
import { knownReceipt } from '../fiscal/fixtures.ts';

/**
 * The routes depend on the interfaces of api/context.ts only, so they run on fakes: no device,
 * no SQLite. What they add is the HTTP shape — statuses from service codes, snake_case views.
 */
const apps: { close(): Promise<unknown> }[] = [];
afterEach(async () => {
  for (const a of apps.splice(0)) await a.close();
});

const buffer: BufferState = {
  pending: 3,
  synced: 5,
  failed: 1,
  capacity: 10,
  used: 3,
  percentFull: 30,
  oldestPendingAt: null,
  alert: false,
  blocked: false,
};

function context(receipt: AdapterContext['receipts']['receipt']): AdapterContext {
  return {
    settings: { timezone: 'Europe/Moscow' },
    driver: {} as KktDriver,
    receipts: { receipt, correction: receipt, stored: () => undefined },
    cash: { move: async () => ({ ok: false, failure: { code: 'NOT_SUPPORTED', message: 'no drawer here' } }) },
    buffer: { state: () => buffer, requeueFailed: () => 0 },
  };
}

describe('routes on fakes', () => {
  it('a service failure code becomes its HTTP status and a problem+json body', async () => {
    const app = await buildApp(
      context(async () => ({ ok: false, failure: { code: 'BUFFER_FULL', message: 'Buffer full: 10 pending' } })),
    );
    apps.push(app);
    const res = await app.inject({
      method: 'POST',
      url: '/v1/kkt/receipt',
      headers: { 'idempotency-key': 'k' },
      payload: {},
    });
    expect(res.statusCode).toBe(503);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.json()).toMatchObject({ code: 'BUFFER_FULL', status: 503, detail: 'Buffer full: 10 pending' });
  });

  it('a printed receipt is rendered as API.md shows it; a replay says so in a header', async () => {
    const doc = knownReceipt();
    const printed: PrintedReceipt = { receiptId: 'r-1', idempotencyKey: 'k', document: doc, warnings: ['w'] };
    const app = await buildApp(context(async () => ({ ok: true, receipt: printed, replayed: true })));
    apps.push(app);
    const res = await app.inject({
      method: 'POST',
      url: '/v1/kkt/receipt',
      headers: { 'idempotency-key': 'k' },
      payload: {},
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['idempotent-replayed']).toBe('true');
    expect(res.json()).toMatchObject({
      status: 'printed',
      receipt_id: 'r-1',
      fiscal_doc: { fiscal_doc_number: doc.number, fn_number: doc.fnNumber, receipt_number: doc.receiptNumber },
      warnings: ['w'],
    });
  });

  it('the buffer status comes from the buffer interface', async () => {
    const app = await buildApp(context(async () => ({ ok: false, failure: { code: 'DEVICE_STOPPED', message: 'x' } })));
    apps.push(app);
    const res = await app.inject({ method: 'GET', url: '/v1/kkt/buffer/status' });
    expect(res.json()).toEqual({
      capacity: 10,
      pending: 3,
      synced: 5,
      failed: 1,
      total_receipts: 9,
      percent_full: 30,
      oldest_pending_at: null,
      network_status: 'unknown',
    });
  });
});
