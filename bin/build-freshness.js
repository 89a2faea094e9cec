import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** The newest modification time under `dir` (ms), files and directories alike. */
function newest(dir) {
  let max = statSync(dir).mtimeMs;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    max = Math.max(max, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return max;
}

/**
 * Is dist/ a build of the sources as they are now? True only when the build finished (its
 * stamp exists) and it started after the last change to src/ (a file or a directory: a deleted
 * module changes its directory's time), to the TypeScript settings and to the dependencies.
 */
export function buildIsFresh(root = ROOT) {
  let started;
  try {
    started = Number(readFileSync(join(root, 'dist', '.build-stamp'), 'utf8'));
  } catch {
    return false;
  }
  if (!Number.isFinite(started)) return false;
  const inputs = [
    newest(join(root, 'src')),
    ...['tsconfig.json', 'tsconfig.build.json'].map((f) => statSync(join(root, f)).mtimeMs),
    // The bundle holds the packages' code too: a change of dependencies makes it stale.
    ...['package.json', 'package-lock.json'].flatMap((f) => {
      try {
        return [statSync(join(root, f)).mtimeMs];
      } catch {
        return [];
      }
    }),
  ];
  return inputs.every((t) => t < started);
}
