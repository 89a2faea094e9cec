/**
 * The inspector's cost on the register: durable receipts/s (POST /v1/kkt/receipt, print delay
 * 0) with the inspector off, on with no page connected, and on with 5 pages streaming
 * GET /inspect/events. Target: under 10 % fewer receipts/s with 5 pages than with none.
 *
 *   node --import tsx bench/inspector.ts [--seconds 5] [--rounds 2] [--clients 5]
 *
 * or `await benchInspector({ seconds: 5 })` from another bench script (it returns the rows and
 * a Markdown table). Like bench/run.ts, each stack runs in a child process (this file with
 * `--serve`), so autocannon and the 5 SSE readers do not share the adapter's CPU. The three
 * configurations take turns round by round, so drift on a shared VM hits them alike; the best
 * round of each counts. Loopback only; bounded to about (3 × rounds × seconds + 15) seconds.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { sampleReceipt } from '../test/helpers/sample-receipt.ts';

const HERE = fileURLToPath(import.meta.url);
const READY = 'INSPECTOR-BENCH-READY ';
const TARGET_COST = 0.1;

export interface InspectorBenchOptions {
  /** Seconds per autocannon round (default 5). */
  seconds?: number;
  /** Rounds per configuration; the best counts (default 2). */
  rounds?: number;
  /** autocannon connections (default 50, as in bench/run.ts). */
  connections?: number;
  /** Inspector pages connected in the "on, with pages" configuration (default 5). */
  clients?: number;
  log?: (line: string) => void;
}

export interface InspectorBenchRow {
  config: 'inspector off' | 'inspector on, no page' | 'inspector on, pages streaming';
  /** Best receipts/s over the rounds. */
  best: number;
  rounds: number[];
  /** Adapter process CPU per receipt (µs), lowest over the rounds; Linux only. */
  cpuUsPerReceipt?: number;
  errors: number;
  /** For the streaming configuration: what the pages received in total. */
  sse?: { messages: number; bytes: number; dropped: number };
}

export interface InspectorBenchResult {
  rows: InspectorBenchRow[];
  /** Fewer receipts/s with pages streaming than with the inspector on and no page (0.03 = 3 %). */
  costWithPages: number;
  /** The same, against the inspector switched off. */
  costVersusOff: number;
  table: string;
}

interface Child {
  url: string;
  inspectUrl: string | undefined;
  process: ChildProcess;
  dir: string;
}

