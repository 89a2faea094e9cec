import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AnyStateMachine } from 'xstate';
import { describeMachine } from '../../inspect/definition.ts';
import { InspectError } from '../../inspect/errors.ts';
import { toMermaid } from '../../inspect/mermaid.ts';
import { parseMermaidState } from '../../inspect/mermaid-check.ts';
import { indexMarkdown, machineMarkdown } from '../../inspect/statechart-doc.ts';
import { machineSvg } from '../../inspect/svg.ts';
import { MACHINE_CATALOG } from '../../machines/catalog.ts';

/** The checkout this module runs from: src/entry/commands/ from the sources, dist/bundle/ built. */
function checkoutRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('kkt-emu statecharts: no package.json above this module');
    dir = up;
  }
  return dir;
}

/** docs/statecharts of this checkout. */
export const STATECHARTS_DIR = join(checkoutRoot(), 'docs', 'statecharts');

const USAGE = `usage: kkt-emu statecharts [--check] [--out <dir>]
  writes <dir>/<machine>.md (Mermaid stateDiagram-v2 + tables) and <machine>.svg for every machine
  --check   writes nothing; exits 1 and lists the files that are stale, missing or obsolete
  --out     the folder (default: docs/statecharts of this checkout)`;

export interface StatechartsOptions {
  catalog?: ReadonlyArray<{ id: string; title: string; machine: AnyStateMachine }>;
  out?: (line: string) => void;
  err?: (line: string) => void;
}

/**
 * `kkt-emu statecharts`: the diagrams in docs/statecharts, generated from the machine
 * definitions. The output is deterministic (no dates; Graphviz runs as WASM, the same on every
 * machine), so `--check` can compare byte for byte and CI can fail on a stale diagram.
 */
export async function runStatechartsCommand(argv: string[], options: StatechartsOptions = {}): Promise<number> {
  const out = options.out ?? ((line: string) => process.stdout.write(`${line}\n`));
  const err = options.err ?? ((line: string) => process.stderr.write(`${line}\n`));
  let args: { check: boolean; dir: string; help: boolean };
  try {
    args = parseArgs(argv);
  } catch (e) {
    err(`kkt-emu statecharts: ${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  if (args.help) {
    out(USAGE);
    return 0;
  }
  const files = await generate(options.catalog ?? MACHINE_CATALOG);
  const existing = await listDir(args.dir);
  if (args.check) {
    const problems: string[] = [];
    for (const [name, content] of files) {
      const current = existing.has(name) ? await readFile(join(args.dir, name), 'utf8') : undefined;
      if (current === undefined) problems.push(`missing: ${name}`);
      else if (current !== content) problems.push(`stale: ${name}`);
    }
    for (const name of existing) if (!files.has(name)) problems.push(`obsolete: ${name}`);
    if (problems.length === 0) {
      out(`statecharts: ${files.size} files in ${args.dir} are up to date`);
      return 0;
    }
    for (const p of problems) err(`statecharts: ${p}`);
    err(`statecharts: ${problems.length} file(s) in ${args.dir} differ from the machines; run \`npm run statecharts\``);
    return 1;
  }
  await mkdir(args.dir, { recursive: true });
  let written = 0;
  for (const [name, content] of files) {
    const path = join(args.dir, name);
    const current = existing.has(name) ? await readFile(path, 'utf8') : undefined;
    if (current === content) continue;
    await writeFile(path, content);
    written++;
  }
  // The folder holds generated files only: a machine that left the catalog leaves no diagram behind.
  for (const name of existing) if (!files.has(name)) await rm(join(args.dir, name));
  out(`statecharts: ${written} of ${files.size} files written to ${args.dir}`);
  return 0;
}

/** Every file of docs/statecharts, by name. */
export async function generate(
  catalog: ReadonlyArray<{ id: string; title: string; machine: AnyStateMachine }>,
): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  for (const entry of catalog) {
    const def = describeMachine(entry.machine);
    const mermaid = toMermaid(def);
    // Never write a diagram Mermaid would refuse.
    parseMermaidState(mermaid.text);
    files.set(`${entry.id}.md`, machineMarkdown({ id: entry.id, title: entry.title, def, mermaid }));
    files.set(`${entry.id}.svg`, await machineSvg(entry.machine));
  }
  files.set('README.md', indexMarkdown(catalog));
  return files;
}

function parseArgs(argv: readonly string[]): { check: boolean; dir: string; help: boolean } {
  let check = false;
  let help = false;
  let dir = STATECHARTS_DIR;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--check') check = true;
    else if (arg === '--help' || arg === '-h') help = true;
    else if (arg === '--out' || arg.startsWith('--out=')) {
      const value = arg === '--out' ? argv[++i] : arg.slice('--out='.length);
      if (!value) throw new InspectError('STATECHARTS_BAD_ARGS', '--out needs a folder');
      dir = resolve(value);
    } else throw new InspectError('STATECHARTS_BAD_ARGS', `${arg}: unknown option`);
  }
  return { check, dir, help };
}

async function listDir(dir: string): Promise<Set<string>> {
  try {
    const entries = await readdir(dir, { withFileTypes: true });
    return new Set(entries.filter((e) => e.isFile()).map((e) => e.name));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return new Set();
    throw e;
  }
}
