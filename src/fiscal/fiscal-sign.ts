import { createHmac } from 'node:crypto';
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
  const { fiscalSign: _ignored, ...unsigned } = doc as UnsignedDocument & { fiscalSign?: string };
  const canonical = canonicalJson(unsigned);
  const mac = createHmac('sha256', Buffer.from(secretHex, 'hex')).update(canonical, 'utf8').digest();
  return Buffer.from([mac[4] ?? 0, 0x04, mac[0] ?? 0, mac[1] ?? 0, mac[2] ?? 0, mac[3] ?? 0]);
}

export function printedFiscalSign(bytes: Buffer): string {
  return String(bytes.readUInt32BE(2)).padStart(10, '0');
}

export function signDocument<D extends FiscalDocument>(doc: UnsignedDocument<D>, secretHex: string): D {
  return { ...doc, fiscalSign: printedFiscalSign(fiscalSignBytes(doc, secretHex)) } as D;
}

export function verifyFiscalSign(doc: FiscalDocument, secretHex: string): boolean {
  return printedFiscalSign(fiscalSignBytes(doc, secretHex)) === doc.fiscalSign;
}
