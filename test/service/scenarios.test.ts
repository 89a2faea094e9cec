import { afterEach, describe, expect, it } from 'vitest';
import { eventually, type HttpStack, sampleReceipt, startHttpStack } from '../helpers/stack.ts';

/**
 * The six scenarios of the original guide (section 6), over real HTTP against the running
 * adapter, mock ОФД and mock Odoo, plus the ОФД rejecting a receipt for good.
 */
let stack: HttpStack | undefined;
afterEach(async () => {
  await stack?.stop();
  stack = undefined;
});

async function setOfdFaults(s: HttpStack, faults: Record<string, unknown>) {
  const r = await s.send('PUT', `${s.ofdUrl}/ofd/v1/_test/faults`, faults);
  expect(r.status).toBe(200);
}

describe('ОФД sync scenarios', () => {
  it('1: happy path — printed, buffered, synced, the ОФД has it once', async () => {
    stack = await startHttpStack();
    const s = stack;
    const r = await s.receipt('happy-1');
    expect(r.status).toBe(200);
    expect(r.body.status).toBe('printed');
    expect(r.body.buffer.status).toBe('pending');
    await eventually(async () => (await s.bufferStatus()).synced === 1, 'the receipt to be synced');
    const buffer = await s.bufferStatus();
    expect(buffer).toMatchObject({ pending: 0, synced: 1, failed: 0, network_status: 'online' });
    const ofd = await s.ofdState();
    expect(ofd.call_count).toBe(1);
    expect(ofd.receipts).toHaveLength(1);
    expect(ofd.receipts[0]).toMatchObject({
      fiscal_doc_number: r.body.fiscal_doc.fiscal_doc_number,
      fn_number: r.body.fiscal_doc.fn_number,
      qr_code_data: r.body.fiscal_doc.qr_code_data,
      receipt_id: r.body.receipt_id,
    });
    const stored = await s.get(`${s.url}/v1/kkt/receipt/${r.body.receipt_id}`);
    expect(stored.body.sync_status).toBe('synced');
    expect(stored.body.ofd_id).toMatch(/^OFD-\d{6,}$/);
    // The registration and shift-open reports reach the ОФД too, so the ФН owes nothing.
    await eventually(async () => (await s.get(`${s.url}/v1/kkt/status`)).body.fn.unsent_count === 0, 'ФН unsent 0');
    expect((await s.ofdState()).documents.map((d: { document_type: string }) => d.document_type).sort()).toEqual([
      'registration',
      'shift_open',
    ]);
  });

  it('2 + 3: ОФД down — receipts print and wait, the breaker opens; recovery — a manual sync drains all', async () => {
    stack = await startHttpStack();
    const s = stack;
    await setOfdFaults(s, { permanent_failure: true });
    for (let i = 0; i < 10; i++) {
      const r = await s.receipt(`offline-${i}`);
      expect(r.status).toBe(200);
      expect(r.body.status).toBe('printed');
    }
    await eventually(async () => (await s.health()).components.circuit_breaker.state === 'OPEN', 'breaker OPEN');
    const health = await s.health();
    expect(health.status).toBe('degraded');
    expect(health.components.circuit_breaker.failure_count).toBe(5);
    expect(await s.bufferStatus()).toMatchObject({ pending: 10, synced: 0, network_status: 'offline' });
    // Documents go in number order, so the calls before the breaker opened went to whichever
    // route the first unsent document needs (the shift-open report is document 2): 5 in all.
    const down = await s.ofdState();
    expect(down.call_count + down.document_call_count).toBe(5);
    expect(down.receipts).toEqual([]);

    await setOfdFaults(s, {});
    const sync = await s.send('POST', `${s.url}/v1/kkt/buffer/sync`);
    expect(sync.status).toBe(202);
    expect(sync.body).toMatchObject({ status: 'completed', synced: 10, failed: 0, skipped: 0 });
    expect(await s.bufferStatus()).toMatchObject({ pending: 0, synced: 10, percent_full: 0 });
    const up = await s.ofdState();
    expect(up.receipts).toHaveLength(10);
    expect(up.duplicates).toBe(0);
    expect((await s.health()).components.circuit_breaker).toMatchObject({ state: 'CLOSED', failure_count: 0 });
  });

  it('4: cascade prevention — 20 receipts print while the ОФД sees only threshold-many calls', async () => {
    stack = await startHttpStack();
    const s = stack;
    await setOfdFaults(s, { failure_count: 100, latency_ms: 100 });
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => s.receipt(`cascade-${i}`)));
    expect(answers.map((a) => a.status)).toEqual(Array(20).fill(200));
    await eventually(async () => (await s.health()).components.circuit_breaker.state === 'OPEN', 'breaker OPEN');
    // More receipts and more sync intervals while open: still no further ОФД calls.
    for (let i = 0; i < 5; i++) expect((await s.receipt(`cascade-late-${i}`)).status).toBe(200);
    const calls = (o: { call_count: number; document_call_count: number }) => o.call_count + o.document_call_count;
    const before = calls(await s.ofdState());
    await new Promise((r) => setTimeout(r, 500)); // more than two sync intervals
    const after = await s.ofdState();
    expect(before).toBe(5);
    expect(calls(after)).toBe(5);
    expect((await s.bufferStatus()).pending).toBe(25);
  });

  it('5: buffer overflow — the 11th receipt gets 503 Buffer full and nothing is fiscalized', async () => {
    stack = await startHttpStack({ KKT_BUFFER_MAX_SIZE: '10' });
    const s = stack;
    await setOfdFaults(s, { permanent_failure: true });
    for (let i = 0; i < 10; i++) expect((await s.receipt(`full-${i}`)).status).toBe(200);
    expect((await s.bufferStatus()).percent_full).toBe(100);
    const lastDoc = (await s.get(`${s.url}/v1/kkt/status`)).body.fn.last_fiscal_doc_number;
    const r = await s.receipt('full-10');
    expect(r.status).toBe(503);
    expect(r.body.detail).toMatch(/^Buffer full/);
    expect((await s.get(`${s.url}/v1/kkt/status`)).body.fn.last_fiscal_doc_number).toBe(lastDoc);
    expect((await s.health()).status).toBe('unhealthy');
  });

  it('6: 100 concurrent receipts — unique, contiguous numbers, each at the ОФД exactly once', async () => {
    stack = await startHttpStack();
    const s = stack;
    const docs: number[] = [];
    const receiptNumbers: number[] = [];
    await Promise.all(
      Array.from({ length: 10 }, async (_, lane) => {
        for (let i = 0; i < 10; i++) {
          const r = await s.receipt(`concurrent-${lane}-${i}`);
          expect(r.status).toBe(200);
          docs.push(r.body.fiscal_doc.fiscal_doc_number);
          receiptNumbers.push(r.body.fiscal_doc.receipt_number);
        }
      }),
    );
    expect(new Set(docs).size).toBe(100);
    const min = Math.min(...docs);
    expect([...docs].sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => min + i));
    expect([...receiptNumbers].sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    await eventually(async () => (await s.bufferStatus()).synced === 100, '100 receipts synced');
    const ofd = await s.ofdState();
    expect(ofd.receipts).toHaveLength(100);
    expect(ofd.duplicates).toBe(0);
    expect(new Set(ofd.receipts.map((r: { fiscal_doc_number: number }) => r.fiscal_doc_number))).toEqual(new Set(docs));
  });

  it('a receipt the ОФД rejects as invalid goes to failed with the reason and is never retried', async () => {
    stack = await startHttpStack();
    const s = stack;
    // The shift is opened and reported first: documents reach the ОФД in number order, so the
    // one rejection must meet the receipt, not the shift-open report before it.
    expect((await s.send('POST', `${s.url}/v1/kkt/shift/open`, {})).status).toBe(200);
    await eventually(async () => (await s.get(`${s.url}/v1/kkt/status`)).body.fn.unsent_count === 0, 'ФН unsent 0');
    await setOfdFaults(s, { reject_count: 1 });
    const r = await s.receipt('rejected-1', sampleReceipt());
    expect(r.status).toBe(200);
    await eventually(async () => (await s.bufferStatus()).failed === 1, 'the receipt to fail');
    const stored = await s.get(`${s.url}/v1/kkt/receipt/${r.body.receipt_id}`);
    expect(stored.body.sync_status).toBe('failed');
    expect(stored.body.last_error).toMatch(/OFD_REJECTED/);
    const calls = (await s.ofdState()).call_count;
    const sync = await s.send('POST', `${s.url}/v1/kkt/buffer/sync`);
    expect(sync.body).toMatchObject({ synced: 0, failed: 0 });
    expect((await s.ofdState()).call_count).toBe(calls);
    expect((await s.health()).components.circuit_breaker.state).toBe('CLOSED');
  });

  it('the heartbeat reaches the mock Odoo and goes offline with hysteresis', async () => {
    stack = await startHttpStack();
    const s = stack;
    await eventually(async () => (await s.health()).components.heartbeat.state === 'online', 'heartbeat online');
    const beats = (await s.get(`${s.odooUrl}/api/v1/_test/heartbeats`)).body;
    expect(beats.heartbeats[0]).toMatchObject({ kkt_serial: expect.any(String), fn_number: expect.any(String) });
    await s.send('PUT', `${s.odooUrl}/api/v1/_test/faults`, { permanent_failure: true });
    await eventually(async () => (await s.health()).components.heartbeat.state === 'offline', 'heartbeat offline');
    const h = await s.health();
    expect(h.status).toBe('degraded');
    expect(h.components.heartbeat.consecutive_failures).toBeGreaterThanOrEqual(3);
  });
});
