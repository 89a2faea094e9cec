import { createHmac, createSecretKey, type KeyObject } from 'node:crypto';
import { canonicalJson } from './canonical-json.ts';
import type { FiscalDocument, UnsignedDocument } from './document.ts';

/**
 * ФПД of the emulated ФН: HMAC-SHA-256 with the ФН's own secret over the RFC 8785 canonical
 * JSON of the document. A real ФН keeps 6 bytes in tag 1077 and prints bytes 2..5 as a
 * big-endian uint32; we keep byte 1 = 0x04 like every real sample and print the same way.
 * Deterministic for one document and key, different between drives, never cryptographically
 * valid at the tax service (an emulator cannot be).
 */
export function fiscalSignBytes(doc: UnsignedDocument, secretHex: string): Buffer {
  // A document being signed has no 1077 yet: hash it as it is. Only a signed one (verification)
  // is copied without its sign; the copy of a whole document cost more than the HMAC.
  const canonical = canonicalJson(Object.hasOwn(doc, 'fiscalSign') ? withoutSign(doc) : doc);
  const mac = createHmac('sha256', secretKey(secretHex)).update(canonical, 'utf8').digest();
  return Buffer.from([mac[4] ?? 0, 0x04, mac[0] ?? 0, mac[1] ?? 0, mac[2] ?? 0, mac[3] ?? 0]);
}

function withoutSign(doc: UnsignedDocument): UnsignedDocument {
  const { fiscalSign: _ignored, ...unsigned } = doc as UnsignedDocument & { fiscalSign?: string };
  return unsigned;
}

/** The ФН's key as a KeyObject, imported once: one adapter signs with one ФН's secret. */
let lastKey: { hex: string; key: KeyObject } | undefined;
function secretKey(hex: string): KeyObject {
  if (lastKey?.hex !== hex) lastKey = { hex, key: createSecretKey(Buffer.from(hex, 'hex')) };
  return lastKey.key;
}

export function printedFiscalSign(bytes: Buffer): string {
  return String(bytes.readUInt32BE(2)).padStart(10, '0');
}

export function signDocument<D extends FiscalDocument>(doc: UnsignedDocument<D>, secretHex: string): D {
  // Object.assign, then the sign: the same keys in the same order as a spread, without the spread's
  // slow path for a large object gaining a key (bench/RESULTS.md).
  const signed = Object.assign({}, doc) as D;
  signed.fiscalSign = printedFiscalSign(fiscalSignBytes(doc, secretHex));
  return signed;
}

export function verifyFiscalSign(doc: FiscalDocument, secretHex: string): boolean {
  return printedFiscalSign(fiscalSignBytes(doc, secretHex)) === doc.fiscalSign;
}
