/**
 * Tag 2108 мера количества (FFD 1.2), by the API names of API.md.
 *
 * Sources: ffd.md §2.2 row 2108 gives the code set 0, 10–12, 20–22, 30–32, 40–42, 50, 51, 70–73,
 * 80–83, 255 (from atol.md) and confirms 11 = кг on the real receipt of §3.1 ("1кг" items carry
 * `itemsQuantityMeasure: 11`). atol.md lists the KKTServiceLib enum names in the same order
 * (piece, gram, kilogram, ton, centimeter, …, kilowattHour, gkal, day, hour, minute, second,
 * kilobyte … terabyte, otherUnits), which pairs each name with its code below. ⚠️ The normative
 * FFD value table itself is not reproduced in ffd.md.
 */
export const MEASURES = {
  piece: 0,
  gram: 10,
  kilogram: 11,
  ton: 12,
  centimeter: 20,
  decimeter: 21,
  meter: 22,
  sq_centimeter: 30,
  sq_decimeter: 31,
  sq_meter: 32,
  milliliter: 40,
  liter: 41,
  cubic_meter: 42,
  kilowatt_hour: 50,
  gigacalorie: 51,
  day: 70,
  hour: 71,
  minute: 72,
  second: 73,
  kilobyte: 80,
  megabyte: 81,
  gigabyte: 82,
  terabyte: 83,
  other: 255,
} as const;
export type Measure = keyof typeof MEASURES;

/** Items without a measure (every document written before 2108 was kept) are pieces. */
export const DEFAULT_MEASURE: Measure = 'piece';

const BY_CODE = new Map<number, Measure>(Object.entries(MEASURES).map(([k, v]) => [v as number, k as Measure]));

/** Accepts an API name or a 2108 code (number or numeric string); anything else is undefined. */
export function parseMeasure(value: unknown): Measure | undefined {
  if (typeof value === 'string' && Object.hasOwn(MEASURES, value)) return value as Measure;
  const code =
    typeof value === 'number' ? value : typeof value === 'string' && /^\d{1,3}$/.test(value) ? Number(value) : NaN;
  return Number.isInteger(code) ? BY_CODE.get(code) : undefined;
}

export function measureCode(measure: Measure | undefined): number {
  return MEASURES[measure ?? DEFAULT_MEASURE];
}
