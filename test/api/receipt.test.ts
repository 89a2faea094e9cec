import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
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

const FISCAL_DOC_FIELDS = [
  'document_type',
  'fiscal_datetime',
  'fiscal_doc_number',
  'fiscal_sign',
  'fn_number',
  'kkt_number',
  'qr_code_data',
  'receipt_number',
  'shift_number',
  'total',
];

describe('POST /v1/kkt/receipt: happy path', () => {
  test('the answer has exactly the shape of API.md, and GET returns the stored receipt', async () => {
    const t = await start();
    const body = sampleReceipt();
    const r = await t.receipt('happy-1', body);
    expect(r.status, r.text).toBe(200);
    expect(r.contentType).toMatch(/^application\/json/);
    expect(r.headers.get('idempotent-replayed')).toBeNull();
    expect(Object.keys(r.body).sort()).toEqual([
      'buffer',
      'fiscal_doc',
      'idempotency_key',
      'receipt_id',
      'status',
      'warnings',
    ]);
    expect(r.body.status).toBe('printed');
    expect(r.body.idempotency_key).toBe('happy-1');
    expect(r.body.receipt_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(r.body.buffer).toEqual({ status: 'pending' });
    expect(r.body.warnings).toEqual([]);

    const doc = r.body.fiscal_doc;
    expect(Object.keys(doc).sort()).toEqual(FISCAL_DOC_FIELDS);
    // 1 = registration, 2 = the automatically opened shift, 3 = this receipt.
    expect(doc.fiscal_doc_number).toBe(3);
    expect(doc.fiscal_sign).toMatch(/^\d{10}$/);
    // The virtual clock starts at 08:00 UTC, 11:00 in Moscow.
    expect(doc.fiscal_datetime).toBe('2026-11-25T11:00:00+03:00');
    expect(doc.fn_number).toMatch(/^9999\d{12}$/);
    expect(doc.kkt_number).toMatch(/^\d{16}$/);
    expect(doc.shift_number).toBe(1);
    expect(doc.receipt_number).toBe(1);
    expect(doc.total).toBe(200);
    expect(doc.qr_code_data).toBe(`t=20261125T1100&s=200.00&fn=${doc.fn_number}&i=3&fp=${Number(doc.fiscal_sign)}&n=1`);

    const g = await t.get(`/v1/kkt/receipt/${r.body.receipt_id}`);
    expect(g.status, g.text).toBe(200);
    expect(g.body.receipt_id).toBe(r.body.receipt_id);
    expect(g.body.idempotency_key).toBe('happy-1');
    // The request is stored exactly as the POS sent it.
    expect(g.body.request).toEqual(body);
    expect(g.body.fiscal_doc).toEqual(doc);
    expect(g.body.sync_status).toBe('pending');
    expect(g.body.ofd_id).toBeNull();

    const status = await t.get('/v1/kkt/status');
    expect(status.body.fn.last_fiscal_doc_number).toBe(3);
    expect(status.body.fn.number).toBe(doc.fn_number);
    expect(status.body.shift).toMatchObject({ state: 'opened', number: 1, receipts: 1 });

    const buffer = await t.get('/v1/kkt/buffer/status');
    expect(buffer.body).toMatchObject({ pending: 1, synced: 0, failed: 0, total_receipts: 1 });
  });

  test('an unknown receipt id is 404 problem+json', async () => {
    const t = await start();
    const g = await t.get('/v1/kkt/receipt/00000000-0000-0000-0000-000000000000');
    expect(g.status).toBe(404);
    expect(problemShape(g).code).toBe('RECEIPT_NOT_FOUND');
  });

  test('the operation type and the QR `n` agree for every receipt type', async () => {
    // Refunds and purchases pay cash out of an empty drawer here: cash control (the default) would
    // refuse them (test/api/ffd-operations.test.ts covers that), and this suite also runs over the wire.
    const t = await start({ KKT_CASH_CONTROL: 'false' });
    const types = ['sale', 'refund', 'purchase', 'purchase_refund'];
    for (const [i, type] of types.entries()) {
      const r = await t.receipt(`type-${type}`, sampleReceipt({ type }));
      expect(r.status, r.text).toBe(200);
      expect(r.body.fiscal_doc.qr_code_data).toMatch(new RegExp(`&n=${i + 1}$`));
      expect(r.body.fiscal_doc.receipt_number).toBe(i + 1);
    }
  });

  test('100 concurrent receipts: all printed, document numbers unique and contiguous, one shift', async () => {
    const t = await start();
    const answers = await Promise.all(
      Array.from({ length: 100 }, (_, i) => t.receipt(`concurrent-${i}`, sampleReceipt({ pos_id: `POS-${i}` }))),
    );
    for (const a of answers) expect(a.status, a.text).toBe(200);
    const docNumbers = answers.map((a) => a.body.fiscal_doc.fiscal_doc_number as number).sort((a, b) => a - b);
    expect(docNumbers).toEqual(Array.from({ length: 100 }, (_, i) => i + 3));
    const receiptNumbers = answers.map((a) => a.body.fiscal_doc.receipt_number as number).sort((a, b) => a - b);
    expect(receiptNumbers).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    expect(new Set(answers.map((a) => a.body.fiscal_doc.shift_number))).toEqual(new Set([1]));
    expect(new Set(answers.map((a) => a.body.receipt_id)).size).toBe(100);
    expect(new Set(answers.map((a) => a.body.fiscal_doc.fiscal_sign)).size).toBe(100);
    // Each answer belongs to its own request.
    answers.forEach((a, i) => {
      expect(a.body.idempotency_key).toBe(`concurrent-${i}`);
    });
    expect(await t.lastDocNumber()).toBe(102);
    const buffer = await t.get('/v1/kkt/buffer/status');
    expect(buffer.body.pending).toBe(100);
  });
});

describe('POST /v1/kkt/receipt: idempotency', () => {
  test('same key + same body: the same answer, Idempotent-Replayed, no new document', async () => {
    const t = await start();
    const first = await t.receipt('idem-1', sampleReceipt());
    expect(first.status).toBe(200);
    const again = await t.receipt('idem-1', sampleReceipt());
    expect(again.status).toBe(200);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toEqual(first.body);
    expect(again.text).toBe(first.text);
    // Key order does not make a different body.
    const reordered = Object.fromEntries(Object.entries(sampleReceipt()).reverse());
    const third = await t.receipt('idem-1', reordered);
    expect(third.status).toBe(200);
    expect(third.headers.get('idempotent-replayed')).toBe('true');
    expect(third.body).toEqual(first.body);

    const status = await t.get('/v1/kkt/status');
    expect(status.body.fn.last_fiscal_doc_number).toBe(3);
    expect(status.body.shift.receipts).toBe(1);
    expect((await t.get('/v1/kkt/buffer/status')).body.total_receipts).toBe(1);
  });

  test('same key + different body: 422 IDEMPOTENCY_KEY_MISMATCH, no new document', async () => {
    const t = await start();
    expect((await t.receipt('idem-2', sampleReceipt())).status).toBe(200);
    const other = sampleReceipt({ payments: [{ type: 'cash', amount: 500 }] });
    const r = await t.receipt('idem-2', other);
    expect(r.status).toBe(422);
    expect(problemShape(r).code).toBe('IDEMPOTENCY_KEY_MISMATCH');
    expect(r.body.detail).toContain('idem-2');
    expect(await t.lastDocNumber()).toBe(3);
  });

  test('same key while the first request is in flight: one 200, one 409, exactly one document', async () => {
    const t = await start({ KKT_PRINT_DELAY_MS: '300' });
    const [a, b] = await Promise.all([
      t.receipt('inflight-1', sampleReceipt()),
      t.receipt('inflight-1', sampleReceipt()),
    ]);
    const statuses = [a.status, b.status].sort();
    expect(statuses).toEqual([200, 409]);
    const conflict = a.status === 409 ? a : b;
    expect(problemShape(conflict).code).toBe('IDEMPOTENCY_KEY_IN_FLIGHT');
    expect(await t.lastDocNumber()).toBe(3);
    // Once the first has finished, the retry gets its answer.
    const ok = a.status === 200 ? a : b;
    const retry = await t.receipt('inflight-1', sampleReceipt());
    expect(retry.status).toBe(200);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(retry.body).toEqual(ok.body);
    expect(await t.lastDocNumber()).toBe(3);
  });

  test('a missing or invalid Idempotency-Key is 400 and prints nothing', async () => {
    const t = await start();
    const noKey = await t.request('POST', '/v1/kkt/receipt', { json: sampleReceipt() });
    expect(noKey.status).toBe(400);
    expect(problemShape(noKey).code).toBe('IDEMPOTENCY_KEY_INVALID');
    for (const key of ['', 'has space', 'x'.repeat(129), 'tab\tkey']) {
      const r = await t.receipt(key, sampleReceipt());
      expect(r.status, JSON.stringify(key)).toBe(400);
      expect(problemShape(r).code).toBe('IDEMPOTENCY_KEY_INVALID');
    }
    expect(await t.lastDocNumber()).toBe(1);
    // The longest allowed key works.
    const longest = await t.receipt('k'.repeat(128), sampleReceipt());
    expect(longest.status, longest.text).toBe(200);
  });
});

describe('POST /v1/kkt/receipt: device refusals', () => {
  test('paper out: 503 PAPER_OUT and no document; after the fault clears the same key succeeds', async () => {
    const t = await start();
    const fault = await t.put('/v1/_emulator/faults', { paper_out: true });
    expect(fault.status, fault.text).toBe(200);
    expect(fault.body.faults.paper_out).toBe(true);
    const before = await t.lastDocNumber();

    const refused = await t.receipt('paper-1', sampleReceipt());
    expect(refused.status).toBe(503);
    expect(problemShape(refused).code).toBe('PAPER_OUT');
    expect(await t.lastDocNumber()).toBe(before);
    expect((await t.get('/v1/kkt/buffer/status')).body.total_receipts).toBe(0);

    expect((await t.put('/v1/_emulator/faults', { paper_out: false })).status).toBe(200);
    const ok = await t.receipt('paper-1', sampleReceipt());
    expect(ok.status, ok.text).toBe(200);
    expect(ok.headers.get('idempotent-replayed')).toBeNull();
    expect(ok.body.fiscal_doc.fiscal_doc_number).toBe(before + 2);
  });

  test('cover open: 503 COVER_OPEN and no document', async () => {
    const t = await start();
    expect((await t.put('/v1/_emulator/faults', { cover_open: true })).status).toBe(200);
    const refused = await t.receipt('cover-1', sampleReceipt());
    expect(refused.status).toBe(503);
    expect(problemShape(refused).code).toBe('COVER_OPEN');
    expect(await t.lastDocNumber()).toBe(1);
  });

  test('a shift over 24 h: 409 SHIFT_EXPIRED; after the Z report receipts work again in shift 2', async () => {
    const t = await start();
    const first = await t.receipt('shift-1', sampleReceipt());
    expect(first.body.fiscal_doc).toMatchObject({ shift_number: 1, receipt_number: 1, fiscal_doc_number: 3 });

    const clock = await t.post('/v1/_emulator/clock', { advance_seconds: 86400 });
    expect(clock.status, clock.text).toBe(200);
    expect(clock.body.device.shift.state).toBe('expired');

    const refused = await t.receipt('shift-2', sampleReceipt());
    expect(refused.status).toBe(409);
    expect(problemShape(refused).code).toBe('SHIFT_EXPIRED');
    expect(await t.lastDocNumber()).toBe(3);

    const z = await t.post('/v1/kkt/shift/close');
    expect(z.status, z.text).toBe(200);
    expect(z.body).toMatchObject({ type: 'shift_close', shift_number: 1, fiscal_doc_number: 4, receipts_count: 1 });

    // The refused key was not used up: it now prints in the new shift.
    const again = await t.receipt('shift-2', sampleReceipt());
    expect(again.status, again.text).toBe(200);
    expect(again.headers.get('idempotent-replayed')).toBeNull();
    expect(again.body.fiscal_doc).toMatchObject({ shift_number: 2, receipt_number: 1, fiscal_doc_number: 6 });
    expect(again.body.fiscal_doc.fiscal_datetime).toBe('2026-11-26T11:00:00+03:00');
  });
});

describe('POST /v1/kkt/receipt: VAT', () => {
  test('a 20 % rate in 2026 is accepted with a warning', async () => {
    const t = await start();
    for (const [key, rate] of [
      ['vat-20', 20],
      ['vat-20-120', '20/120'],
    ] as const) {
      const body = sampleReceipt({
        items: [{ name: 'Lens', price: 100, quantity: 2, vat_rate: rate }],
      });
      const r = await t.receipt(key, body);
      expect(r.status, r.text).toBe(200);
      expect(r.body.warnings).toHaveLength(1);
      expect(r.body.warnings[0]).toMatch(/20/);
      expect(r.body.warnings[0]).toMatch(/22/);
    }
  });

  test('the current 22 % rate and the other rates give no warning', async () => {
    const t = await start();
    // Over the Shtrih-M wire, 5 % and 7 % have no encoding any public source gives (docs/serial.md):
    // the driver refuses them before sending anything.
    const overShtrih = t.running.driver.kind === 'shtrih';
    for (const rate of [22, '22/122', 10, '10/110', 0, 'none', 5, 7]) {
      const r = await t.receipt(
        `rate-${rate}`,
        sampleReceipt({
          items: [{ name: 'A', price: 1, quantity: 1, vat_rate: rate }],
          payments: [{ type: 'cash', amount: 1 }],
        }),
      );
      if (overShtrih && (rate === 5 || rate === 7)) {
        expect(r.status, r.text).toBe(400);
        expect(r.body).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ path: '/items/0/vat_rate' }] });
        expect(r.body.detail).toContain(`VAT ${rate}:`);
        continue;
      }
      expect(r.status, r.text).toBe(200);
      expect(r.body.warnings).toEqual([]);
    }
  });
});