export async function benchInspector(options: InspectorBenchOptions = {}): Promise<InspectorBenchResult> {
  const seconds = options.seconds ?? 5;
  const rounds = options.rounds ?? 2;
  const connections = options.connections ?? 50;
  const clients = options.clients ?? 5;
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const children: Child[] = [];
  try {
    log('inspector bench: starting 3 stacks (off, on, on)…');
    const [off, quiet, watched] = await Promise.all([serve('off'), serve('on'), serve('on')]);
    children.push(off, quiet, watched);
    const configs: { child: Child; row: InspectorBenchRow; pages: number }[] = [
      { child: off, pages: 0, row: { config: 'inspector off', best: 0, rounds: [], errors: 0 } },
      { child: quiet, pages: 0, row: { config: 'inspector on, no page', best: 0, rounds: [], errors: 0 } },
      {
        child: watched,
        pages: clients,
        row: { config: 'inspector on, pages streaming', best: 0, rounds: [], errors: 0 },
      },
    ];
    for (const c of configs) await receipts(c.child.url, connections, 1); // warm-up (JIT, SQLite pages)
    for (let round = 0; round < rounds; round++) {
      for (const c of configs) {
        const pages = c.pages > 0 && c.child.inspectUrl ? openPages(c.child.inspectUrl, c.pages) : undefined;
        if (pages) await pages.connected;
        const cpuBefore = cpuSeconds(c.child.process.pid);
        const result = await receipts(c.child.url, connections, seconds);
        const cpuAfter = cpuSeconds(c.child.process.pid);
        if (cpuBefore !== undefined && cpuAfter !== undefined && result['2xx'] > 0) {
          const us = ((cpuAfter - cpuBefore) * 1e6) / result['2xx'];
          c.row.cpuUsPerReceipt = Math.round(Math.min(c.row.cpuUsPerReceipt ?? Number.POSITIVE_INFINITY, us));
        }
        const rate = result['2xx'] / (result.duration || seconds);
        c.row.rounds.push(Math.round(rate));
        c.row.best = Math.max(c.row.best, Math.round(rate));
        c.row.errors += result.non2xx + result.errors + result.timeouts;
        if (result.non2xx + result.errors + result.timeouts > 0)
          log(
            `    non-2xx ${result.non2xx}, errors ${result.errors}, timeouts ${result.timeouts}: ${JSON.stringify(result.statusCodeStats)}`,
          );
        if (pages) {
          const seen = await pages.close();
          const stats = await hubStats(c.child.inspectUrl as string);
          c.row.sse = {
            messages: (c.row.sse?.messages ?? 0) + seen.messages,
            bytes: (c.row.sse?.bytes ?? 0) + seen.bytes,
            dropped: stats.dropped,
          };
        }
        log(`  round ${round + 1}: ${c.row.config}: ${Math.round(rate)} receipts/s`);
      }
    }
    const [rOff, rQuiet, rWatched] = configs.map((c) => c.row) as [
      InspectorBenchRow,
      InspectorBenchRow,
      InspectorBenchRow,
    ];
    const costWithPages = 1 - rWatched.best / rQuiet.best;
    const costVersusOff = 1 - rWatched.best / rOff.best;
    return {
      rows: [rOff, rQuiet, rWatched],
      costWithPages,
      costVersusOff,
      table: table([rOff, rQuiet, rWatched], { seconds, rounds, connections, clients, costWithPages, costVersusOff }),
    };
  } finally {
    await Promise.allSettled(children.map(stop));
  }
}

function table(
  rows: InspectorBenchRow[],
  o: {
    seconds: number;
    rounds: number;
    connections: number;
    clients: number;
    costWithPages: number;
    costVersusOff: number;
  },
): string {
  const fmt = (n: number) => n.toLocaleString('en-US', { maximumFractionDigits: 0 });
  const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
  const lines = [
    `Receipts/s, POST /v1/kkt/receipt, print delay 0, ${o.connections} connections, best of ${o.rounds} × ${o.seconds} s rounds:`,
    '',
    '| configuration | receipts/s | rounds | adapter CPU per receipt | detail |',
    '|---|---:|---|---:|---|',
    ...rows.map((r) => {
      const detail = r.sse
        ? `${o.clients} pages got ${fmt(r.sse.messages)} SSE messages (${fmt(r.sse.bytes / 1024)} KiB), ${r.sse.dropped} dropped`
        : r.errors > 0
          ? `${r.errors} non-2xx/errors`
          : '';
      const cpu = r.cpuUsPerReceipt === undefined ? '' : `${fmt(r.cpuUsPerReceipt)} µs`;
      return `| ${r.config} | ${fmt(r.best)} | ${r.rounds.map(fmt).join(' / ')} | ${cpu} | ${detail} |`;
    }),
    '',
    `Cost of ${o.clients} streaming pages: ${pct(o.costWithPages)} against the inspector with no page, ` +
      `${pct(o.costVersusOff)} against the inspector off (target < ${pct(TARGET_COST)} ${o.costWithPages < TARGET_COST ? '✅' : '❌'}).`,
  ];
  return lines.join('\n');
}

function receipts(url: string, connections: number, duration: number): Promise<autocannon.Result> {
  const body = JSON.stringify(sampleReceipt());
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url,
        connections,
        duration,
        timeout: 20,
        requests: [
          {
            method: 'POST',
            path: '/v1/kkt/receipt',
            headers: { 'content-type': 'application/json' },
            body,
            setupRequest: (request) => {
              request.headers = { ...request.headers, 'idempotency-key': randomUUID() };
              return request;
            },
          },
        ],
      },
      (err, result) => (err ? reject(err) : resolve(result)),
    );
  });
}

