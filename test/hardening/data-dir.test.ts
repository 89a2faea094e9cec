import { spawn } from 'node:child_process';
import {
  closeSync,
  copyFileSync,
  existsSync,
  mkdtempSync,
  openSync,
  readdirSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { loadConfig } from '../../src/entry/config.ts';
import { type RunningAdapter, startAdapter } from '../../src/entry/start-adapter.ts';
import { VirtualClock } from '../../src/io/clock.ts';
import { DataDirError } from '../../src/io/sqlite/open-database.ts';
import { API_T0, sampleReceipt } from '../helpers/adapter.ts';
import { REPO_ROOT, spawnAdapter } from '../helpers/adapter-child.ts';
import { callJson } from '../helpers/http.ts';

const dirs: string[] = [];
const open: RunningAdapter[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((a) => a.close()));
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'kkt-datadir-'));
  dirs.push(d);
  return d;
}
const ARCHIVE = 'kkt-00000000000001.db';

async function start(dir: string): Promise<RunningAdapter> {
  const config = loadConfig({
    KKT_DATA_DIR: dir,
    KKT_HTTP_HOST: '127.0.0.1',
    KKT_HTTP_PORT: '0',
    KKT_PRINT_DELAY_MS: '0',
  });
  const a = await startAdapter(config, { clock: new VirtualClock({ manual: true, start: API_T0 }) });
  open.push(a);
  return a;
}
async function stop(a: RunningAdapter) {
  open.splice(open.indexOf(a), 1);
  await a.close();
}
const post = (a: RunningAdapter, key: string, body: unknown) =>
  callJson('POST', `${a.url}/v1/kkt/receipt`, body, { 'idempotency-key': key });
const lastDoc = async (a: RunningAdapter) => (await a.driver.status()).fn.lastFiscalDocNumber;

