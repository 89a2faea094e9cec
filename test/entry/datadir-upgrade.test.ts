import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/entry/config.ts';
import { type RunningAdapter, startAdapter } from '../../src/entry/start-adapter.ts';
import { VirtualClock } from '../../src/io/clock.ts';
import { MockOfdServer } from '../../src/mocks/mock-ofd.ts';
import { callJson } from '../helpers/http.ts';

/**
 * test/fixtures/datadir-0.1 was written by kkt-emu 0.1.0 (the release before one stored copy
 * per receipt; see its README): five receipts, three of them already at the ОФД. A data dir
 * like it must open with the current release, replay its keys with the very answers given
 * then, and go on syncing and printing.
 */
const FIXTURE = join(import.meta.dirname, '../fixtures/datadir-0.1');

interface Answer {
  key: string;
  body: unknown;
  status: number;
  response: { receipt_id: string; fiscal_doc: { fiscal_doc_number: number } };
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function openFixture(): Promise<{ adapter: RunningAdapter; ofd: MockOfdServer; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'kkt-upgrade-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  cpSync(FIXTURE, dir, { recursive: true });
  const ofd = new MockOfdServer();
  await ofd.start();
  cleanups.push(() => ofd.stop());
  const clock = new VirtualClock({ manual: true, start: Date.UTC(2026, 10, 25, 8, 5) });
  cleanups.push(() => clock.dispose());
  const config = loadConfig({
    KKT_DATA_DIR: dir,
    KKT_HTTP_HOST: '127.0.0.1',
    KKT_HTTP_PORT: '0',
    KKT_PRINT_DELAY_MS: '0',
    KKT_SERIAL: '00000000012345',
    KKT_OFD_API_URL: ofd.url,
    KKT_HLC_SYNC_INTERVAL: '3600',
  });
  const adapter = await startAdapter(config, { clock });
  cleanups.push(() => adapter.close());
  return { adapter, ofd, dir };
}

const answers = JSON.parse(readFileSync(join(FIXTURE, 'answers.json'), 'utf8')) as Answer[];

describe('a data dir written by kkt-emu 0.1.0', () => {
  it('is migrated to one stored copy per receipt', async () => {
    const { adapter, dir } = await openFixture();
    await adapter.close();
    const db = new Database(join(dir, 'adapter.db'), { readonly: true });
    try {
      const columns = (table: string) =>
        (db.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[]).map((c) => c.name);
      expect(columns('requests')).not.toContain('response');
      expect(columns('requests')).toContain('warnings');
      expect(columns('receipts')).not.toContain('request');
      expect(columns('receipts')).not.toContain('fiscal_doc');
      expect(db.pragma('user_version', { simple: true })).toBe(3);
      // adapter.db now knows the archive it belongs to.
      expect(db.prepare("SELECT value FROM meta WHERE key = 'fn_number'").pluck().get()).toMatch(/^9999/);
    } finally {
      db.close();
    }
  });

  it('replays every old key with its original answer and prints nothing new', async () => {
    const { adapter } = await openFixture();
    const before = (await callJson('GET', `${adapter.url}/v1/kkt/status`)).body.fn.last_fiscal_doc_number;
    expect(answers).toHaveLength(5);
    for (const a of answers) {
      const again = await callJson('POST', `${adapter.url}/v1/kkt/receipt`, a.body, { 'idempotency-key': a.key });
      expect(again.status).toBe(200);
      expect(again.headers.get('idempotent-replayed')).toBe('true');
      // The original answer, plus the fields answers gained since 0.1.0 (document_type: 3 = receipt).
      expect(again.body).toEqual({ ...a.response, fiscal_doc: { ...a.response.fiscal_doc, document_type: 3 } });
    }
    // One answer carried a warning (VAT 20 in 2026); it came back too.
    expect(answers.some((a) => (a.response as unknown as { warnings: string[] }).warnings.length > 0)).toBe(true);
    const other = await callJson(
      'POST',
      `${adapter.url}/v1/kkt/receipt`,
      { ...(answers[0]?.body as object), pos_id: 'X' },
      {
        'idempotency-key': 'fixture-1',
      },
    );
    expect(other.status).toBe(422);
    const after = (await callJson('GET', `${adapter.url}/v1/kkt/status`)).body.fn.last_fiscal_doc_number;
    expect(after).toBe(before);
  });

  it('shows old receipts with their requests, syncs the pending ones and prints on', async () => {
    const { adapter, ofd } = await openFixture();
    const last = answers[4] as Answer;
    const stored = await callJson('GET', `${adapter.url}/v1/kkt/receipt/${last.response.receipt_id}`);
    expect(stored.status).toBe(200);
    expect(stored.body).toMatchObject({
      request: last.body,
      fiscal_doc: last.response.fiscal_doc,
      sync_status: 'pending',
    });
    const buffer = await callJson('GET', `${adapter.url}/v1/kkt/buffer/status`);
    expect(buffer.body).toMatchObject({ pending: 2, synced: 3, failed: 0 });
    const sync = await callJson('POST', `${adapter.url}/v1/kkt/buffer/sync`);
    expect(sync.body).toMatchObject({ synced: 2, failed: 0 });
    const atOfd = ofd.receipts().map((r) => r.fiscal_doc_number);
    expect(atOfd).toEqual(answers.slice(3).map((a) => a.response.fiscal_doc.fiscal_doc_number));
    const fresh = await callJson('POST', `${adapter.url}/v1/kkt/receipt`, answers[0]?.body, {
      'idempotency-key': 'after-upgrade',
    });
    expect(fresh.status).toBe(200);
    expect(fresh.body.fiscal_doc.fiscal_doc_number).toBe(last.response.fiscal_doc.fiscal_doc_number + 1);
  });
});
