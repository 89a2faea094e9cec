import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants, existsSync, rmSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * A pseudo-terminal pair from socat (IO): two linked raw ptys, reached through symlinks, so a
 * serial driver and the emulated device talk byte for byte as over a null-modem cable.
 * `socat -d -d pty,raw,echo=0,link=A pty,raw,echo=0,link=B` (reference shtrih-m.md §2.3).
 */

export class SocatError extends Error {
  override readonly name = 'SocatError';
  constructor(
    readonly code: 'SOCAT_MISSING' | 'SOCAT_FAILED',
    message: string,
  ) {
    super(message);
  }
}

export interface PtyPair {
  /** The end the emulated device opens. */
  devicePath: string;
  /** The end the driver (or any POS program) opens. */
  hostPath: string;
  pid: number;
  close(): Promise<void>;
}

/** The socat executable on PATH, or undefined. */
export function findSocat(): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, 'socat');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

export async function startPtyPair(
  devicePath: string,
  hostPath: string,
  options: { timeoutMs?: number } = {},
): Promise<PtyPair> {
  const socat = findSocat();
  if (!socat) throw new SocatError('SOCAT_MISSING', 'socat is not installed (Debian: apt-get install socat)');
  // A link left by a killed run would make socat fail or, worse, point at a dead pty.
  for (const p of [devicePath, hostPath]) rmSync(p, { force: true });
  const child = spawn(socat, ['-d', '-d', `pty,raw,echo=0,link=${devicePath}`, `pty,raw,echo=0,link=${hostPath}`], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-2000);
  });
  let exited: string | undefined;
  child.on('exit', (code, signal) => {
    exited = `socat exited (${signal ?? code})`;
  });
  child.on('error', (e) => {
    exited = `socat failed to start: ${e.message}`;
  });
  const deadline = Date.now() + (options.timeoutMs ?? 5000);
  while (!(existsSync(devicePath) && existsSync(hostPath))) {
    if (exited !== undefined || Date.now() > deadline) {
      await stop(child);
      throw new SocatError(
        'SOCAT_FAILED',
        `${exited ?? 'socat did not create the pty links in time'}: ${stderr.trim()}`,
      );
    }
    await sleep(10);
  }
  return {
    devicePath,
    hostPath,
    pid: child.pid ?? -1,
    async close() {
      await stop(child);
      for (const p of [devicePath, hostPath]) rmSync(p, { force: true });
    },
  };
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const killed = await Promise.race([gone.then(() => true), sleep(1000).then(() => false)]);
  if (!killed) {
    child.kill('SIGKILL');
    await gone;
  }
}