/** `kkt-emu adapter` on `dir` to its exit: a start that must be refused. */
function refusedStart(dir: string): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['bin/kkt-emu.js', 'adapter'], {
      cwd: REPO_ROOT,
      env: { ...process.env, NODE_OPTIONS: '', KKT_DATA_DIR: dir, KKT_HTTP_PORT: '0', LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (c) => {
      stderr += c;
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the start was not refused:\n${stderr}`));
    }, 20_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
}

describe('one process per data dir', () => {
  test('a second process on the same data dir fails at start with one clear line', async () => {
    const dir = tempDir();
    const first = await spawnAdapter({ dataDir: dir, command: 'adapter' });
    try {
      const second = await refusedStart(dir);
      expect(second.code).toBe(1);
      const lines = second.stderr.trim().split('\n');
      expect(lines, second.stderr).toHaveLength(1);
      expect(lines[0]).toMatch(
        /^kkt-emu: KKT_DATA_DIR \(--data-dir\): .* is in use by another kkt-emu process \(pid \d+\)/,
      );
      // The first one is unaffected.
      expect((await callJson('GET', `${first.url}/v1/kkt/status`)).status).toBe(200);
      // In one process too.
      await expect(start(dir)).rejects.toThrow(DataDirError);
    } finally {
      await first.stop();
    }
    // Released with the process: the dir is usable again.
    const again = await start(dir);
    expect(await lastDoc(again)).toBe(1);
  });
});

describe('damaged or mismatched data', () => {
  test('a damaged archive stops the start, naming the file', async () => {
    const dir = tempDir();
    const a = await start(dir);
    for (let i = 0; i < 20; i++) expect((await post(a, `k${i}`, sampleReceipt({ pos_id: `P${i}` }))).status).toBe(200);
    await stop(a);
    const path = join(dir, ARCHIVE);
    const size = statSync(path).size;
    const fd = openSync(path, 'r+');
    writeSync(fd, Buffer.alloc(size - 4096, 0x55), 0, size - 4096, 4096);
    closeSync(fd);
    await expect(start(dir)).rejects.toThrow(new RegExp(`${ARCHIVE}.*damaged`));
    const cli = await refusedStart(dir);
    expect(cli.code).toBe(1);
    expect(cli.stderr.trim().split('\n'), cli.stderr).toHaveLength(1);
    expect(cli.stderr).toContain(`${ARCHIVE}`);
    expect(cli.stderr).toMatch(/damaged/);
    expect(cli.stderr).not.toMatch(/SqliteError|at .*\.ts:/);
  });

  test('a deleted adapter.db is rebuilt from the archive: acknowledged keys replay their documents, nothing new prints', async () => {
    const dir = tempDir();
    const a = await start(dir);
    const answers: { key: string; body: unknown; doc: unknown }[] = [];
    for (let i = 0; i < 5; i++) {
      const body = sampleReceipt({ pos_id: `POS-${i}` });
      const r = await post(a, `ack-${i}`, body);
      expect(r.status).toBe(200);
      answers.push({ key: `ack-${i}`, body, doc: r.body.fiscal_doc });
    }
    const docs = await lastDoc(a);
    await stop(a);
    for (const f of readdirSync(dir)) if (f.startsWith('adapter.db')) rmSync(join(dir, f));
    const b = await start(dir);
    for (const x of answers) {
      const again = await post(b, x.key, x.body);
      expect(again.status, JSON.stringify(again.body)).toBe(200);
      expect(again.body.fiscal_doc).toEqual(x.doc);
      // Another body under an acknowledged key is still a mismatch (the body hash is in the archive).
      expect((await post(b, x.key, { ...(x.body as object), pos_id: 'other' })).status).toBe(422);
    }
    expect(await lastDoc(b)).toBe(docs);
    const buffer = (await callJson('GET', `${b.url}/v1/kkt/buffer/status`)).body;
    expect(buffer.pending).toBe(5);
  });

  test('a missing archive next to a used adapter.db stops the start instead of registering a new ФН', async () => {
    const dir = tempDir();
    const a = await start(dir);
    expect((await post(a, 'used', sampleReceipt())).status).toBe(200);
    await stop(a);
    for (const f of readdirSync(dir)) if (f.startsWith(ARCHIVE)) rmSync(join(dir, f));
    await expect(start(dir)).rejects.toThrow(/kkt-00000000000001\.db .* is missing but .*adapter\.db has receipts/);
    expect(existsSync(join(dir, ARCHIVE)), 'no new ФН was registered').toBe(false);
  });

  test('a foreign adapter.db (another ФН) is moved aside and rebuilt from this archive', async () => {
    const mine = tempDir();
    const other = tempDir();
    const a = await start(mine);
    const body = sampleReceipt();
    const printed = await post(a, 'mine-1', body);
    await stop(a);
    const o = await start(other);
    // A different ФН: the emulator reset registers a fresh drive.
    expect((await callJson('POST', `${o.url}/v1/_emulator/reset`)).status).toBe(200);
    expect((await post(o, 'theirs-1', body)).status).toBe(200);
    await stop(o);
    copyFileSync(join(other, 'adapter.db'), join(mine, 'adapter.db'));
    const b = await start(mine);
    const again = await post(b, 'mine-1', body);
    expect(again.status).toBe(200);
    expect(again.body.fiscal_doc).toEqual(printed.body.fiscal_doc);
    expect(readdirSync(mine).some((f) => f.startsWith('adapter.foreign-fn-'))).toBe(true);
  });
});

describe('cash after adapter.db is lost', () => {
  test('a cash key replayed after adapter.db was deleted returns its movement; no cash moves twice', async () => {
    const dir = tempDir();
    const a = await start(dir);
    const cashIn = await callJson('POST', `${a.url}/v1/kkt/cash/in`, { amount: 300 }, { 'idempotency-key': 'in-1' });
    const cashOut = await callJson('POST', `${a.url}/v1/kkt/cash/out`, { amount: 120 }, { 'idempotency-key': 'out-1' });
    expect(cashIn.status).toBe(200);
    expect(cashOut.body.cash_balance).toBe(180);
    await stop(a);
    for (const f of readdirSync(dir)) if (f.startsWith('adapter.db')) rmSync(join(dir, f));
    const b = await start(dir);
    const again = await callJson('POST', `${b.url}/v1/kkt/cash/out`, { amount: 120 }, { 'idempotency-key': 'out-1' });
    expect(again.status).toBe(200);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toEqual(cashOut.body);
    // Another amount or direction under the same key is a mismatch, not a second movement.
    const other = await callJson('POST', `${b.url}/v1/kkt/cash/out`, { amount: 50 }, { 'idempotency-key': 'in-1' });
    expect(other.status).toBe(422);
    expect((await callJson('GET', `${b.url}/v1/kkt/status`)).body.cash_balance).toBe(180);
  });
});
