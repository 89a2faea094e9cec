import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { FiscalDocument, ReceiptDocument, UnsignedDocument } from '../../src/fiscal/document.ts';
import { fiscalSignBytes, printedFiscalSign, signDocument, verifyFiscalSign } from '../../src/fiscal/fiscal-sign.ts';
import { knownReceipt, OTHER_SECRET, SECRET } from './fixtures.ts';

function unsigned(doc: ReceiptDocument = knownReceipt()): UnsignedDocument<ReceiptDocument> {
  const { fiscalSign: _, ...rest } = doc;
  return rest;
}

const sign = (doc: UnsignedDocument<ReceiptDocument>, secret = SECRET) => signDocument<ReceiptDocument>(doc, secret);

describe('fiscal sign (ФПД)', () => {
  it('is 10 digits and the same for the same document and secret', () => {
    const a = sign(unsigned());
    const b = sign(unsigned());
    expect(a.fiscalSign).toMatch(/^\d{10}$/);
    expect(b.fiscalSign).toBe(a.fiscalSign);
    expect(Number(a.fiscalSign)).toBeLessThanOrEqual(0xffff_ffff);
  });

  it('leaves the rest of the document as it was', () => {
    const doc = unsigned();
    const signed = sign(doc);
    const { fiscalSign: _, ...rest } = signed;
    expect(rest).toStrictEqual(doc);
    expect(doc).not.toHaveProperty('fiscalSign');
  });

  it('does not depend on key order or on an existing fiscalSign field', () => {
    const doc = unsigned();
    const reversed = Object.fromEntries(Object.entries(doc).reverse()) as typeof doc;
    expect(sign(reversed).fiscalSign).toBe(sign(doc).fiscalSign);
    const withOldSign = { ...doc, fiscalSign: '9999999999' } as ReceiptDocument;
    expect(fiscalSignBytes(withOldSign, SECRET)).toEqual(fiscalSignBytes(doc, SECRET));
  });

  it('changes when one kopeck or any other field changes', () => {
    const base = sign(unsigned()).fiscalSign;
    const doc = unsigned();
    const variants: UnsignedDocument<ReceiptDocument>[] = [
      { ...doc, items: [{ ...doc.items[0]!, price: doc.items[0]!.price + 1 }] },
      { ...doc, total: doc.total + 1 },
      { ...doc, payments: { ...doc.payments, cash: doc.payments.cash + 1 } },
      { ...doc, number: doc.number + 1 },
      { ...doc, dateTime: doc.dateTime + 60_000 },
      { ...doc, operation: 'refund' },
      { ...doc, fnNumber: '9999078900000002' },
      { ...doc, items: [{ ...doc.items[0]!, name: 'Lenz' }] },
      { ...doc, cashier: undefined },
    ];
    for (const v of variants) expect(sign(v).fiscalSign).not.toBe(base);
  });

  it('differs between fiscal drives (secrets)', () => {
    expect(sign(unsigned(), OTHER_SECRET).fiscalSign).not.toBe(sign(unsigned(), SECRET).fiscalSign);
  });

  it('verifies its own documents and nothing else', () => {
    const signed = sign(unsigned());
    expect(verifyFiscalSign(signed, SECRET)).toBe(true);
    expect(verifyFiscalSign(signed, OTHER_SECRET)).toBe(false);
    expect(verifyFiscalSign({ ...signed, total: signed.total + 1 }, SECRET)).toBe(false);
    const wrong = String((Number(signed.fiscalSign) + 1) % 10_000_000_000).padStart(10, '0');
    expect(verifyFiscalSign({ ...signed, fiscalSign: wrong }, SECRET)).toBe(false);
  });

  it('still verifies after the archive stored the document as JSON', () => {
    const signed = sign(unsigned());
    const stored = JSON.parse(JSON.stringify(signed)) as FiscalDocument;
    expect(verifyFiscalSign(stored, SECRET)).toBe(true);
    // an explicitly undefined optional field is the same document as a missing one
    expect(sign({ ...unsigned(), requestId: undefined }).fiscalSign).toBe(signed.fiscalSign);
  });

  it('keeps 6 bytes with byte 1 = 0x04 and prints bytes 2..5 as a big-endian uint32', () => {
    const bytes = fiscalSignBytes(unsigned(), SECRET);
    expect(bytes).toHaveLength(6);
    expect(bytes[1]).toBe(0x04);
    const be = ((bytes[2]! << 24) | (bytes[3]! << 16) | (bytes[4]! << 8) | bytes[5]!) >>> 0;
    expect(printedFiscalSign(bytes)).toBe(String(be).padStart(10, '0'));
    expect(sign(unsigned()).fiscalSign).toBe(String(be).padStart(10, '0'));
  });

  it('prints the worked examples of ffd.md §4', () => {
    expect(printedFiscalSign(Buffer.from([0x31, 0x04, 0x31, 0x26, 0xd7, 0xdc]))).toBe('0824629212');
    expect(printedFiscalSign(Buffer.from([0x21, 0x04, 0xaa, 0x10, 0x75, 0x41]))).toBe('2853205313');
    expect(printedFiscalSign(Buffer.from([0, 4, 0, 0, 0, 0]))).toBe('0000000000');
    expect(printedFiscalSign(Buffer.from([0, 4, 0xff, 0xff, 0xff, 0xff]))).toBe('4294967295');
  });

  it('is a 10-digit sign that verifies, for any total and secret', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2 ** 48 - 1 }),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        (total, key) => {
          const secret = Buffer.from(key).toString('hex');
          const signed = sign({ ...unsigned(), total }, secret);
          expect(signed.fiscalSign).toMatch(/^\d{10}$/);
          expect(verifyFiscalSign(signed, secret)).toBe(true);
          expect(fiscalSignBytes(signed, secret)[1]).toBe(0x04);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('spreads its values: 200 receipts give (almost) 200 different signs', () => {
    const signs = new Set<string>();
    for (let n = 1; n <= 200; n++) signs.add(sign({ ...unsigned(), number: n }).fiscalSign);
    // a 32-bit value: a collision among 200 has probability ~5e-6
    expect(signs.size).toBeGreaterThanOrEqual(199);
  });
});
