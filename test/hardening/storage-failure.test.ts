import { afterEach, describe, expect, test } from 'vitest';
import { RepeatLimiter } from '../../src/service/repeat-log.ts';
import { problemShape, sampleReceipt, startTestAdapter, type TestAdapter } from '../helpers/adapter.ts';

/**
 * A full disk, made real: SQLite's max_page_count caps adapter.db at its current size, so the
 * next write that needs a page fails with SQLITE_FULL exactly as on a full file system.
 */
let t: TestAdapter | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

function fillDisk(a: TestAdapter) {
  const db = a.running.store.db;
  const pages = db.pragma('page_count', { simple: true }) as number;
  db.pragma(`max_page_count = ${pages}`);
}
function freeDisk(a: TestAdapter) {
  a.running.store.db.pragma('max_page_count = 1073741823');
}

describe('adapter.db cannot be written (disk full)', () => {
  test('the POS hears 503 STORAGE_UNAVAILABLE (retry the same key), health is unhealthy, and both recover', async () => {
    t = await startTestAdapter();
    const a = t;
    expect((await a.receipt('warm-up', sampleReceipt())).status).toBe(200);
    fillDisk(a);
    // Receipts until one no longer fits (each adds a few hundred bytes).
    let failedKey: string | undefined;
    let failed: Awaited<ReturnType<TestAdapter['receipt']>> | undefined;
    for (let i = 0; i < 60 && failedKey === undefined; i++) {
      const key = `full-${i}`;
      const r = await a.receipt(key, sampleReceipt({ pos_id: `POS-${i}` }));
      if (r.status !== 200) {
        failedKey = key;
        failed = r;
      }
    }
    expect(failedKey, 'the capped database filled up').toBeDefined();
    const answer = failed as NonNullable<typeof failed>;
    expect(answer.status, answer.text).toBe(503);
    const p = problemShape(answer);
    expect(p.code).toBe('STORAGE_UNAVAILABLE');
    expect(p.detail).toMatch(/disk full/);
    expect(p.detail).toMatch(/same Idempotency-Key/);
    expect(p.detail).not.toMatch(/nothing was lost|SQLITE|\//);

    const sick = await a.get('/v1/health');
    expect(sick.status).toBe(503);
    expect(sick.body.status).toBe('unhealthy');
    expect(sick.body.components.storage).toMatchObject({ status: 'failing', cause: 'disk_full', detail: 'disk full' });

    const docsWhileFull = await a.lastDocNumber();
    // The same key while the disk is still full: still 503, and never a second document.
    const again = await a.receipt(
      failedKey as string,
      sampleReceipt({ pos_id: (failedKey as string).replace('full-', 'POS-') }),
    );
    expect(again.status).toBe(503);
    expect(problemShape(again).code).toBe('STORAGE_UNAVAILABLE');
    expect(await a.lastDocNumber()).toBe(docsWhileFull);

    freeDisk(a);
    // Health recovers by itself (its probe write succeeds now).
    await new Promise((r) => setTimeout(r, 1100));
    const well = await a.get('/v1/health');
    expect(well.status).toBe(200);
    expect(well.body.components.storage.status).toBe('ok');

    // The retry learns the outcome: the receipt printed while the disk was full, no new document.
    const learnt = await a.receipt(
      failedKey as string,
      sampleReceipt({ pos_id: (failedKey as string).replace('full-', 'POS-') }),
    );
    expect(learnt.status, learnt.text).toBe(200);
    expect(learnt.headers.get('idempotent-replayed')).toBe('true');
    expect(await a.lastDocNumber()).toBe(docsWhileFull);
    expect(learnt.body.fiscal_doc.fiscal_doc_number).toBeLessThanOrEqual(docsWhileFull);
  });
});

describe('RepeatLimiter', () => {
  test('one line per cause per interval, then the count of repeats', () => {
    let now = 0;
    const lines: { cause: string; repeated: number }[] = [];
    const r = new RepeatLimiter(
      (l) => lines.push({ cause: l.cause, repeated: l.repeated }),
      60_000,
      () => now,
    );
    for (let i = 0; i < 1000; i++) r.note('storage: disk full', new Error('x'));
    r.note('other');
    expect(lines).toEqual([
      { cause: 'storage: disk full', repeated: 0 },
      { cause: 'other', repeated: 0 },
    ]);
    now = 61_000;
    r.note('storage: disk full');
    expect(lines.slice(2)).toEqual([
      { cause: 'storage: disk full', repeated: 999 },
      { cause: 'storage: disk full', repeated: 0 },
    ]);
  });
});
