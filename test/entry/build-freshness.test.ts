import { mkdirSync, mkdtempSync, rmSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { buildIsFresh } from '../../bin/build-freshness.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A package with sources written at `t` (s) and, if `stamp` is given, a build started then. */
function pkg(t: number, stamp?: number): string {
  const root = mkdtempSync(join(tmpdir(), 'kkt-fresh-'));
  dirs.push(root);
  mkdirSync(join(root, 'src', 'fiscal'), { recursive: true });
  for (const f of ['src/index.ts', 'src/fiscal/money.ts', 'tsconfig.json', 'tsconfig.build.json']) {
    writeFileSync(join(root, f), '');
    utimesSync(join(root, f), t, t);
  }
  for (const d of ['src/fiscal', 'src']) utimesSync(join(root, d), t, t);
  if (stamp !== undefined) {
    mkdirSync(join(root, 'dist'));
    writeFileSync(join(root, 'dist', '.build-stamp'), `${stamp * 1000}\n`);
  }
  return root;
}

describe('bin/kkt-emu.js runs dist/ only while it is a build of the current sources', () => {
  it('is fresh when the build started after every source change', () => {
    expect(buildIsFresh(pkg(1_000, 2_000))).toBe(true);
  });

  it('is stale without a finished build', () => {
    expect(buildIsFresh(pkg(1_000))).toBe(false);
    const root = pkg(1_000, 2_000);
    writeFileSync(join(root, 'dist', '.build-stamp'), 'interrupted');
    expect(buildIsFresh(root)).toBe(false);
  });

  it('is stale after an edit, a pull or a checkout touches a source file', () => {
    const root = pkg(1_000, 2_000);
    utimesSync(join(root, 'src', 'fiscal', 'money.ts'), 3_000, 3_000);
    expect(buildIsFresh(root)).toBe(false);
  });

  it('is stale when a source file was edited while the build ran', () => {
    const root = pkg(1_000, 2_000);
    utimesSync(join(root, 'src', 'index.ts'), 2_000.5, 2_000.5);
    expect(buildIsFresh(root)).toBe(false);
  });

  it('is stale when a module was deleted or the TypeScript settings changed', () => {
    const deleted = pkg(1_000, 2_000);
    unlinkSync(join(deleted, 'src', 'fiscal', 'money.ts'));
    expect(buildIsFresh(deleted)).toBe(false);
    const settings = pkg(1_000, 2_000);
    utimesSync(join(settings, 'tsconfig.build.json'), 3_000, 3_000);
    expect(buildIsFresh(settings)).toBe(false);
  });

  it('is stale when the dependencies changed (the bundle holds their code)', () => {
    const root = pkg(1_000, 2_000);
    for (const f of ['package.json', 'package-lock.json']) {
      writeFileSync(join(root, f), '{}');
      utimesSync(join(root, f), 1_000, 1_000);
    }
    expect(buildIsFresh(root)).toBe(true);
    utimesSync(join(root, 'package-lock.json'), 3_000, 3_000);
    expect(buildIsFresh(root)).toBe(false);
  });
});
