import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, platform, release, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { spawnAdapter } from '../test/helpers/adapter-child.ts';
import { sampleReceipt } from '../test/helpers/sample-receipt.ts';

/**
 * The long run (opt-in: `npm run bench:soak`): `kkt-emu up` takes SOAK_RECEIPTS receipts (default
 * 1,000,000) in steps of SOAK_STEP (100,000) from 50 connections while the worker delivers them to
 * the mock ОФД. After every step: the adapter's RSS, the data dir's bytes (and per receipt), the
 * step's receipts/s and what is still pending. Written to bench/SOAK.md.
 */
const TOTAL = Number(process.env.SOAK_RECEIPTS ?? 1_000_000);
const STEP = Number(process.env.SOAK_STEP ?? 100_000);
const RATE = process.env.SOAK_RATE ? Number(process.env.SOAK_RATE) : undefined;
const HERE = dirname(fileURLToPath(import.meta.url));
const BODY = JSON.stringify(sampleReceipt());
const log = (line: string) => process.stderr.write(`${line}\n`);
const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits });

function dirBytes(dir: string): number {
  return readdirSync(dir, { withFileTypes: true }).reduce(
    (n, e) => n + (e.isDirectory() ? dirBytes(join(dir, e.name)) : statSync(join(dir, e.name)).size),
    0,
  );
}

function rssMiB(pid: number | undefined): number {
  if (pid === undefined || !existsSync(`/proc/${pid}/status`)) return Number.NaN;
  const kb = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(kb) / 1024;
}

interface Step {
  receipts: number;
  rate: number;
  p99: number;
  rss: number;
  bytes: number;
  pending: number;
  synced: number;
}

const dir = mkdtempSync(join(tmpdir(), 'kkt-bench-soak-'));
const adapter = await spawnAdapter({
  dataDir: dir,
  logLevel: 'silent',
  // A real ФН holds about 250,000 documents (the default): the soak's drive is made larger, or it
  // would (rightly) refuse every receipt after that with FN_FULL.
  env: { KKT_BUFFER_MAX_SIZE: String(TOTAL * 2), KKT_FN_CAPACITY: String(TOTAL * 2) },
  readyTimeoutMs: 60_000,
});
const steps: Step[] = [];
try {
  for (let done = 0; done < TOTAL; done += STEP) {
    const started = performance.now();
    const load = await autocannon({
      url: adapter.url,
      connections: 50,
      amount: STEP,
      timeout: 30,
      ...(RATE ? { overallRate: RATE } : {}),
      requests: [
        {
          method: 'POST',
          path: '/v1/kkt/receipt',
          headers: { 'content-type': 'application/json' },
          body: BODY,
          setupRequest: (r) => ({ ...r, headers: { ...r.headers, 'idempotency-key': randomUUID() } }),
        },
      ],
    });
    const seconds = (performance.now() - started) / 1000;
    if (load['2xx'] !== STEP) {
      const answer = await fetch(`${adapter.url}/v1/kkt/receipt`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': randomUUID() },
        body: BODY,
      });
      throw new Error(
        `soak: ${load['2xx']} of ${STEP} receipts accepted (${load.non2xx} other answers, ${load.errors} errors, ` +
          `${load.timeouts} timeouts); one more now answers ${answer.status} ${await answer.text()}`,
      );
    }
    const buffer = (await (await fetch(`${adapter.url}/v1/kkt/buffer/status`)).json()) as {
      pending: number;
      synced: number;
    };
    const step: Step = {
      receipts: done + STEP,
      rate: STEP / seconds,
      p99: load.latency.p99,
      rss: rssMiB(adapter.child.pid),
      bytes: dirBytes(dir),
      pending: buffer.pending,
      synced: buffer.synced,
    };
    steps.push(step);
    log(
      `${fmt(step.receipts)}: ${fmt(step.rate)}/s p99 ${step.p99} ms, RSS ${fmt(step.rss)} MiB, ` +
        `${fmt(step.bytes / step.receipts)} B/receipt, ${fmt(step.pending)} pending`,
    );
  }
} finally {
  await adapter.stop(60_000);
  rmSync(dir, { recursive: true, force: true });
}

const cpu = cpus();
const table = [
  '| receipts | receipts/s (this step) | p99 ms | adapter RSS MiB | data dir MB | bytes per receipt | pending | synced |',
  '|---:|---:|---:|---:|---:|---:|---:|---:|',
  ...steps.map(
    (s) =>
      `| ${fmt(s.receipts)} | ${fmt(s.rate)} | ${s.p99} | ${fmt(s.rss)} | ${fmt(s.bytes / 1e6)} | ` +
      `${fmt(s.bytes / s.receipts)} | ${fmt(s.pending)} | ${fmt(s.synced)} |`,
  ),
].join('\n');
const text =
  '# kkt-emu soak run\n\n' +
  `- Machine: ${cpu[0]?.model ?? 'unknown CPU'}, ${cpu.length} cores, ${fmt(totalmem() / 2 ** 30, 1)} GiB RAM, ${platform()} ${release()}\n` +
  `- Node ${process.version}; date ${new Date().toISOString()}\n` +
  `- Command: \`npm run bench:soak\` (SOAK_RECEIPTS=${TOTAL}, SOAK_STEP=${STEP}${RATE ? `, SOAK_RATE=${RATE}` : ''}); ` +
  '`kkt-emu up`, 50 connections from the bench process, the worker delivering to the mock ОФД meanwhile\n\n' +
  `${table}\n`;
writeFileSync(join(HERE, 'SOAK.md'), text);
log(`written to ${join(HERE, 'SOAK.md')}`);
