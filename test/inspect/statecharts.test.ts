import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runStatechartsCommand, STATECHARTS_DIR } from '../../src/entry/commands/statecharts.ts';
import { MACHINE_CATALOG } from '../../src/machines/catalog.ts';
import { testCatalog } from './fixtures.ts';

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, options: { out: (l: string) => out.push(l), err: (l: string) => err.push(l) } };
}

describe('kkt-emu statecharts', () => {
  const dirs: string[] = [];
  const tempDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'kkt-statecharts-'));
    dirs.push(dir);
    return dir;
  };
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('the committed docs/statecharts are up to date (run `npm run statecharts` after changing a machine)', async () => {
    const io = capture();
    const code = await runStatechartsCommand(['--check'], io.options);
    expect(io.err.join('\n')).toBe('');
    expect(code).toBe(0);
    const names = readdirSync(STATECHARTS_DIR).sort();
    expect(names).toEqual(['README.md', ...MACHINE_CATALOG.flatMap((m) => [`${m.id}.md`, `${m.id}.svg`])].sort());
  });

  it('writes a Markdown file with a Mermaid diagram and an SVG per machine, deterministically', async () => {
    const dir = tempDir();
    const io = capture();
    expect(await runStatechartsCommand(['--out', dir], { ...io.options, catalog: testCatalog })).toBe(0);
    expect(readdirSync(dir).sort()).toEqual(['README.md', 'regions.md', 'regions.svg', 'toggle.md', 'toggle.svg']);
    const md = readFileSync(join(dir, 'toggle.md'), 'utf8');
    expect(md).toContain('```mermaid\nstateDiagram-v2\n');
    expect(md).toContain('off --> on : flip');
    expect(md).toContain('| `off` | `flip` |  | `on` |  |  |');
    expect(md).not.toMatch(/\d{4}-\d{2}-\d{2}/);
    expect(readFileSync(join(dir, 'toggle.svg'), 'utf8')).toContain('data-state-id="toggle.off"');
    const again = capture();
    expect(await runStatechartsCommand([`--out=${dir}`], { ...again.options, catalog: testCatalog })).toBe(0);
    expect(again.out.join('')).toContain('0 of 5 files written');
  });

  it('--check lists stale, missing and obsolete files and exits 1', async () => {
    const dir = tempDir();
    await runStatechartsCommand(['--out', dir], { ...capture().options, catalog: testCatalog });
    writeFileSync(join(dir, 'toggle.md'), 'edited by hand\n');
    rmSync(join(dir, 'regions.svg'));
    writeFileSync(join(dir, 'old.svg'), '<svg/>');
    const io = capture();
    expect(await runStatechartsCommand(['--check', '--out', dir], { ...io.options, catalog: testCatalog })).toBe(1);
    expect(io.err).toEqual([
      'statecharts: stale: toggle.md',
      'statecharts: missing: regions.svg',
      'statecharts: obsolete: old.svg',
      `statecharts: 3 file(s) in ${dir} differ from the machines; run \`npm run statecharts\``,
    ]);
    // Writing repairs all three.
    await runStatechartsCommand(['--out', dir], { ...capture().options, catalog: testCatalog });
    expect(await runStatechartsCommand(['--check', '--out', dir], { ...capture().options, catalog: testCatalog })).toBe(
      0,
    );
  });

  it('rejects unknown options with usage, exit 2', async () => {
    const io = capture();
    expect(await runStatechartsCommand(['--chek'], io.options)).toBe(2);
    expect(io.err.join('\n')).toContain('--chek: unknown option');
    expect(await runStatechartsCommand(['--out'], capture().options)).toBe(2);
    const help = capture();
    expect(await runStatechartsCommand(['--help'], help.options)).toBe(0);
    expect(help.out.join('')).toContain('usage: kkt-emu statecharts');
  });
});
