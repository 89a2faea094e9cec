import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findSocat, type PtyPair, startPtyPair } from '../../src/io/serial/socat.ts';

/**
 * Pseudo-terminal pairs for serial tests. socat comes from Debian (CI installs it); without it
 * the pty tests are skipped with PTY_SKIP_MESSAGE, and everything else still runs over
 * in-memory lines.
 */
export const HAS_SOCAT = findSocat() !== undefined;
export const PTY_SKIP_MESSAGE =
  'socat is not installed: the pseudo-terminal tests are skipped (apt-get install socat; CI installs it)';

// CI installs socat (.ci/run): there a missing socat is a broken setup, never a reason to skip.
if (!HAS_SOCAT && process.env.CI) throw new Error('socat is missing on CI: .ci/run must apt-get install socat');
if (!HAS_SOCAT) console.warn(`[serial tests] ${PTY_SKIP_MESSAGE}`);

export interface TestPtyPair extends PtyPair {
  dir: string;
}

/** A socat pty pair in a fresh temp dir; `close()` kills socat and removes the dir. */
export async function testPtyPair(): Promise<TestPtyPair> {
  const dir = mkdtempSync(join(tmpdir(), 'kkt-pty-'));
  try {
    const pair = await startPtyPair(join(dir, 'device'), join(dir, 'host'));
    return {
      ...pair,
      dir,
      async close() {
        try {
          await pair.close();
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      },
    };
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}
