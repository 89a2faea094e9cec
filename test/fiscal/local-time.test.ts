import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  isValidTimezone,
  localIso,
  localIsoWithOffset,
  localParts,
  truncateToMinute,
} from '../../src/fiscal/local-time.ts';
import { KNOWN_INSTANT } from './fixtures.ts';

describe('localIso / localIsoWithOffset', () => {
  it('writes Moscow time with +03:00, winter and summer alike', () => {
    expect(localIso(KNOWN_INSTANT, 'Europe/Moscow')).toBe('2026-11-25T14:05:00');
    expect(localIsoWithOffset(KNOWN_INSTANT, 'Europe/Moscow')).toBe('2026-11-25T14:05:00+03:00');
    expect(localIsoWithOffset(Date.UTC(2026, 6, 1, 9, 30, 15), 'Europe/Moscow')).toBe('2026-07-01T12:30:15+03:00');
  });

  it('follows daylight saving time in Europe/Berlin', () => {
    expect(localIsoWithOffset(Date.UTC(2026, 6, 1, 12, 0), 'Europe/Berlin')).toBe('2026-07-01T14:00:00+02:00');
    expect(localIsoWithOffset(Date.UTC(2026, 0, 15, 12, 0), 'Europe/Berlin')).toBe('2026-01-15T13:00:00+01:00');
    // 29 March 2026, 01:00 UTC: the clocks jump from 02:00 to 03:00
    expect(localIsoWithOffset(Date.UTC(2026, 2, 29, 0, 59, 59), 'Europe/Berlin')).toBe('2026-03-29T01:59:59+01:00');
    expect(localIsoWithOffset(Date.UTC(2026, 2, 29, 1, 0, 0), 'Europe/Berlin')).toBe('2026-03-29T03:00:00+02:00');
    // 25 October 2026, 01:00 UTC: 03:00 goes back to 02:00, so 02:30 happens twice
    expect(localIsoWithOffset(Date.UTC(2026, 9, 25, 0, 30), 'Europe/Berlin')).toBe('2026-10-25T02:30:00+02:00');
    expect(localIsoWithOffset(Date.UTC(2026, 9, 25, 1, 30), 'Europe/Berlin')).toBe('2026-10-25T02:30:00+01:00');
  });

  it('writes negative, half-hour and quarter-hour offsets', () => {
    expect(localIsoWithOffset(Date.UTC(2026, 0, 15, 12, 0), 'America/New_York')).toBe('2026-01-15T07:00:00-05:00');
    expect(localIsoWithOffset(Date.UTC(2026, 6, 15, 12, 0), 'America/New_York')).toBe('2026-07-15T08:00:00-04:00');
    expect(localIsoWithOffset(Date.UTC(2026, 0, 15, 12, 0), 'Asia/Kolkata')).toBe('2026-01-15T17:30:00+05:30');
    expect(localIsoWithOffset(Date.UTC(2026, 0, 15, 12, 0), 'Asia/Kathmandu')).toBe('2026-01-15T17:45:00+05:45');
    expect(localIsoWithOffset(Date.UTC(2026, 0, 15, 12, 0), 'America/St_Johns')).toBe('2026-01-15T08:30:00-03:30');
    expect(localIsoWithOffset(Date.UTC(2026, 0, 15, 12, 0), 'UTC')).toBe('2026-01-15T12:00:00+00:00');
  });

  it('writes midnight as 00, on the local date', () => {
    expect(localIso(Date.UTC(2026, 11, 31, 21, 0), 'Europe/Moscow')).toBe('2027-01-01T00:00:00');
    expect(localIso(Date.UTC(2026, 0, 1, 0, 0), 'UTC')).toBe('2026-01-01T00:00:00');
  });

  it('drops milliseconds without rounding the second up', () => {
    expect(localIsoWithOffset(Date.UTC(2026, 10, 25, 11, 5, 59, 999), 'Europe/Moscow')).toBe(
      '2026-11-25T14:05:59+03:00',
    );
    expect(localIsoWithOffset(-1, 'UTC')).toBe('1969-12-31T23:59:59+00:00');
  });

  it('always names the same instant, to the second (property)', () => {
    const zones = [
      'Europe/Moscow',
      'Europe/Berlin',
      'Europe/Kaliningrad',
      'Asia/Vladivostok',
      'Asia/Kamchatka',
      'America/New_York',
      'America/St_Johns',
      'Asia/Kolkata',
      'Asia/Kathmandu',
      'Australia/Lord_Howe',
      'Pacific/Chatham',
      'UTC',
    ];
    fc.assert(
      fc.property(
        fc.integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2100, 0, 1) }),
        fc.constantFrom(...zones),
        (instant, tz) => {
          const text = localIsoWithOffset(instant, tz);
          expect(text).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$/);
          expect(Date.parse(text)).toBe(Math.floor(instant / 1000) * 1000);
          expect(text.startsWith(localIso(instant, tz))).toBe(true);
        },
      ),
      { numRuns: 1000 },
    );
  });
});

describe('localParts', () => {
  it('gives the local calendar fields', () => {
    expect(localParts(KNOWN_INSTANT + 7_000, 'Europe/Moscow')).toEqual({
      year: 2026,
      month: 11,
      day: 25,
      hour: 14,
      minute: 5,
      second: 7,
    });
  });
});

describe('truncateToMinute and isValidTimezone', () => {
  it('truncates to the minute', () => {
    expect(truncateToMinute(KNOWN_INSTANT + 59_999)).toBe(KNOWN_INSTANT);
    expect(truncateToMinute(KNOWN_INSTANT)).toBe(KNOWN_INSTANT);
    expect(truncateToMinute(-1)).toBe(-60_000);
  });

  it('knows IANA zones', () => {
    expect(isValidTimezone('Europe/Moscow')).toBe(true);
    expect(isValidTimezone('Asia/Yekaterinburg')).toBe(true);
    expect(isValidTimezone('Mars/Olympus_Mons')).toBe(false);
    expect(isValidTimezone('')).toBe(false);
  });
});
