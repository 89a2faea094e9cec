import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

/**
 * The commands the docs tell a newcomer to type must work from a clone. Inside the checkout
 * `npx kkt-emu` does not resolve the package's own bin (npm 11 looks it up in the registry), so
 * the docs write `node bin/kkt-emu.js …` or an npm script; every such form found in README.md and
 * docs/*.md is run here with --help.
 */
const ROOT = join(import.meta.dirname, '../..');
const run = promisify(execFile);

const docs = [
  'README.md',
  ...readdirSync(join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];
const text = docs.map((f) => ({ file: f, body: readFileSync(join(ROOT, f), 'utf8') }));

const commands = new Set<string>();
const scripts = new Set<string>();
const npxUses: string[] = [];
for (const { file, body } of text) {
  for (const m of body.matchAll(/node bin\/kkt-emu\.js ([a-z]+)/g)) commands.add(m[1] as string);
  for (const m of body.matchAll(/npm run ([a-z:]+)/g)) scripts.add(m[1] as string);
  for (const paragraph of body.split(/\n\s*\n/))
    if (/npx kkt-emu/.test(paragraph) && !/installed/i.test(paragraph))
      npxUses.push(`${file}: ${paragraph.trim().slice(0, 80)}`);
}

describe('documented commands', () => {
  it('the docs give clone users a form that works', () => {
    expect(commands.size).toBeGreaterThan(0);
    // `npx kkt-emu` only where the text says it is for an installed package.
    expect(npxUses).toEqual([]);
  });

  it.each([...commands].map((c) => [c]))('node bin/kkt-emu.js %s --help', async (command) => {
    const { stdout } = await run(process.execPath, ['bin/kkt-emu.js', command, '--help'], {
      cwd: ROOT,
      timeout: 20_000,
    });
    expect(stdout).toContain(`kkt-emu ${command}`);
  });

  it('every documented npm script exists', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect([...scripts].filter((s) => !(s in pkg.scripts))).toEqual([]);
  });
});
