import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * Uses kkt-emu the way a user's test suite does: a separate project whose node_modules holds
 * the package, importing `kkt-emu` by name through the `exports` map (built JS + .d.ts), never
 * from src/.
 */
const ROOT = resolve(import.meta.dirname, '../..');

async function newestMtime(dir: string): Promise<number> {
  let newest = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) newest = Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
  }
  return newest;
}

let app: string;
beforeAll(async () => {
  // CI builds at `npm ci` (prepare); a developer's dist may be older than src.
  let built = 0;
  try {
    built = statSync(join(ROOT, 'dist/index.js')).mtimeMs;
  } catch {}
  if (built < (await newestMtime(join(ROOT, 'src'))))
    execFileSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], {
      cwd: ROOT,
      stdio: 'inherit',
    });
  app = mkdtempSync(join(tmpdir(), 'kkt-user-app-'));
  mkdirSync(join(app, 'node_modules'));
  symlinkSync(ROOT, join(app, 'node_modules', 'kkt-emu'), 'dir');
  symlinkSync(join(ROOT, 'node_modules', 'vitest'), join(app, 'node_modules', 'vitest'), 'dir');
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'user-app', type: 'module', private: true }));
}, 120_000);
afterAll(() => {
  if (app) rmSync(app, { recursive: true, force: true });
});

describe('the kkt-emu package', () => {
  it('starts the whole stack from `import { startStack } from "kkt-emu"`', () => {
    writeFileSync(
      join(app, 'suite.mjs'),
      `import { startStack } from 'kkt-emu';
const stack = await startStack({ env: { KKT_HLC_SYNC_INTERVAL: '0.1' } });
try {
  const post = await fetch(stack.url + '/v1/kkt/receipt', {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'idempotency-key': 'user-1' },
    body: JSON.stringify({ pos_id: 'P1', type: 'sale',
      items: [{ name: 'Tea', price: 150, quantity: 1, vat_rate: 22 }],
      payments: [{ type: 'card', amount: 150 }] }),
  });
  const receipt = await post.json();
  const sync = await (await fetch(stack.url + '/v1/kkt/buffer/sync', { method: 'POST' })).json();
  stack.ofd.setFaults({ permanent_failure: true });
  console.log(JSON.stringify({ status: post.status, doc: receipt.fiscal_doc.fiscal_doc_number,
    sync, atOfd: stack.ofd.receipts().length, fn: (await stack.device.status()).fn.number }));
} finally {
  await stack.stop();
}
`,
    );
    const run = spawnSync(process.execPath, ['suite.mjs'], { cwd: app, encoding: 'utf8', timeout: 60_000 });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const out = JSON.parse(run.stdout.trim().split('\n').pop() as string);
    expect(out.status).toBe(200);
    expect(out.atOfd).toBe(1);
    expect(out.fn).toMatch(/^9999\d{12}$/);
  }, 60_000);

  it("runs the README's vitest example as a user's suite", () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Use it from your own test suite'));
    const example = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
    expect(example).toContain("from 'kkt-emu'");
    writeFileSync(join(app, 'kkt.test.ts'), example as string);
    const run = spawnSync(
      process.execPath,
      [join(ROOT, 'node_modules/vitest/vitest.mjs'), 'run', '--root', app, '--dir', app, 'kkt.test.ts'],
      { cwd: app, encoding: 'utf8', timeout: 90_000, env: { ...process.env, CI: 'true', NO_COLOR: '1' } },
    );
    expect(run.stdout + run.stderr).toMatch(/3 passed/);
    expect(run.status).toBe(0);
  }, 90_000);

  it('ships type declarations that a strict TypeScript project compiles against', () => {
    writeFileSync(
      join(app, 'typed.ts'),
      `import { startStack, type Stack, MockOfdServer } from 'kkt-emu';
export async function use(): Promise<number> {
  const stack: Stack = await startStack({ env: { KKT_PRINT_DELAY_MS: '0' } });
  stack.ofd.setFaults({ fail_every_n: 2 });
  const spare = new MockOfdServer({ port: 0 });
  await stack.stop();
  return stack.ofd.callCount + (spare ? 0 : 1);
}
`,
    );
    writeFileSync(
      join(app, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          target: 'ES2022',
          noEmit: true,
          skipLibCheck: true,
          types: [],
        },
        files: ['typed.ts'],
      }),
    );
    const tsc = spawnSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], {
      cwd: app,
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(tsc.stdout + tsc.stderr).toBe('');
    expect(tsc.status).toBe(0);
  }, 60_000);
});
