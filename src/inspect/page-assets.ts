import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The inspector page's files: plain HTML, JS and CSS in static/inspect, no build step, no CDN.
 * Two levels up from this file is the package root both from src/ (tsx) and dist/ (built).
 */
export const PAGE_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'static', 'inspect');

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

export interface PageAssets {
  html: string;
  /** By file name, as served under /inspect/assets/. */
  files: Map<string, { type: string; body: string }>;
}

let loaded: Promise<PageAssets> | undefined;

/** Read once per process: three small files. */
export function loadPageAssets(): Promise<PageAssets> {
  loaded ??= read().catch((e) => {
    loaded = undefined;
    throw e;
  });
  return loaded;
}

async function read(): Promise<PageAssets> {
  const [html, js, css] = await Promise.all(
    ['index.html', 'inspector.js', 'inspector.css'].map((name) => readFile(join(PAGE_DIR, name), 'utf8')),
  );
  const files = new Map<string, { type: string; body: string }>([
    ['inspector.js', { type: TYPES['.js'] as string, body: js as string }],
    ['inspector.css', { type: TYPES['.css'] as string, body: css as string }],
  ]);
  return { html: html as string, files };
}