describe('POST /v1/kkt/receipt: one document, one text', () => {
  // Over a wire driver (KKT_TEST_DRIVER_ENV) the archive is the device's, not in this data dir.
  test.skipIf(Boolean(process.env.KKT_TEST_DRIVER_ENV))(
    'adapter.db stores the fiscal document as the ФН archive wrote it, byte for byte',
    async () => {
      const t = await start();
      const answers = [];
      for (const key of ['one-text-1', 'one-text-2', 'one-text-3'])
        answers.push(await t.receipt(key, sampleReceipt({ pos_id: key })));
      expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
      const archiveFile = readdirSync(t.dir).find((f) => /^kkt-.*\.db$/.test(f));
      expect(archiveFile).toBeDefined();
      const adapterDb = new Database(join(t.dir, 'adapter.db'), { readonly: true });
      const archive = new Database(join(t.dir, archiveFile as string), { readonly: true });
      try {
        for (const a of answers) {
          const n = a.body.fiscal_doc.fiscal_doc_number;
          const stored = adapterDb.prepare('SELECT document FROM receipts WHERE fiscal_doc_number = ?').get(n) as {
            document: string;
          };
          const written = archive.prepare('SELECT body FROM documents WHERE number = ?').get(n) as { body: string };
          expect(stored.document).toBe(written.body);
          expect(JSON.parse(stored.document).fiscalSign).toBe(a.body.fiscal_doc.fiscal_sign);
        }
      } finally {
        adapterDb.close();
        archive.close();
      }
    },
  );
});
