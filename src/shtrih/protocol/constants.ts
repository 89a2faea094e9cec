/**
 * Control bytes and limits of the Shtrih-M "стандартный нижний уровень" (reference shtrih-m.md §1.2–1.3).
 * Everything under src/io/serial except port.ts and socat.ts is pure: bytes in, values out.
 */
export const STX = 0x02;
export const ENQ = 0x05;
export const ACK = 0x06;
export const NAK = 0x15;

/** The length byte counts command code + data, so one frame carries at most 255 payload bytes. */
export const MAX_PAYLOAD = 255;

/** Prefix of the two-byte command codes (`FF 46`), sent high byte first. */
export const EXTENDED_PREFIX = 0xff;

export const CONTROL_NAMES: Readonly<Record<number, string>> = {
  [ENQ]: 'ENQ',
  [ACK]: 'ACK',
  [NAK]: 'NAK',
};
