import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startTestAdapter, type TestAdapter } from '../helpers/adapter.ts';

/**
 * XML namespace names are identifiers that are never fetched: the only absolute URLs a page may
 * carry. Anything else would break the console or the inspector on a shop's offline network.
 */
const NAMESPACES = new Set(['http://www.w3.org/2000/svg', 'http://www.w3.org/1999/xlink']);

/**
 * A DOCTYPE's system identifier (the diagrams' `svg11.dtd`) names a DTD no browser fetches for
 * SVG, and the inspector drops the prolog when it puts a diagram in the page; it is not scanned.
 */
function externalUrls(text: string): string[] {
  const found =
    text.replace(/<!DOCTYPE[^>]*>/gi, '').match(/(?:https?:)?\/\/[a-z0-9.-]+\.[a-z]{2,}[^\s"'<>)`]*/gi) ?? [];
  return found.filter((u) => !NAMESPACES.has(u));
}

/** `src`, `href` and CSS `url(...)` references of a page. */
function references(text: string): string[] {
  const refs = [...text.matchAll(/\b(?:src|href)\s*=\s*["']([^"']*)["']/gi)].map((m) => m[1] as string);
  for (const m of text.matchAll(/url\(\s*["']?([^"')]+)/gi)) refs.push(m[1] as string);
  return refs;
}

describe('the console and the inspector work with the network unplugged', () => {
  let t: TestAdapter;
  beforeAll(async () => {
    t = await startTestAdapter();
  });
  afterAll(async () => {
    await t?.close();
  });

  test('the finder finds what it must', () => {
    expect(externalUrls('<script src="https://cdn.example.com/x.js">')).toEqual(['https://cdn.example.com/x.js']);
    expect(externalUrls("import('//unpkg.com/lib')")).toEqual(['//unpkg.com/lib']);
    expect(externalUrls('fetch("/v1/kkt/status"); const a = b // c')).toEqual([]);
  });

  test('no page, script, style sheet or diagram served names an external URL', async () => {
    const served: Record<string, string> = {};
    for (const page of ['/', '/inspect']) {
      const html = await t.get(page);
      expect(html.status, page).toBe(200);
      served[page] = html.text;
      for (const ref of references(html.text)) {
        expect(ref, `${page} refers to ${ref}`).toMatch(/^(\/[^/]|data:)/);
        if (ref.startsWith('/')) {
          const asset = await t.get(ref);
          expect(asset.status, ref).toBe(200);
          served[ref] = asset.text;
        }
      }
    }
    expect(Object.keys(served)).toEqual(
      expect.arrayContaining([
        '/console/assets/console.js',
        '/console/assets/console.css',
        '/inspect/assets/inspector.js',
      ]),
    );
    const machines = await t.get('/inspect/machines');
    for (const m of machines.body.machines as { svg: string }[]) served[m.svg] = (await t.get(m.svg)).text;
    for (const [path, text] of Object.entries(served)) expect(externalUrls(text), path).toEqual([]);
  });

  test('nor does any file of static/ (the package ships them)', () => {
    const root = join(import.meta.dirname, '..', '..', 'static');
    const files = readdirSync(root, { recursive: true, withFileTypes: true }).filter((f) => f.isFile());
    expect(files.length).toBeGreaterThanOrEqual(6);
    for (const f of files) {
      const path = join(f.parentPath, f.name);
      expect(externalUrls(readFileSync(path, 'utf8')), path).toEqual([]);
    }
  });
});
