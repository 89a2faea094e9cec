#!/usr/bin/env node
// Runs the compiled build (dist/, made at install time by `prepare`) while it is newer than every
// source file, and the TypeScript sources directly through tsx otherwise (after an edit, a
// `git pull` or with KKT_FROM_SOURCE=1): `npm start` is fast and never runs stale code.
import { buildIsFresh } from './build-freshness.js';

if (process.env.KKT_FROM_SOURCE !== '1' && buildIsFresh()) {
  await import('../dist/bundle/cli.js');
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/entry/cli.ts');
}
