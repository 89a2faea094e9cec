import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The pages' files: plain HTML, JS and CSS in static/<page>, no build step, no CDN.
 * Two levels up from this file is the package root both from src/ (tsx) and dist/ (built).
 */
const STATIC_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'static');

/** The pages served by the adapter and their assets (besides index.html). */
const PAGES = {
  inspect: ['inspector.js', 'inspector.css'],
  console: ['console.js', 'console.css'],
} as const;

export type PageName = keyof typeof PAGES;

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

export interface PageAssets {
  html: string;
  /** By file name, as served under /<page>/assets/. */
  files: Map<string, { type: string; body: string }>;
}

const loaded = new Map<PageName, Promise<PageAssets>>();

/** Read once per process: three small files per page. */
export function loadPageAssets(page: PageName = 'inspect'): Promise<PageAssets> {
  let pending = loaded.get(page);
  if (!pending) {
    pending = read(page).catch((e) => {
      loaded.delete(page);
      throw e;
    });
    loaded.set(page, pending);
  }
  return pending;
}

async function read(page: PageName): Promise<PageAssets> {
  const dir = join(STATIC_DIR, page);
  const names = PAGES[page];
  const [html, ...bodies] = await Promise.all(
    ['index.html', ...names].map((name) => readFile(join(dir, name), 'utf8')),
  );
  const files = new Map<string, { type: string; body: string }>();
  names.forEach((name, i) => {
    files.set(name, { type: TYPES[name.slice(name.lastIndexOf('.'))] as string, body: bodies[i] as string });
  });
  return { html: html as string, files };
}
