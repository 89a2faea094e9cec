import { decodeCp866, encodeCp866 } from './text.ts';
import { WireFormatError } from './wire.ts';

/**
 * FFD TLV: tag (uint16 LE), length (uint16 LE), value. An STLV's value is itself a TLV list.
 * Value helpers follow ffd.md §2.1: VLN money (≤ 6 bytes, little-endian, trailing zero bytes
 * dropped), FVLN quantities (decimals byte + VLN), UInt32, UnixTime (local wall time written as
 * if UTC), CP866 strings.
 */
export interface Tlv {
  tag: number;
  value: Buffer;
}

export function encodeTlv(tag: number, value: Uint8Array): Buffer {
  if (value.length > 0xffff) throw new WireFormatError(`TLV ${tag} of ${value.length} bytes is too long`);
  const head = Buffer.alloc(4);
  head.writeUInt16LE(tag, 0);
  head.writeUInt16LE(value.length, 2);
  return Buffer.concat([head, value]);
}

export function encodeTlvs(items: readonly Tlv[]): Buffer {
  return Buffer.concat(items.map((t) => encodeTlv(t.tag, t.value)));
}

/** Decodes a TLV list that must fill `buf` exactly. */
export function decodeTlvs(buf: Uint8Array): Tlv[] {
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.length);
  const out: Tlv[] = [];
  let at = 0;
  while (at < b.length) {
    if (at + 4 > b.length) throw new WireFormatError(`TLV header cut short at offset ${at}`);
    const tag = b.readUInt16LE(at);
    const length = b.readUInt16LE(at + 2);
    if (at + 4 + length > b.length) throw new WireFormatError(`TLV ${tag} claims ${length} bytes; fewer remain`);
    out.push({ tag, value: Buffer.from(b.subarray(at + 4, at + 4 + length)) });
    at += 4 + length;
  }
  return out;
}

export const tlvByte = (tag: number, v: number): Tlv => {
  if (!Number.isInteger(v) || v < 0 || v > 0xff) throw new WireFormatError(`TLV ${tag}: byte ${v} out of range`);
  return { tag, value: Buffer.from([v]) };
};

export const tlvU32 = (tag: number, v: number): Tlv => {
  if (!Number.isInteger(v) || v < 0 || v > 0xffff_ffff) throw new WireFormatError(`TLV ${tag}: ${v} is not a uint32`);
  const value = Buffer.alloc(4);
  value.writeUInt32LE(v);
  return { tag, value };
};

/** VLN: at least one byte, so a zero stays visible. */
export function vlnBytes(v: number, max = 6): Buffer {
  if (!Number.isSafeInteger(v) || v < 0 || v >= 2 ** (8 * max)) throw new WireFormatError(`VLN ${v} out of range`);
  const bytes: number[] = [];
  let rest = v;
  do {
    bytes.push(rest % 256);
    rest = Math.floor(rest / 256);
  } while (rest > 0);
  return Buffer.from(bytes);
}

export const tlvVln = (tag: number, v: number): Tlv => ({ tag, value: vlnBytes(v) });

/** FVLN: decimals, then the scaled integer as VLN (ffd.md: `02 15 cd 5b 07` = 1234567.89). */
export const tlvFvln = (tag: number, scaled: number, decimals: number): Tlv => ({
  tag,
  value: Buffer.concat([Buffer.from([decimals]), vlnBytes(scaled)]),
});

export const tlvString = (tag: number, text: string): Tlv => ({ tag, value: encodeCp866(text) });

/** Fixed-width string padded with spaces (INN 12, registration number 20). */
export const tlvPadded = (tag: number, text: string, width: number): Tlv => {
  const bytes = encodeCp866(text);
  if (bytes.length > width) throw new WireFormatError(`TLV ${tag}: "${text}" is longer than ${width}`);
  return { tag, value: Buffer.concat([bytes, Buffer.alloc(width - bytes.length, 0x20)]) };
};

export const tlvStlv = (tag: number, items: readonly Tlv[]): Tlv => ({ tag, value: encodeTlvs(items) });

export function readByte(t: Tlv): number {
  if (t.value.length !== 1) throw new WireFormatError(`TLV ${t.tag}: expected 1 byte, got ${t.value.length}`);
  return t.value[0] as number;
}

export function readU32(t: Tlv): number {
  if (t.value.length !== 4) throw new WireFormatError(`TLV ${t.tag}: expected 4 bytes, got ${t.value.length}`);
  return t.value.readUInt32LE(0);
}

export function readVln(t: Tlv, max = 6): number {
  if (t.value.length > max) throw new WireFormatError(`TLV ${t.tag}: VLN of ${t.value.length} bytes`);
  return t.value.length === 0 ? 0 : t.value.readUIntLE(0, t.value.length);
}

export function readFvln(t: Tlv): { scaled: number; decimals: number } {
  const decimals = t.value[0];
  if (decimals === undefined || t.value.length > 8) throw new WireFormatError(`TLV ${t.tag}: bad FVLN`);
  const rest = t.value.subarray(1);
  if (rest.length > 6) throw new WireFormatError(`TLV ${t.tag}: FVLN too long for kkt-emu`);
  return { decimals, scaled: rest.length === 0 ? 0 : rest.readUIntLE(0, rest.length) };
}

export const readString = (t: Tlv): string => decodeCp866(t.value);
export const readPadded = (t: Tlv): string => decodeCp866(t.value).trimEnd();
export const readStlv = (t: Tlv): Tlv[] => decodeTlvs(t.value);
