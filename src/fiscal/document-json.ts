import type { FiscalDocument } from './document.ts';

/**
 * The JSON of a signed fiscal document, written once per document object. The ФН archive and
 * the adapter's buffer both store a receipt's document, and in process they hold the same object:
 * the second store takes the first one's text instead of serialising the document again (one
 * JSON.stringify per receipt less on the event loop). Sound because a signed document is never
 * changed: its fiscal sign covers every field.
 */
const written = new WeakMap<FiscalDocument, string>();

export function documentJson(doc: FiscalDocument): string {
  let json = written.get(doc);
  if (json === undefined) {
    json = JSON.stringify(doc);
    written.set(doc, json);
  }
  return json;
}

/**
 * Records `json` as the text of `doc`: a document that arrives as text (from the ФН thread) and
 * is parsed keeps that text, so the adapter's buffer stores what the archive stored.
 */
export function rememberDocumentJson(doc: FiscalDocument, json: string): void {
  written.set(doc, json);
}
