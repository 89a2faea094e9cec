import { instantOfWallClock, localParts } from '../../fiscal/local-time.ts';
import type { FnDateTime, LocalDate, LocalTime } from './wire.ts';

/** Instants ↔ the local dates and times the wire carries, in the ККТ's time zone. */

export function dateOf(instant: number, timezone: string): LocalDate {
  const l = localParts(instant, timezone);
  return { year: l.year, month: l.month, day: l.day };
}

export function timeOf(instant: number, timezone: string): LocalTime {
  const l = localParts(instant, timezone);
  return { hour: l.hour, minute: l.minute, second: l.second };
}

export function fnDateTimeOf(instant: number, timezone: string): FnDateTime {
  const l = localParts(instant, timezone);
  return { year: l.year, month: l.month, day: l.day, hour: l.hour, minute: l.minute };
}

export function instantOfFnDateTime(d: FnDateTime, timezone: string): number {
  return instantOfWallClock(d, timezone);
}

export function instantOfDateTime(date: LocalDate, time: LocalTime, timezone: string): number {
  return instantOfWallClock({ ...date, ...time }, timezone);
}

/** FF39h sends zeros when nothing waits for the ОФД. */
export const NO_DATE_TIME: FnDateTime = { year: 2000, month: 0, day: 0, hour: 0, minute: 0 };
export const isNoDateTime = (d: FnDateTime) => d.month === 0 && d.day === 0;
