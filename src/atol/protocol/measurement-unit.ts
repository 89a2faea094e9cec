import { MEASURES, type Measure } from '../../fiscal/measure.ts';

/**
 * `measurementUnit` of an ATOL position as the 2108 measure the document keeps. ATOL's OpenAPI
 * 1.0.4.0 (`PositionItem.measurementUnit`) says the field is tag 1197 (free text) up to FFD 1.1
 * and tag 2108 from FFD 1.2, with the example "шт"; its `MarkingCodeFfd12.itemUnits` lists the
 * 2108 names with their codes (piece (0), gram (10), … squareCentimeter (30) … gkal (51) …
 * otherUnits (255)). Clients send the name, the code, or (written for FFD ≤ 1.1) text.
 *
 * kkt-emu is FFD 1.2, so text has to become a 2108 measure. The usual Russian designations are
 * read as their measure; any other text is 255 "иные единицы измерения" with a warning. What a
 * real ATOL register does with text under FFD 1.2 is unconfirmed (docs/atol.md).
 */

/** ATOL's camelCase names (spec `itemUnits`) → the API's names (same 2108 codes). */
const ATOL_NAMES: Record<string, Measure> = {
  piece: 'piece',
  gram: 'gram',
  kilogram: 'kilogram',
  ton: 'ton',
  centimeter: 'centimeter',
  decimeter: 'decimeter',
  meter: 'meter',
  squareCentimeter: 'sq_centimeter',
  squareDecimeter: 'sq_decimeter',
  squareMeter: 'sq_meter',
  milliliter: 'milliliter',
  liter: 'liter',
  cubicMeter: 'cubic_meter',
  kilowattHour: 'kilowatt_hour',
  gkal: 'gigacalorie',
  day: 'day',
  hour: 'hour',
  minute: 'minute',
  second: 'second',
  kilobyte: 'kilobyte',
  megabyte: 'megabyte',
  gigabyte: 'gigabyte',
  terabyte: 'terabyte',
  otherUnits: 'other',
};

/** Russian unit designations, normalised (lower case, no dots or spaces). */
const DESIGNATIONS: Record<string, Measure> = {
  шт: 'piece',
  ед: 'piece',
  г: 'gram',
  гр: 'gram',
  кг: 'kilogram',
  т: 'ton',
  см: 'centimeter',
  дм: 'decimeter',
  м: 'meter',
  квсм: 'sq_centimeter',
  см2: 'sq_centimeter',
  'см²': 'sq_centimeter',
  квдм: 'sq_decimeter',
  дм2: 'sq_decimeter',
  'дм²': 'sq_decimeter',
  квм: 'sq_meter',
  м2: 'sq_meter',
  'м²': 'sq_meter',
  мл: 'milliliter',
  л: 'liter',
  кубм: 'cubic_meter',
  м3: 'cubic_meter',
  'м³': 'cubic_meter',
  квтч: 'kilowatt_hour',
  гкал: 'gigacalorie',
  сут: 'day',
  сутки: 'day',
  ч: 'hour',
  час: 'hour',
  мин: 'minute',
  с: 'second',
  сек: 'second',
  кбайт: 'kilobyte',
  мбайт: 'megabyte',
  гбайт: 'gigabyte',
  тбайт: 'terabyte',
};

const TO_ATOL = Object.fromEntries(Object.entries(ATOL_NAMES).map(([atol, v1]) => [v1, atol])) as Record<
  Measure,
  string
>;

/** The ATOL name of a measure (what the atol driver sends). */
export function atolMeasurementUnit(measure: Measure): string {
  return TO_ATOL[measure];
}

export type MeasureReading =
  | { ok: true; measure: Measure | undefined; warning?: string }
  | { ok: false; reason: string };

/** Reads `measurementUnit`; `measure` undefined = not given (the document's default, piece). */
export function readMeasurementUnit(value: unknown): MeasureReading {
  if (value === undefined || value === null || value === '') return { ok: true, measure: undefined };
  if (typeof value === 'number') {
    const found = codeToMeasure(value);
    return found ? { ok: true, measure: found } : { ok: false, reason: `${value} is not a 2108 code` };
  }
  if (typeof value !== 'string' || [...value].length > 64) return { ok: false, reason: 'must be text or a number' };
  if (/^\d{1,3}$/.test(value)) {
    const found = codeToMeasure(Number(value));
    return found ? { ok: true, measure: found } : { ok: false, reason: `${value} is not a 2108 code` };
  }
  if (Object.hasOwn(ATOL_NAMES, value)) return { ok: true, measure: ATOL_NAMES[value] };
  const key = value.toLowerCase().replace(/[\s.·∙*]/g, '');
  if (Object.hasOwn(DESIGNATIONS, key)) return { ok: true, measure: DESIGNATIONS[key] };
  return {
    ok: true,
    measure: 'other',
    warning: `measurementUnit "${value}" is not a 2108 measure; recorded as 255 (иные единицы измерения)`,
  };
}

function codeToMeasure(code: number): Measure | undefined {
  for (const [name, c] of Object.entries(MEASURES)) if (c === code) return name as Measure;
  return undefined;
}
