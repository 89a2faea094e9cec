import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, REPO_ROOT, spawnAdapter } from '../helpers/adapter-child.ts';
import { sampleReceipt } from '../helpers/sample-receipt.ts';

/** `kkt-emu up` (what `npm start` runs) as a real child process: the whole stack, wired. */
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('kkt-emu up', () => {
  it('serves adapter, mock ОФД and mock Odoo on their ports, wired together', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kkt-up-'));
    dirs.push(dir);
    const [ofdPort, odooPort] = [await freePort(), await freePort()];
    const child = await spawnAdapter({
      dataDir: dir,
      env: {
        KKT_OFD_PORT: String(ofdPort),
        KKT_ODOO_PORT: String(odooPort),
        KKT_HLC_SYNC_INTERVAL: '0.1',
        KKT_HEARTBEAT_INTERVAL: '0.1',
      },
    });
    try {
      const ofd = `http://127.0.0.1:${ofdPort}`;
      const odoo = `http://127.0.0.1:${odooPort}`;
      const post = await fetch(`${child.url}/v1/kkt/receipt`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': 'up-1' },
        body: JSON.stringify(sampleReceipt()),
      });
      expect(post.status).toBe(200);
      const sync = await fetch(`${child.url}/v1/kkt/buffer/sync`, { method: 'POST' });
      expect(sync.status).toBe(202);
      const atOfd = (await (await fetch(`${ofd}/ofd/v1/_test/receipts`)).json()) as { receipts: unknown[] };
      expect(atOfd.receipts).toHaveLength(1);
      const health = (await (await fetch(`${child.url}/v1/health`)).json()) as {
        components: { ofd: { url: string }; heartbeat: { state: string } };
      };
      expect(health.components.ofd.url).toBe(ofd);
      let beats = { call_count: 0 };
      for (let i = 0; i < 100 && beats.call_count === 0; i++) {
        beats = (await (await fetch(`${odoo}/api/v1/_test/heartbeats`)).json()) as { call_count: number };
        if (beats.call_count === 0) await new Promise((r) => setTimeout(r, 50));
      }
      expect(beats.call_count).toBeGreaterThan(0);
    } finally {
      await child.stop();
    }
    expect((await child.exited).code).toBe(0);
  }, 30_000);

  it('names the setting when a mock port is taken', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kkt-up-'));
    dirs.push(dir);
    const first = await spawnAdapter({ dataDir: dir });
    try {
      const health = (await (await fetch(`${first.url}/v1/health`)).json()) as { components: { ofd: { url: string } } };
      const taken = new URL(health.components.ofd.url).port;
      const second = mkdtempSync(join(tmpdir(), 'kkt-up-'));
      dirs.push(second);
      const run = spawnSync(process.execPath, ['bin/kkt-emu.js', 'up'], {
        cwd: REPO_ROOT,
        encoding: 'utf8',
        timeout: 20_000,
        env: {
          ...process.env,
          KKT_DATA_DIR: second,
          KKT_HTTP_PORT: '0',
          KKT_OFD_PORT: taken,
          KKT_ODOO_PORT: '0',
          KKT_ATOL_PORT: '0',
        },
      });
      expect(run.status).toBe(1);
      expect(run.stderr).toContain(`KKT_OFD_PORT (--ofd-port): port ${taken} is already in use`);
    } finally {
      await first.stop();
    }
  }, 30_000);
});
