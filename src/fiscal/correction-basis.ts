import type { CorrectionBasis } from './document.ts';
import type { FieldError } from './errors.ts';

/** 1179 is a string of at most 32 characters in FFD 1.2 (ffd.md §2.2, RUST and OD). */
export const MAX_CORRECTION_NUMBER_LENGTH = 32;

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Whether `YYYY-MM-DD` names a real calendar day (no 2025-02-30). */
export function isCalendarDate(text: string): boolean {
  const m = DATE.exec(text);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const t = new Date(Date.UTC(y, mo - 1, d));
  return t.getUTCFullYear() === y && t.getUTCMonth() === mo - 1 && t.getUTCDate() === d && y >= 1970;
}

/**
 * The rules of 1174 in FFD 1.2 (ffd.md §5.4): 1173 is self or instruction, 1178 a date (time
 * 00:00:00) not after the correction itself, 1179 required only for a correction by instruction.
 * `today` is the correction's own local date, `YYYY-MM-DD`, when known. Paths are those of the
 * HTTP body (`/correction/...`), so the API and the ФН refuse with the same words.
 */
export function correctionBasisErrors(basis: CorrectionBasis, today?: string): FieldError[] {
  const errors: FieldError[] = [];
  if (basis.kind !== 'self' && basis.kind !== 'instruction')
    errors.push({ path: '/correction/kind', message: 'must be one of self, instruction' });
  if (typeof basis.date !== 'string' || !isCalendarDate(basis.date))
    errors.push({ path: '/correction/date', message: 'must be a date YYYY-MM-DD' });
  else if (today !== undefined && basis.date > today)
    errors.push({ path: '/correction/date', message: `must not be after the correction's own date ${today}` });
  const number = basis.number;
  if (number !== undefined && (typeof number !== 'string' || number.trim().length === 0))
    errors.push({ path: '/correction/number', message: 'must be a non-empty string' });
  else if (number !== undefined && [...number].length > MAX_CORRECTION_NUMBER_LENGTH)
    errors.push({ path: '/correction/number', message: `must be at most ${MAX_CORRECTION_NUMBER_LENGTH} characters` });
  else if (number === undefined && basis.kind === 'instruction')
    errors.push({ path: '/correction/number', message: 'is required for a correction by instruction (1179)' });
  return errors;
}
