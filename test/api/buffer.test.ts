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

describe('receipt buffer', () => {
  test('a fresh buffer is empty', async () => {
    const t = await start();
    const b = await t.get('/v1/kkt/buffer/status');
    expect(b.status).toBe(200);
    expect(b.body).toEqual({
      capacity: 10000,
      pending: 0,
      synced: 0,
      failed: 0,
      total_receipts: 0,
      percent_full: 0,
      oldest_pending_at: null,
      network_status: expect.any(String),
    });
  });

  test('KKT_BUFFER_MAX_SIZE=3: three receipts, then 503 Buffer full and nothing fiscalized', async () => {
    const t = await start({ KKT_BUFFER_MAX_SIZE: '3' });
    for (let i = 1; i <= 3; i++) {
      const r = await t.receipt(`buf-${i}`, sampleReceipt());
      expect(r.status, r.text).toBe(200);
      const b = await t.get('/v1/kkt/buffer/status');
      expect(b.body).toMatchObject({ capacity: 3, pending: i, synced: 0, failed: 0, total_receipts: i });
      expect(b.body.percent_full).toBeCloseTo((100 * i) / 3, 2);
      expect(b.body.oldest_pending_at).toBe('2026-11-25T11:00:00+03:00');
    }
    const before = await t.lastDocNumber();
    expect(before).toBe(5);

    const full = await t.receipt('buf-4', sampleReceipt());
    expect(full.status).toBe(503);
    const p = problemShape(full);
    expect(p.code).toBe('BUFFER_FULL');
    expect(p.detail.startsWith('Buffer full')).toBe(true);
    expect(await t.lastDocNumber()).toBe(before);
    expect((await t.get('/v1/kkt/status')).body.shift.receipts).toBe(3);

    // The refused key is not used up: it is refused again (not replayed, not a mismatch).
    const again = await t.receipt('buf-4', sampleReceipt());
    expect(again.status).toBe(503);
    expect(problemShape(again).code).toBe('BUFFER_FULL');
    // A replay of an already printed receipt is still answered while the buffer is full.
    const replay = await t.receipt('buf-1', sampleReceipt());
    expect(replay.status).toBe(200);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');

    const b = await t.get('/v1/kkt/buffer/status');
    expect(b.body).toMatchObject({ capacity: 3, pending: 3, total_receipts: 3, percent_full: 100 });
    expect(await t.lastDocNumber()).toBe(before);
  });

  test('a concurrent burst at the block threshold fiscalizes exactly as many receipts as fit', async () => {
    const t = await start({ KKT_BUFFER_MAX_SIZE: '3', KKT_PRINT_DELAY_MS: '5' });
    const answers = await Promise.all(Array.from({ length: 12 }, (_, i) => t.receipt(`burst-${i}`, sampleReceipt())));
    const ok = answers.filter((a) => a.status === 200);
    const full = answers.filter((a) => a.status === 503);
    expect(ok).toHaveLength(3);
    expect(full).toHaveLength(9);
    for (const a of full) expect(problemShape(a).code).toBe('BUFFER_FULL');
    // Registration, shift open, three receipts.
    expect(await t.lastDocNumber()).toBe(5);
    expect((await t.get('/v1/kkt/buffer/status')).body.pending).toBe(3);
  });

  test('KKT_BUFFER_BLOCK_THRESHOLD below 1 blocks at that fraction of the capacity', async () => {
    const t = await start({
      KKT_BUFFER_MAX_SIZE: '10',
      KKT_BUFFER_ALERT_THRESHOLD: '0.2',
      KKT_BUFFER_BLOCK_THRESHOLD: '0.5',
    });
    for (let i = 0; i < 5; i++) expect((await t.receipt(`half-${i}`, sampleReceipt())).status).toBe(200);
    const full = await t.receipt('half-5', sampleReceipt());
    expect(full.status).toBe(503);
    expect(problemShape(full).code).toBe('BUFFER_FULL');
    const b = await t.get('/v1/kkt/buffer/status');
    expect(b.body).toMatchObject({ capacity: 10, pending: 5, percent_full: 50 });
  });
});

describe('GET /v1/health and the buffer thresholds', () => {
  test('healthy, then degraded past the alert threshold, then 503 unhealthy at the block threshold', async () => {
    const t = await start({
      KKT_BUFFER_MAX_SIZE: '10',
      KKT_BUFFER_ALERT_THRESHOLD: '0.2',
      KKT_BUFFER_BLOCK_THRESHOLD: '0.5',
    });
    const fresh = await t.get('/v1/health');
    expect(fresh.status, fresh.text).toBe(200);
    expect(fresh.body.status).toBe('healthy');
    expect(fresh.body.components.kkt).toBeDefined();
    expect(fresh.body.components.buffer).toMatchObject({ capacity: 10, pending: 0 });

    for (let i = 0; i < 3; i++) expect((await t.receipt(`h-${i}`, sampleReceipt())).status).toBe(200);
    const degraded = await t.get('/v1/health');
    expect(degraded.status).toBe(200);
    expect(degraded.body.status).toBe('degraded');
    expect(degraded.body.components.buffer).toMatchObject({ pending: 3, percent_full: 30 });

    for (let i = 3; i < 5; i++) expect((await t.receipt(`h-${i}`, sampleReceipt())).status).toBe(200);
    const unhealthy = await t.get('/v1/health');
    expect(unhealthy.status).toBe(503);
    expect(unhealthy.contentType).toMatch(/^application\/json/);
    expect(unhealthy.body.status).toBe('unhealthy');
    expect(unhealthy.body.components.buffer).toMatchObject({ pending: 5, percent_full: 50 });
  });

  test('KKT_BUFFER_MAX_SIZE=3: unhealthy (503) with a full buffer', async () => {
    const t = await start({ KKT_BUFFER_MAX_SIZE: '3' });
    for (let i = 0; i < 2; i++) expect((await t.receipt(`u-${i}`, sampleReceipt())).status).toBe(200);
    // 2 of 3 is below the default alert threshold of 0.8 × 3 = 2.4.
    const below = await t.get('/v1/health');
    expect(below.status).toBe(200);
    expect(below.body.status).toBe('healthy');
    expect((await t.receipt('u-2', sampleReceipt())).status).toBe(200);
    const full = await t.get('/v1/health');
    expect(full.status).toBe(503);
    expect(full.body.status).toBe('unhealthy');
  });

  test('paper out is an early warning that makes health degraded', async () => {
    const t = await start();
    expect((await t.put('/v1/_emulator/faults', { paper_out: true })).status).toBe(200);
    const h = await t.get('/v1/health');
    expect(h.status).toBe(200);
    expect(h.body.status).toBe('degraded');
    expect(h.body.warnings.length).toBeGreaterThan(0);
  });

  test('an emulator reset empties the buffer and unblocks receipts', async () => {
    const t = await start({ KKT_BUFFER_MAX_SIZE: '1' });
    expect((await t.receipt('r-1', sampleReceipt())).status).toBe(200);
    expect((await t.receipt('r-2', sampleReceipt())).status).toBe(503);
    expect((await t.post('/v1/_emulator/reset')).status).toBe(200);
    expect((await t.get('/v1/kkt/buffer/status')).body).toMatchObject({ pending: 0, total_receipts: 0 });
    expect((await t.get('/v1/health')).body.status).toBe('healthy');
    const r = await t.receipt('r-2', sampleReceipt());
    expect(r.status, r.text).toBe(200);
    expect(r.body.fiscal_doc.fiscal_doc_number).toBe(3);
  });
});
