import { type LocalParts, localParts } from '../../fiscal/local-time.ts';

/**
 * The ККТ speaks local wall time everywhere (status dates, FN DATE_TIME, tag 1012 written as if
 * UTC), so both ends convert with the ККТ's time zone. Going back from wall time is ambiguous
 * in the hour a DST zone repeats; the earlier instant found wins (Moscow has no DST).
 */

export { type LocalParts, localParts };

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
