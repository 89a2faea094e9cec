import fc from 'fast-check';

/** Characters CP1251 and CP866 both hold: what text fields can carry unchanged both ways. */
const CHARS = [
  ...Array.from({ length: 0x7e - 0x20 + 1 }, (_, i) => String.fromCharCode(0x20 + i)),
  ...'АБВГДЕЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯабвгдежзийклмнопрстуфхцчшщъыьэюяЁё№',
];

export const text = (maxLength: number, minLength = 0) =>
  fc.array(fc.constantFrom(...CHARS), { minLength, maxLength }).map((a) => a.join(''));

/** Text without leading/trailing spaces and non-empty: what the device keeps after trimming. */
export const trimmedText = (maxLength: number) =>
  text(maxLength, 1)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);

export const digits = (n: number) =>
  fc.array(fc.integer({ min: 0, max: 9 }), { minLength: n, maxLength: n }).map((a) => a.join(''));

export const u8 = fc.integer({ min: 0, max: 0xff });
export const u16 = fc.integer({ min: 0, max: 0xffff });
export const u32 = fc.integer({ min: 0, max: 0xffff_ffff });
export const uint = (bytes: number) => fc.integer({ min: 0, max: 2 ** (8 * bytes) - 1 });
/** 5-byte money except the FF×5 "not given" marker. */
export const money = fc.integer({ min: 0, max: 2 ** 40 - 2 });
export const optionalMoney = fc.option(money, { nil: null });
export const password = fc.integer({ min: 0, max: 0xffff_ffff });
export const localDate = fc.record({ year: fc.integer({ min: 2000, max: 2255 }), month: u8, day: u8 });
export const localTime = fc.record({ hour: u8, minute: u8, second: u8 });
export const fnDateTime = fc.record({
  year: fc.integer({ min: 2000, max: 2255 }),
  month: u8,
  day: u8,
  hour: u8,
  minute: u8,
});
export const bytes = (maxLength: number) => fc.uint8Array({ maxLength }).map((a) => Buffer.from(a));
