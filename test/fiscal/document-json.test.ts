import { describe, expect, it } from 'vitest';
import { documentJson } from '../../src/fiscal/document-json.ts';
import { knownReceipt } from './fixtures.ts';

describe('documentJson', () => {
  it('is the JSON of the document, key order kept', () => {
    const doc = knownReceipt();
    expect(documentJson(doc)).toBe(JSON.stringify(doc));
    expect(JSON.parse(documentJson(doc))).toEqual(doc);
  });

  it('writes each document object once and gives every caller that text', () => {
    const doc = knownReceipt();
    const first = documentJson(doc);
    // A second document with the same fields is another object: serialised on its own.
    const twin = knownReceipt();
    expect(documentJson(twin)).toBe(first);
    // The same object is not serialised again: a change made after signing (which must never
    // happen) would not show, which is why the module requires signed documents to stay as they are.
    (doc as { fiscalSign: string }).fiscalSign = '9999999999';
    expect(documentJson(doc)).toBe(first);
    expect(documentJson(twin)).toBe(first);
  });
});
