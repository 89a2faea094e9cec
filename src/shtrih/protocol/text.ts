import iconv from 'iconv-lite';

/**
 * Text on the wire: CP1251 in every legacy command and in FF46h item names; CP866 inside TLVs
 * (FF0Ch/FF4Dh and documents read back), the FN/FFD encoding (reference shtrih-m.md §1.1).
 * Characters a code page cannot hold become `?`: the device can only keep what it can encode.
 */

export function encodeCp1251(text: string): Buffer {
  return iconv.encode(text, 'win1251');
}

export function decodeCp1251(bytes: Uint8Array): string {
  return iconv.decode(Buffer.from(bytes), 'win1251');
}

export function encodeCp866(text: string): Buffer {
  return iconv.encode(text, 'cp866');
}

export function decodeCp866(bytes: Uint8Array): string {
  return iconv.decode(Buffer.from(bytes), 'cp866');
}

/** Legacy text fields are zero-padded; the text ends at the first NUL (S1 17h: "\0 ends the string"). */
export function cutAtNul(bytes: Buffer): Buffer {
  const nul = bytes.indexOf(0);
  return nul === -1 ? bytes : bytes.subarray(0, nul);
}
