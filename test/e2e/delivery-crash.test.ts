import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MockOfdServer } from '../../src/mocks/mock-ofd.ts';
import { type AdapterChild, spawnAdapter } from '../helpers/adapter-child.ts';
import { callJson } from '../helpers/http.ts';
import { sampleReceipt } from '../helpers/sample-receipt.ts';

/**
 * At-least-once delivery, exactly-once effect, with real processes: the adapter is SIGKILLed
 * while it drains its buffer into the ОФД (a server in this test process, so it survives the
 * kills), restarted, killed again, and finally allowed to finish. Every receipt must end
 * `synced` with the id the ОФД gave it, and the ОФД must hold each document once.
 */
const RECEIPTS = 240;
const KILLS = 3;
const dataDir = mkdtempSync(join(tmpdir(), 'kkt-delivery-crash-'));
const children: AdapterChild[] = [];
const ofd = new MockOfdServer();

afterAll(async () => {
  await Promise.allSettled(children.map((c) => c.kill()));
  await ofd.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

async function start(ofdUrl: string): Promise<AdapterChild> {
  const child = await spawnAdapter({
    dataDir,
    env: { KKT_OFD_API_URL: ofdUrl, KKT_HLC_SYNC_INTERVAL: '0.05', KKT_SYNC_BATCH_SIZE: '10' },
  });
  children.push(child);
  return child;
}

describe('delivery across crashes', () => {
  it('a drain killed mid-way and restarted ends with every receipt at the ОФД exactly once', async () => {
    const ofdUrl = await ofd.start();
    ofd.setFaults({ permanent_failure: true });
    let child = await start(ofdUrl);
    const ids: string[] = [];
    for (let wave = 0; wave < RECEIPTS / 20; wave++) {
      const answers = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          callJson('POST', `${child.url}/v1/kkt/receipt`, sampleReceipt(), { 'idempotency-key': `crash-${wave}-${i}` }),
        ),
      );
      for (const a of answers) {
        expect(a.status).toBe(200);
        ids.push(a.body.receipt_id);
      }
    }
    // A slow ОФД keeps calls on the wire when the kill lands.
    ofd.setFaults({ latency_ms: 3 });
    const seen: number[] = [];
    for (let k = 0; k < KILLS; k++) {
      void fetch(`${child.url}/v1/kkt/buffer/sync`, { method: 'POST' }).catch(() => undefined);
      const target = Math.round(((k + 1) * RECEIPTS) / (KILLS + 2));
      for (let i = 0; i < 400 && ofd.receipts().length < target; i++) await new Promise((r) => setTimeout(r, 10));
      await child.kill();
      seen.push(ofd.receipts().length);
      child = await start(ofdUrl);
    }
    // Some progress was made and cut off each time.
    expect(seen[0]).toBeGreaterThan(0);
    expect(seen[KILLS - 1]).toBeLessThan(RECEIPTS);
    let buffer = { pending: -1, synced: 0 };
    let unsent = -1;
    for (let i = 0; i < 500 && (buffer.pending !== 0 || unsent !== 0); i++) {
      await callJson('POST', `${child.url}/v1/kkt/buffer/sync`);
      buffer = (await callJson('GET', `${child.url}/v1/kkt/buffer/status`)).body;
      unsent = (await callJson('GET', `${child.url}/v1/kkt/status`)).body.fn.unsent_count;
    }
    expect(buffer).toMatchObject({ pending: 0, failed: 0, synced: RECEIPTS });
    expect(unsent).toBe(0);
    const atOfd = ofd.receipts();
    expect(atOfd).toHaveLength(RECEIPTS);
    expect(new Set(atOfd.map((p) => p.receipt_id))).toEqual(new Set(ids));
    const ofdIds = new Set<string>();
    for (const id of ids) {
      const r = (await callJson('GET', `${child.url}/v1/kkt/receipt/${id}`)).body;
      expect(r.sync_status).toBe('synced');
      ofdIds.add(r.ofd_id);
    }
    // A resend after a kill got the ОФД's original id back, so the ids stay one per receipt.
    expect(ofdIds.size).toBe(RECEIPTS);
    await child.stop();
  }, 120_000);
});
