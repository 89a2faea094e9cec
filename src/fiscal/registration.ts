/**
 * Registration data as the tax service checks it (ffd.md §5.x): INN check digits and the
 * check part of the ККТ registration number (1037, РН ККТ). Pure functions, no I/O.
 */

const INN10_WEIGHTS = [2, 4, 10, 3, 5, 9, 4, 6, 8] as const;
const INN12_WEIGHTS_11 = [7, 2, 4, 10, 3, 5, 9, 4, 6, 8] as const;
const INN12_WEIGHTS_12 = [3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8] as const;

/** (Σ dᵢ·wᵢ mod 11) mod 10 over the leading digits, as the ФНС rule states (ffd.md §5.x). */
function checkDigit(digits: string, weights: readonly number[]): number {
  let sum = 0;
  for (let i = 0; i < weights.length; i++) sum += Number(digits[i]) * (weights[i] as number);
  return (sum % 11) % 10;
}

/** A 10-digit (organisation) or 12-digit (person) INN whose check digits are right. */
export function isValidInn(inn: string): boolean {
  if (/^\d{10}$/.test(inn)) return checkDigit(inn, INN10_WEIGHTS) === Number(inn[9]);
  if (/^\d{12}$/.test(inn))
    return (
      checkDigit(inn, INN12_WEIGHTS_11) === Number(inn[10]) && checkDigit(inn, INN12_WEIGHTS_12) === Number(inn[11])
    );
  return false;
}

/** Why an INN is refused, or undefined when it is valid: one message for every front. */
export function innProblem(inn: string): string | undefined {
  if (!/^(\d{10}|\d{12})$/.test(inn)) return 'must be 10 or 12 digits';
  return isValidInn(inn) ? undefined : 'has wrong check digits';
}

/** Completes 9 (or 10) leading digits into a valid 10-digit (or 12-digit) INN. */
export function withInnCheckDigits(leading: string): string {
  if (/^\d{9}$/.test(leading)) return leading + String(checkDigit(leading, INN10_WEIGHTS));
  if (/^\d{10}$/.test(leading)) {
    const eleven = leading + String(checkDigit(leading, INN12_WEIGHTS_11));
    return eleven + String(checkDigit(eleven, INN12_WEIGHTS_12));
  }
  throw new RangeError('an INN is completed from 9 or 10 leading digits');
}

/**
 * The default organisation INN of the emulator: fictional on purpose. Its tax-office part is
 * `7700` (region 77, inspection 00: Moscow's inspections are numbered from 01) and its record
 * number is 00000, so no organisation should hold it; its check digit is valid (it is
 * `withInnCheckDigits('770000000')`). Whether it is really unassigned cannot be checked offline:
 * it is chosen so that it cannot be a real one by construction, not looked up.
 */
export const DEFAULT_TEST_INN = '7700000009';

/** CRC16-CCITT as ffd.md §5.x specifies it: poly 0x1021, init 0xFFFF, no reflection, no final XOR. */
export function crc16Ccitt(data: string | Uint8Array): number {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'ascii') : data;
  let crc = 0xffff;
  for (const b of bytes) {
    crc ^= b << 8;
    for (let i = 0; i < 8; i++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}

export interface RegNumberParts {
  /** The 10-digit sequence number the tax service assigns. */
  sequence: string;
  /** The user's INN (1018), 10 or 12 digits. */
  inn: string;
  /** The ККТ serial number (1013), at most 20 digits. */
  kktSerial: string;
}

const SERIAL = /^\d{1,20}$/;

/**
 * The 6 check digits of a registration number: CRC16-CCITT over the ASCII of
 * sequence(10) + INN left-padded with zeros to 12 + serial left-padded with zeros to 20,
 * written in decimal and zero-padded to 6 (ffd.md §5.x; checked there against the real
 * registration number of §3.1, 0007795807005569).
 */
export function regNumberCheck(p: RegNumberParts): string {
  if (!/^\d{10}$/.test(p.sequence)) throw new RangeError('the sequence part is 10 digits');
  if (!/^(\d{10}|\d{12})$/.test(p.inn)) throw new RangeError('the INN is 10 or 12 digits');
  if (!SERIAL.test(p.kktSerial)) throw new RangeError('the ККТ serial number is 1 to 20 digits');
  const text = p.sequence + p.inn.padStart(12, '0') + p.kktSerial.padStart(20, '0');
  return String(crc16Ccitt(text)).padStart(6, '0');
}

/** The full 16-digit registration number for a sequence number (generated or configured). */
export function generateRegNumber(p: RegNumberParts): string {
  return p.sequence + regNumberCheck(p);
}

/** Whether a 16-digit registration number carries the right check digits for this INN and serial. */
export function isValidRegNumber(regNumber: string, inn: string, kktSerial: string): boolean {
  if (!/^\d{16}$/.test(regNumber) || !/^(\d{10}|\d{12})$/.test(inn) || !SERIAL.test(kktSerial)) return false;
  return regNumberCheck({ sequence: regNumber.slice(0, 10), inn, kktSerial }) === regNumber.slice(10);
}
