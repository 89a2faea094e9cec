import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  crc16Ccitt,
  DEFAULT_TEST_INN,
  generateRegNumber,
  innProblem,
  isValidInn,
  isValidRegNumber,
  regNumberCheck,
  withInnCheckDigits,
} from '../../src/fiscal/registration.ts';

describe('INN check digits (ffd.md §5.x)', () => {
  it('accepts the organisation and cashier INNs of the real receipt in ffd.md §3.1', () => {
    expect(isValidInn('7825706086')).toBe(true);
    expect(isValidInn('272210689013')).toBe(true);
  });

  it.each([
    ['7825706087', 'last digit changed'],
    ['7825706068', 'digits swapped'],
    ['272210689014', '12th digit changed'],
    ['272210689003', '11th digit changed'],
    ['782570608', 'nine digits'],
    ['78257060861', 'eleven digits'],
    ['78257O6086', 'a letter'],
    ['', 'empty'],
  ])('refuses %s (%s)', (inn) => {
    expect(isValidInn(inn)).toBe(false);
    expect(innProblem(inn)).toBeDefined();
  });

  it('the default INN is valid and is completed from its leading digits', () => {
    expect(isValidInn(DEFAULT_TEST_INN)).toBe(true);
    expect(withInnCheckDigits(DEFAULT_TEST_INN.slice(0, 9))).toBe(DEFAULT_TEST_INN);
    expect(innProblem(DEFAULT_TEST_INN)).toBeUndefined();
  });

  it('every completed INN passes, and changing any one digit breaks it', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.stringMatching(/^\d{9}$/), fc.stringMatching(/^\d{10}$/)),
        fc.nat(),
        fc.integer({ min: 1, max: 9 }),
        (leading, at, delta) => {
          const inn = withInnCheckDigits(leading);
          expect(inn).toHaveLength(leading.length === 9 ? 10 : 12);
          expect(isValidInn(inn)).toBe(true);
          // a changed check digit is always caught
          const i = inn.length - 1 - (at % (inn.length === 10 ? 1 : 2));
          const changed = inn.slice(0, i) + String((Number(inn[i]) + delta) % 10) + inn.slice(i + 1);
          expect(isValidInn(changed)).toBe(false);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('registration number (1037) check digits (ffd.md §5.x)', () => {
  const sample = { sequence: '0007795807', inn: '7825706086', kktSerial: '00105726645591' };

  it('CRC16-CCITT-FALSE: the standard check value of "123456789" is 0x29B1', () => {
    expect(crc16Ccitt('123456789')).toBe(0x29b1);
  });

  it('reproduces the registration number of the real receipt in ffd.md §3.1', () => {
    expect(regNumberCheck(sample)).toBe('005569');
    expect(generateRegNumber(sample)).toBe('0007795807005569');
    expect(isValidRegNumber('0007795807005569', '7825706086', '00105726645591')).toBe(true);
  });

  it('refuses a wrong check part, INN or serial', () => {
    expect(isValidRegNumber('0007795807005568', '7825706086', '00105726645591')).toBe(false);
    expect(isValidRegNumber('0007795807005569', '7825706087', '00105726645591')).toBe(false);
    expect(isValidRegNumber('0007795807005569', '7825706086', '00105726645592')).toBe(false);
    expect(isValidRegNumber('000779580700556', '7825706086', '00105726645591')).toBe(false);
  });

  it('every generated number passes its own check', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^\d{10}$/),
        fc.oneof(fc.stringMatching(/^\d{9}$/), fc.stringMatching(/^\d{10}$/)).map(withInnCheckDigits),
        fc.stringMatching(/^\d{1,20}$/),
        (sequence, inn, kktSerial) => {
          const reg = generateRegNumber({ sequence, inn, kktSerial });
          expect(reg).toMatch(/^\d{16}$/);
          expect(reg.startsWith(sequence)).toBe(true);
          expect(isValidRegNumber(reg, inn, kktSerial)).toBe(true);
          expect(isValidInn(inn)).toBe(true);
        },
      ),
      { numRuns: 200 },
    );
  });
});
