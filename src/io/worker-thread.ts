import { Worker } from 'node:worker_threads';

/**
 * A worker thread running the module `name` beside the caller (`here` is the caller's
 * `import.meta.url`). Compiled (`dist/`, `dist/bundle/`) the module is plain JavaScript next to
 * the caller's file; run from the TypeScript sources (bin/kkt-emu.js, tests) the thread
 * registers tsx itself, because loader hooks registered on the caller's thread do not reach a
 * new thread in Node 20.
 */
export function spawnThread(here: string, name: string, workerData: unknown): Worker {
  if (here.endsWith('.js')) return new Worker(new URL(`./${name}.js`, here), { workerData });
  const entry = new URL(`./${name}.ts`, here).href;
  const tsx = import.meta.resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(tsx)}).then((t) => { t.register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(boot, { eval: true, workerData });
}
