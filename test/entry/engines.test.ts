import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import semver from 'semver';
import { describe, expect, it } from 'vitest';

/**
 * kkt-emu supports Node 20 (CI) and Node 24 LTS. A runtime dependency that declares a higher
 * floor installs with an EBADENGINE warning and may use APIs Node 20 lacks, so none may be
 * shipped. Dev dependencies are checked by CI running the suite on Node 20.
 */
const SUPPORTED = ['20.19.0', '24.11.0'];

interface LockPackage {
  version?: string;
  dev?: boolean;
  engines?: { node?: string } | string[];
}

describe('runtime dependencies', () => {
  const lock = JSON.parse(readFileSync(join(import.meta.dirname, '../../package-lock.json'), 'utf8')) as {
    packages: Record<string, LockPackage>;
  };
  const runtime = Object.entries(lock.packages).filter(([path, p]) => path !== '' && !p.dev);

  it('the lock file lists the runtime tree', () => {
    expect(runtime.map(([path]) => path)).toContain('node_modules/fastify');
  });

  it.each(SUPPORTED)('every runtime dependency accepts Node %s', (version) => {
    const refused = runtime
      .filter(([, p]) => p.engines && !Array.isArray(p.engines) && typeof p.engines.node === 'string')
      .filter(([, p]) => !semver.satisfies(version, (p.engines as { node: string }).node))
      .map(
        ([path, p]) =>
          `${path.replace(/^.*node_modules\//, '')}@${p.version} wants node ${(p.engines as { node: string }).node}`,
      );
    expect(refused).toEqual([]);
  });
});
