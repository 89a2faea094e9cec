import { randomBytes, randomInt } from 'node:crypto';
import type { FnIdentity } from '../fiscal/document.ts';
import { type FnStep, register } from '../fiscal/fn-core.ts';
import { generateRegNumber } from '../fiscal/registration.ts';

const DAY_MS = 24 * 60 * 60 * 1000;

/** Registration data of the emulated ККТ (from config: `KKT_INN`, `KKT_FN_NUMBER`, ...). */
export type RegistrationOptions = Pick<
  FnIdentity,
  | 'kktSerial'
  | 'userInn'
  | 'userName'
  | 'address'
  | 'taxation'
  | 'taxationTypes'
  | 'place'
  | 'ofdName'
  | 'ofdInn'
  | 'timezone'
  | 'capacity'
> & {
  validityDays: number;
  /** Generated when absent: 16 digits in the 9999 test range. */
  fnNumber?: string;
  /** Generated when absent: a random sequence number with valid check digits (registration.ts). */
  regNumber?: string;
};

function digits(n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += String(randomInt(10));
  return s;
}

export function generateFnNumber(): string {
  return `9999${digits(12)}`;
}

/** A fresh test ФН: identity, its own 256-bit secret for the ФПД, and its registration report. */
export function newFiscalDrive(opts: RegistrationOptions, now: number) {
  const identity: FnIdentity = {
    fnNumber: opts.fnNumber ?? generateFnNumber(),
    kktRegNumber:
      opts.regNumber ??
      generateRegNumber({ sequence: `000${digits(7)}`, inn: opts.userInn, kktSerial: opts.kktSerial }),
    kktSerial: opts.kktSerial,
    userInn: opts.userInn,
    userName: opts.userName,
    address: opts.address,
    taxation: opts.taxation,
    ...(opts.taxationTypes ? { taxationTypes: opts.taxationTypes } : {}),
    ...(opts.place !== undefined ? { place: opts.place } : {}),
    ofdName: opts.ofdName,
    ofdInn: opts.ofdInn,
    timezone: opts.timezone,
    ffdVersion: '1.2',
    registeredAt: now,
    validUntil: now + opts.validityDays * DAY_MS,
    capacity: opts.capacity,
  };
  const secret = randomBytes(32).toString('hex');
  const registration: FnStep = register(identity, secret);
  return { identity, secret, registration };
}
