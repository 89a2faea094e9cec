#!/usr/bin/env node
// `npm run build` (and `prepare`, so `npm ci` runs it): compiles src/ to dist/ (the package's
// library build, with types), bundles the CLI into dist/bundle/, and stamps the build with the
// time it started. bin/kkt-emu.js runs dist/ only while no source file is newer than that
// stamp, so an edit made during the build, a `git pull` or a checkout never runs stale code.
import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const started = Date.now();
// A clean dist/: files of modules that were moved or deleted must not linger in the build.
rmSync(`${root}dist`, { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const run = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
if (run.status !== 0) process.exit(run.status ?? 1);
// The CLI as a few files instead of some 180 modules of ours and a few hundred of the packages':
// resolving and reading them was most of a start (docs/architecture.md, "Start-up"). Packages that
// find files beside their own modules (__dirname, package.json, assets) or load native code stay
// external and load from node_modules as usual.
const { build } = await import('esbuild');
await build({
  absWorkingDir: root,
  // Named, so each thread's file sits beside the chunks that start it (new URL('./fn-thread.js')).
  entryPoints: {
    cli: 'src/entry/cli.ts',
    'mock-thread': 'src/entry/mock-thread.ts',
    'fn-thread': 'src/device/fn-thread.ts',
  },
  outdir: 'dist/bundle',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  logLevel: 'warning',
  external: [
    'better-sqlite3',
    'serialport',
    '@serialport/*',
    'pino',
    'pino-pretty',
    '@fastify/swagger',
    '@fastify/swagger-ui',
    'state-machine-cat',
    '@statelyai/inspect',
  ],
  // CommonJS packages inside an ES module bundle still call require().
  banner: {
    js: "import { createRequire as __kktRequire } from 'node:module'; const require = __kktRequire(import.meta.url);",
  },
});
writeFileSync(`${root}dist/.build-stamp`, `${started}\n`);
