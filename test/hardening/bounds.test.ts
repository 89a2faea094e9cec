import { mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { loadConfig } from '../../src/entry/config.ts';
import { type RunningAdapter, startAdapter } from '../../src/entry/start-adapter.ts';
import { VirtualClock } from '../../src/io/clock.ts';
import { MockOfdServer } from '../../src/mocks/mock-ofd.ts';
import { API_T0, sampleReceipt, startTestAdapter } from '../helpers/adapter.ts';
import { spawnAdapter } from '../helpers/adapter-child.ts';
import { callJson } from '../helpers/http.ts';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function socketTo(url: string): Promise<Socket> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const s = connect(Number(u.port), u.hostname, () => resolve(s));
    s.on('error', reject);
  });
}
function whenClosed(s: Socket): Promise<string> {
  let text = '';
  s.setEncoding('utf8');
  s.on('data', (c) => {
    text += c;
  });
  return new Promise((resolve) => s.on('close', () => resolve(text)));
}

describe('slow and many clients', () => {
  test('a body sent a byte at a time gets 408 problem+json once KKT_HTTP_REQUEST_TIMEOUT passes', async () => {
    const t = await startTestAdapter({ KKT_HTTP_REQUEST_TIMEOUT: '1', KKT_HTTP_HEADERS_TIMEOUT: '1' });
    cleanups.push(() => t.close());
    const s = await socketTo(t.url);
    const closed = whenClosed(s);
    s.write(
      `POST /v1/kkt/shift/open HTTP/1.1\r\nHost: ${new URL(t.url).host}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{`,
    );
    const drip = setInterval(() => s.writable && s.write(' '), 300);
    const text = await closed;
    clearInterval(drip);
    expect(text).toMatch(/^HTTP\/1\.1 408/);
    expect(text).toContain('"code":"REQUEST_TIMEOUT"');
    expect((await t.get('/v1/kkt/status')).body.shift.state).toBe('closed');
  });

  test('connections beyond KKT_HTTP_MAX_CONNECTIONS are closed at once; the adapter keeps serving', async () => {
    const t = await startTestAdapter({ KKT_HTTP_MAX_CONNECTIONS: '4' });
    cleanups.push(() => t.close());
    const held = await Promise.all(Array.from({ length: 4 }, () => socketTo(t.url)));
    const extra = await socketTo(t.url);
    const text = await whenClosed(extra);
    expect(text).toBe('');
    for (const s of held) s.destroy();
    await new Promise((r) => setTimeout(r, 100));
    expect((await t.get('/v1/kkt/status')).status).toBe(200);
  });

  test('SIGTERM with a stalled client still exits cleanly (the stalled connection is ended after the grace period)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kkt-slow-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const child = await spawnAdapter({ dataDir: dir, command: 'adapter', logLevel: 'silent' });
    cleanups.push(() => child.kill());
    const s = await socketTo(child.url);
    s.on('error', () => undefined);
    s.write(
      `POST /v1/kkt/shift/open HTTP/1.1\r\nHost: ${new URL(child.url).host}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{`,
    );
    const drip = setInterval(() => s.writable && s.write(' '), 1000);
    await new Promise((r) => setTimeout(r, 300));
    // 20 s before SIGKILL; the default request timeout is 30 s, so only the shutdown bound ends it.
    await child.stop(20_000);
    clearInterval(drip);
    s.destroy();
    expect(await child.exited).toEqual({ code: 0, signal: null });
  });
});

describe('retention and the mock ОФД', () => {
  test('synced receipts older than KKT_SYNCED_RETENTION_DAYS are pruned; their keys still replay from the archive', async () => {
    const ofd = new MockOfdServer({ port: 0, host: '127.0.0.1' });
    await ofd.start();
    cleanups.push(() => ofd.stop());
    const dir = mkdtempSync(join(tmpdir(), 'kkt-retention-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const start = async (at: number): Promise<RunningAdapter> => {
      const config = loadConfig({
        KKT_DATA_DIR: dir,
        KKT_HTTP_HOST: '127.0.0.1',
        KKT_HTTP_PORT: '0',
        KKT_PRINT_DELAY_MS: '0',
        KKT_OFD_API_URL: ofd.url,
        KKT_HLC_SYNC_INTERVAL: '600',
        KKT_SYNCED_RETENTION_DAYS: '30',
      });
      const clock = new VirtualClock({ manual: true, start: at });
      const a = await startAdapter(config, { clock });
      cleanups.push(async () => {
        await a.close();
        clock.dispose();
      });
      return a;
    };
    const a = await start(API_T0);
    const body = sampleReceipt();
    const first = await callJson('POST', `${a.url}/v1/kkt/receipt`, body, { 'idempotency-key': 'old-1' });
    expect(first.status).toBe(200);
    await callJson('POST', `${a.url}/v1/kkt/buffer/sync`);
    expect((await callJson('GET', `${a.url}/v1/kkt/receipt/${first.body.receipt_id}`)).body.sync_status).toBe('synced');
    await a.close();
    const b = await start(API_T0 + 31 * 86_400_000);
    expect((await callJson('GET', `${b.url}/v1/kkt/receipt/${first.body.receipt_id}`)).status).toBe(404);
    const buffer = (await callJson('GET', `${b.url}/v1/kkt/buffer/status`)).body;
    expect(buffer.synced).toBe(0);
    const replay = await callJson('POST', `${b.url}/v1/kkt/receipt`, body, { 'idempotency-key': 'old-1' });
    expect(replay.status).toBe(200);
    expect(replay.body.fiscal_doc).toEqual(first.body.fiscal_doc);
    expect((await b.driver.status()).fn.lastFiscalDocNumber).toBe(first.body.fiscal_doc.fiscal_doc_number);
  });

  test('the mock ОФД keeps a bounded ring of what it received; counters count everything', async () => {
    const ofd = new MockOfdServer({ port: 0, host: '127.0.0.1', maxStored: 3 });
    await ofd.start();
    cleanups.push(() => ofd.stop());
    const t = await startTestAdapter({ KKT_OFD_API_URL: ofd.url, KKT_HLC_SYNC_INTERVAL: '600' });
    cleanups.push(() => t.close());
    const ids: string[] = [];
    for (let n = 1; n <= 5; n++)
      ids.push((await t.receipt(`ring-${n}`, sampleReceipt({ pos_id: `P${n}` }))).body.receipt_id);
    for (let i = 0; i < 5 && (await t.get('/v1/kkt/buffer/status')).body.pending > 0; i++)
      await t.post('/v1/kkt/buffer/sync');
    expect((await t.get('/v1/kkt/buffer/status')).body.synced).toBe(5);
    expect(ofd.receipts().map((r) => r.receipt_id)).toEqual(ids.slice(2));
    expect(ofd.health()).toMatchObject({ call_count: 5, receipts_received: 5 });
  });
});
