/**
 * The layer rules of docs/architecture.md, checked in `npm test` (npm run lint:deps).
 * Each folder of src/ is one layer; a layer imports only the layers listed for it in
 * dependency-layers.cjs. The rule names say which arrow of the diagram a violation breaks.
 */
const LAYERS = require('./dependency-layers.cjs');

const layer = (name, allowed) => ({
  name: `${name}-imports-only-${allowed.length ? allowed.join('-') : 'itself'}`,
  comment: `src/${name} may import ${allowed.length ? allowed.map((a) => `src/${a}`).join(', ') : 'nothing else in src'} (docs/architecture.md)`,
  severity: 'error',
  from: { path: `^src/${name}/` },
  to: {
    path: '^src/',
    pathNot: [`^src/${name}/`, ...allowed.map((a) => `^src/${a}/`)],
  },
});

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'no import cycles anywhere in src',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'no-orphans',
      comment: 'every module of src is used (index.ts and the CLI entry are roots)',
      severity: 'error',
      from: { orphan: true, path: '^src/', pathNot: ['^src/index\\.ts$', '^src/entry/cli\\.ts$', '\\.d\\.ts$'] },
      to: {},
    },
    ...Object.entries(LAYERS).map(([name, allowed]) => layer(name, allowed)),
    {
      name: 'only-the-entry-knows-the-emulator',
      comment:
        'above src/device nothing may know which driver it has (KktDriver says so); only src/entry opens the emulator, and the shtrih front serves it',
      severity: 'error',
      from: { path: '^src/(service|api|inspect|shtrih/driver|atol/driver|atol/front)/' },
      to: { path: '^src/device/(emulator|new-fiscal-drive|print-delay)\\.ts$' },
    },
    {
      name: 'only-io-does-io',
      comment: 'sqlite, sockets and serial ports are reached through src/io (the entry and the servers excepted)',
      severity: 'error',
      from: { path: '^src/(fiscal|machines|shtrih/protocol|atol/protocol|service)/' },
      to: {
        dependencyTypes: ['npm', 'core'],
        path: '(better-sqlite3|serialport|node:fs|node:net|node:child_process|undici)',
      },
    },
    {
      name: 'no-test-code-in-src',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^(test|bench)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
