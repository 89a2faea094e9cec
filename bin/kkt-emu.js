#!/usr/bin/env node
// Runs the TypeScript sources directly through tsx, so `npm start` needs no compile step.
import { register } from 'tsx/esm/api';

register();
await import('../src/entry/cli.ts');