/** `count` pages reading /inspect/events as fast as the socket delivers (as browsers do). */
function openPages(inspectUrl: string, count: number) {
  const controller = new AbortController();
  let messages = 0;
  let bytes = 0;
  let opened = 0;
  let markConnected!: () => void;
  const connected = new Promise<void>((resolve) => {
    markConnected = resolve;
  });
  const readers = Array.from({ length: count }, async () => {
    const res = await fetch(`${inspectUrl}/events`, { signal: controller.signal });
    if (++opened === count) markConnected();
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      bytes += value.byteLength;
      messages += decoder.decode(value, { stream: true }).split('\nevent: ').length - 1;
    }
  });
  const settled = Promise.allSettled(readers);
  return {
    connected,
    async close() {
      controller.abort();
      await settled;
      return { messages, bytes };
    },
  };
}

/** utime + stime of a process in seconds (Linux /proc; undefined elsewhere). */
function cpuSeconds(pid: number | undefined): number | undefined {
  if (pid === undefined || !existsSync(`/proc/${pid}/stat`)) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

async function hubStats(inspectUrl: string): Promise<{ dropped: number }> {
  const res = await fetch(`${inspectUrl}/machines`);
  const body = (await res.json()) as { stats: { dropped: number } };
  return body.stats;
}

function serve(mode: 'on' | 'off'): Promise<Child> {
  const dir = mkdtempSync(join(tmpdir(), `kkt-bench-inspector-${mode}-`));
  const child = spawn(process.execPath, ['--import', 'tsx', HERE, '--serve', mode, dir], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`inspector bench child (${mode}) did not start`)), 30_000);
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const line = out.split('\n').find((l) => l.startsWith(READY));
      if (!line) return;
      clearTimeout(timer);
      const info = JSON.parse(line.slice(READY.length)) as { url: string; inspectUrl?: string };
      resolve({ url: info.url, inspectUrl: info.inspectUrl, process: child, dir });
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`inspector bench child (${mode}) exited with ${code}`));
    });
  });
}

async function stop(child: Child): Promise<void> {
  if (child.process.exitCode === null) {
    const exited = new Promise((resolve) => child.process.once('exit', resolve));
    child.process.kill('SIGTERM');
    const timer = setTimeout(() => child.process.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }
  rmSync(child.dir, { recursive: true, force: true });
}

/** Child mode: one stack (adapter, emulated ККТ, mock ОФД and Odoo), with or without the inspector. */
async function serveChild(mode: string, dir: string): Promise<void> {
  // A buffer large enough that no receipt is refused as "buffer full" while the sync worker lags.
  const env = { KKT_PRINT_DELAY_MS: '0', KKT_BUFFER_MAX_SIZE: '100000000' };
  const { startStack } = await import('../src/entry/start-stack.ts');
  const s = await startStack({ env: { ...env, KKT_INSPECT: mode === 'on' ? 'true' : 'false' }, dataDir: dir });
  // The ОФД is down for the whole run: after 5 failed calls the breaker stays open, so the
  // figures compare receipts and inspection only, not how sync passes happen to batch.
  s.ofd.setFaults({ permanent_failure: true });
  const info: { url: string; inspectUrl?: string } =
    mode === 'on' ? { url: s.url, inspectUrl: `${s.url}/inspect` } : { url: s.url };
  const close = () => s.stop();
  process.once('SIGTERM', () => void close().then(() => process.exit(0)));
  process.stdout.write(`${READY}${JSON.stringify(info)}\n`);
}

function flag(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(name);
  const value = i === -1 ? undefined : Number(args[i + 1]);
  return value !== undefined && Number.isFinite(value) && value > 0 ? value : fallback;
}

if (process.argv[1] === HERE) {
  const args = process.argv.slice(2);
  if (args[0] === '--serve') {
    serveChild(args[1] ?? 'on', args[2] ?? mkdtempSync(join(tmpdir(), 'kkt-bench-inspector-'))).catch((e) => {
      console.error(e);
      process.exit(1);
    });
  } else {
    benchInspector({
      seconds: flag(args, '--seconds', 5),
      rounds: flag(args, '--rounds', 2),
      clients: flag(args, '--clients', 5),
    }).then(
      (r) => console.log(r.table),
      (e) => {
        console.error(e);
        process.exit(1);
      },
    );
  }
}
