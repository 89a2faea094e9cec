/** The ККТ prints and encodes its local time (tag 1012 is local wall time written as if UTC). */

export interface LocalParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timezone: string): Intl.DateTimeFormat {
  let f = formatters.get(timezone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-GB', {
      timeZone: timezone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timezone, f);
  }
  return f;
}

export function isValidTimezone(timezone: string): boolean {
  try {
    formatter(timezone);
    return true;
  } catch {
    return false;
  }
}

/**
 * One remembered answer: a receipt's answer, QR string and API time all format the same
 * minute-precision instant, and formatToParts dominates the cost of each.
 */
let last: { instant: number; timezone: string; parts: Readonly<LocalParts> } | undefined;

export function localParts(instant: number, timezone: string): Readonly<LocalParts> {
  if (last && last.instant === instant && last.timezone === timezone) return last.parts;
  const parts = computeLocalParts(instant, timezone);
  last = { instant, timezone, parts };
  return parts;
}

function computeLocalParts(instant: number, timezone: string): Readonly<LocalParts> {
  const parts: Record<string, number> = {};
  for (const p of formatter(timezone).formatToParts(new Date(instant))) {
    if (p.type !== 'literal') parts[p.type] = Number(p.value);
  }
  return Object.freeze({
    year: parts.year ?? 0,
    month: parts.month ?? 0,
    day: parts.day ?? 0,
    hour: parts.hour ?? 0,
    minute: parts.minute ?? 0,
    second: parts.second ?? 0,
  });
}

const p2 = (n: number) => String(n).padStart(2, '0');

/** `2026-11-25T14:05:00` (local wall time, no offset), as FNS JSON writes `dateTime`. */
export function localIso(instant: number, timezone: string): string {
  return isoOf(localParts(instant, timezone));
}

function isoOf(l: Readonly<LocalParts>): string {
  return `${l.year}-${p2(l.month)}-${p2(l.day)}T${p2(l.hour)}:${p2(l.minute)}:${p2(l.second)}`;
}

/** `2026-11-25T14:05:00+03:00`: local time with its UTC offset, for API answers. */
export function localIsoWithOffset(instant: number, timezone: string): string {
  const l = localParts(instant, timezone);
  const asUtc = Date.UTC(l.year, l.month - 1, l.day, l.hour, l.minute, l.second);
  const offsetMin = Math.round((asUtc - Math.floor(instant / 1000) * 1000) / 60_000);
  const sign = offsetMin < 0 ? '-' : '+';
  const abs = Math.abs(offsetMin);
  return `${isoOf(l)}${sign}${p2(Math.trunc(abs / 60))}:${p2(abs % 60)}`;
}

/** Documents carry minute precision, as the ФН stores date and time. */
export function truncateToMinute(instant: number): number {
  return Math.floor(instant / 60_000) * 60_000;
}

/**
 * The ККТ speaks local wall time everywhere (status dates, FN DATE_TIME, tag 1012 written as if
 * UTC), so both ends convert with the ККТ's time zone. Going back from wall time is ambiguous
 * in the hour a DST zone repeats; the earlier instant found wins (Moscow has no DST).
 */

const asUtc = (p: Omit<LocalParts, 'second'> & { second?: number }) =>
  Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second ?? 0);

export function instantOfWallClock(p: Omit<LocalParts, 'second'> & { second?: number }, timezone: string): number {
  const target = asUtc(p);
  let guess = target;
  for (let i = 0; i < 3; i++) {
    const diff = asUtc(localParts(guess, timezone)) - target;
    if (diff === 0) return guess;
    guess -= diff;
  }
  return guess;
}

/** Tag 1012 and friends: the local wall time of `instant`, as Unix seconds read as if UTC. */
export function wallClockSeconds(instant: number, timezone: string): number {
  return Math.floor(asUtc(localParts(instant, timezone)) / 1000);
}

export function instantOfWallClockSeconds(seconds: number, timezone: string): number {
  const d = new Date(seconds * 1000);
  return instantOfWallClock(
    {
      year: d.getUTCFullYear(),
      month: d.getUTCMonth() + 1,
      day: d.getUTCDate(),
      hour: d.getUTCHours(),
      minute: d.getUTCMinutes(),
      second: d.getUTCSeconds(),
    },
    timezone,
  );
}
