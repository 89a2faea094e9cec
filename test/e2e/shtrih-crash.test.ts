import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type AdapterChild, freePort, REPO_ROOT, spawnAdapter } from '../helpers/adapter-child.ts';
import { sampleReceipt } from '../helpers/sample-receipt.ts';

/**
 * Exactly-once over the wire, with the device in its own process: `kkt-emu device --tcp` serves
 * the emulated ККТ; the adapter (KKT_DRIVER_TYPE=shtrih, KKT_PORT=tcp://…) is SIGKILLed while
 * receipts are being printed, restarted, and every request is replayed with its key. Each must
 * end with exactly one fiscal document on the device, whatever the kill interrupted.
 */
const RECEIPTS = 12;
const dirs: string[] = [];
const children: ChildProcess[] = [];
const adapters: AdapterChild[] = [];
afterAll(async () => {
  await Promise.allSettled(adapters.map((a) => a.kill()));
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'kkt-shtrih-crash-'));
  dirs.push(d);
  return d;
}

async function waitForPort(port: number, child: ChildProcess, output: () => string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error(`kkt-emu device exited:\n${output()}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`kkt-emu device did not listen on ${port}:\n${output()}`);
}

const post = (url: string, key: string) =>
  fetch(`${url}/v1/kkt/receipt`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'idempotency-key': key },
    body: JSON.stringify(sampleReceipt()),
  });

describe('exactly-once across an adapter crash, device on the wire', () => {
  it('replays after a SIGKILL mid-print give one document per request', async () => {
    const port = await freePort();
    let deviceOutput = '';
    const device = spawn(process.execPath, ['bin/kkt-emu.js', 'device', '--tcp', `127.0.0.1:${port}`], {
      cwd: REPO_ROOT,
      env: { ...process.env, NODE_OPTIONS: '', KKT_DATA_DIR: tempDir(), KKT_PRINT_DELAY_MS: '30-80' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(device);
    device.stdout?.on('data', (c: Buffer) => (deviceOutput += c.toString()));
    device.stderr?.on('data', (c: Buffer) => (deviceOutput += c.toString()));
    await waitForPort(port, device, () => deviceOutput);

    const adapterDir = tempDir();
    const env = { KKT_DRIVER_TYPE: 'shtrih', KKT_PORT: `tcp://127.0.0.1:${port}` };
    const first = await spawnAdapter({ command: 'adapter', dataDir: adapterDir, env });
    adapters.push(first);
    const keys = Array.from({ length: RECEIPTS }, (_, i) => `wire-crash-${i}`);
    let firstAnswer: () => void = () => {};
    const answered = new Promise<void>((resolve) => {
      firstAnswer = resolve;
    });
    const inFlight = keys.map((k) =>
      post(first.url, k).then(
        (r) => {
          firstAnswer();
          return r.status;
        },
        () => 'lost',
      ),
    );
    // Kill once printing is under way: some receipts answered, some printed but not answered,
    // some not printed yet (each takes 30–80 ms on the device).
    await answered;
    await new Promise((r) => setTimeout(r, 150));
    await first.kill();
    const heard = await Promise.all(inFlight);
    expect(heard.some((s) => s === 'lost')).toBe(true);

    const second = await spawnAdapter({ command: 'adapter', dataDir: adapterDir, env });
    adapters.push(second);
    // What the device printed before the kill: at least what the POS heard, usually one more
    // (printed, not yet answered) — the case the replay must settle from the device's archive.
    const printedBeforeReplay = (
      (await (await fetch(`${second.url}/v1/kkt/status`)).json()) as { shift: { receipts: number } }
    ).shift.receipts;
    expect(printedBeforeReplay).toBeGreaterThanOrEqual(heard.filter((s) => s === 200).length);
    expect(printedBeforeReplay).toBeLessThan(RECEIPTS);
    const replays = await Promise.all(
      keys.map(async (k) => {
        const r = await post(second.url, k);
        return { status: r.status, body: (await r.json()) as { fiscal_doc: { fiscal_doc_number: number } } };
      }),
    );
    expect(replays.map((r) => r.status)).toEqual(Array(RECEIPTS).fill(200));
    const numbers = replays.map((r) => r.body.fiscal_doc.fiscal_doc_number);
    expect(new Set(numbers).size).toBe(RECEIPTS);
    const status = (await (await fetch(`${second.url}/v1/kkt/status`)).json()) as {
      fn: { last_fiscal_doc_number: number };
      shift: { receipts: number };
    };
    // Registration, shift open, then exactly one receipt per request: nothing printed twice.
    expect(status.shift.receipts).toBe(RECEIPTS);
    expect(status.fn.last_fiscal_doc_number).toBe(2 + RECEIPTS);
    expect([...numbers].sort((a, b) => a - b)).toEqual(Array.from({ length: RECEIPTS }, (_, i) => 3 + i));
    await second.stop();
    device.kill('SIGTERM');
  }, 60_000);
});
