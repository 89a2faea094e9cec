import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (this file is test/helpers/adapter-child.ts). */
export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** A TCP port that was free a moment ago on 127.0.0.1 (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error('no port assigned'))));
    });
  });
}

export interface AdapterChild {
  url: string;
  port: number;
  child: ChildProcess;
  /** Everything the child wrote to stderr and stdout so far (for failure messages). */
  output(): string;
  /** Resolves when the child has exited (with its exit code or signal). */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGKILL: no cleanup, no flush; what a power cut or an OOM kill does to the process. */
  kill(): Promise<void>;
  /** SIGTERM, the clean stop; SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

export interface SpawnOptions {
  dataDir: string;
  /** `KKT_PRINT_DELAY_MS`; default `0`. */
  printDelay?: string;
  /** Extra environment (KKT_* settings). */
  env?: Record<string, string>;
  /** How long to wait for GET /v1/health; default 15 s. */
  readyTimeoutMs?: number;
  logLevel?: string;
  /** Extra node flags, e.g. `--cpu-prof`. */
  nodeArgs?: string[];
  /** `up` (default: adapter + device + mock ОФД + mock Odoo) or `adapter` (no ОФД unless configured). */
  command?: 'up' | 'adapter';
}

/**
 * Starts `node bin/kkt-emu.js up` as a real child process on a free port and waits until
 * GET /v1/health answers (any status: the adapter is serving).
 */
export async function spawnAdapter(options: SpawnOptions): Promise<AdapterChild> {
  return retryOnTakenPort(() => spawnOnce(options));
}

/**
 * A port found free can be taken by another test's process before the child binds it: start
 * again on fresh ports. The child names the taken port and exits cleanly; what it wrote to the data
 * dir before listening (a new ФН's registration) is what any restart on that dir finds.
 */
export async function retryOnTakenPort<T>(start: () => Promise<T>, attempts = 3): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await start();
    } catch (e) {
      if (i >= attempts || !(e instanceof Error) || !/port \d+ is already in use/.test(e.message)) throw e;
    }
  }
}

async function spawnOnce(options: SpawnOptions): Promise<AdapterChild> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), 'bin/kkt-emu.js', options.command ?? 'up'], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      NODE_OPTIONS: '',
      KKT_DATA_DIR: options.dataDir,
      KKT_HTTP_HOST: '127.0.0.1',
      KKT_HTTP_PORT: String(port),
      KKT_PRINT_DELAY_MS: options.printDelay ?? '0',
      // `up` also starts the mock ОФД and Odoo and the ATOL API: ephemeral ports, so parallel
      // children never collide.
      KKT_OFD_PORT: '0',
      KKT_ODOO_PORT: '0',
      KKT_ATOL_PORT: '0',
      LOG_LEVEL: options.logLevel ?? 'warn',
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const collect = (chunk: Buffer) => {
    output += chunk.toString();
    if (output.length > 64_000) output = output.slice(-32_000);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  let exitedWith: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      exitedWith = { code, signal };
      resolve(exitedWith);
    });
  });
  const waitExit = async () => {
    if (exitedWith || child.exitCode !== null || child.signalCode !== null) return;
    await exited;
  };
  const handle: AdapterChild = {
    url,
    port,
    child,
    output: () => output,
    exited,
    async kill() {
      if (!exitedWith && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await waitExit();
    },
    async stop(graceMs = 5_000) {
      if (exitedWith || child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await waitExit();
      clearTimeout(timer);
    },
  };
  const deadline = Date.now() + (options.readyTimeoutMs ?? 15_000);
  for (;;) {
    if (exitedWith) throw new Error(`kkt-emu exited during start (${JSON.stringify(exitedWith)}):\n${output}`);
    try {
      const res = await fetch(`${url}/v1/health`, { signal: AbortSignal.timeout(1_000) });
      await res.arrayBuffer();
      // Whoever answers must be this child's adapter. A port found free can be taken in between
      // by another server: another process's, or this child's own mock ОФД, Odoo or ATOL server on
      // an ephemeral port (none of them has this route: 404). The child then exits with "port in
      // use" a moment later, which the loop reports for retryOnTakenPort.
      if (res.status !== 404 && listensOn(child.pid, port) !== false) return handle;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) {
      await handle.kill();
      throw new Error(`kkt-emu did not answer GET /v1/health within the timeout:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Whether process `pid` holds a listening TCP socket on `port` (Linux: /proc/net/tcp* and the
 * process's descriptors); undefined where /proc cannot tell.
 */
function listensOn(pid: number | undefined, port: number): boolean | undefined {
  if (pid === undefined || !existsSync('/proc/net/tcp')) return undefined;
  const hexPort = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    if (!existsSync(table)) continue;
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      // local_address ends with the port; state 0A is LISTEN; field 9 is the socket's inode.
      if (f[1]?.endsWith(hexPort) && f[3] === '0A' && f[9]) inodes.add(f[9]);
    }
  }
  try {
    return readdirSync(`/proc/${pid}/fd`).some((fd) => {
      try {
        const target = readlinkSync(`/proc/${pid}/fd/${fd}`);
        return target.startsWith('socket:[') && inodes.has(target.slice(8, -1));
      } catch {
        return false;
      }
    });
  } catch {
    return false;
  }
}
