/**
 * Time as the whole system sees it. Also the `clock` XState actors get, so the 24-hour and
 * 30-day rules follow the same (possibly virtual) time as the documents.
 */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}
