import type { DeviceStatus, XReport } from '../../src/device/driver.ts';
import type { FiscalDocument } from '../../src/fiscal/document.ts';
import { instantOfWallClock, localParts } from '../../src/fiscal/local-time.ts';

/**
 * What the wire cannot carry exactly, made equal on both sides so the rest compares exactly:
 * fiscal signs (two emulated ФН have different secrets), the clock to the second (11h), the
 * ФН expiry to the day (FF03h), and the length of the driver's own queue.
 */
export function comparableDoc<D extends FiscalDocument | undefined>(doc: D): D {
  if (!doc) return doc;
  return { ...doc, fiscalSign: '<sign>' };
}

const startOfDay = (t: number, tz: string) => {
  const l = localParts(t, tz);
  return instantOfWallClock({ year: l.year, month: l.month, day: l.day, hour: 0, minute: 0 }, tz);
};

export function comparableStatus(s: DeviceStatus): DeviceStatus {
  return {
    ...s,
    // Not read over the wire yet (issue 13: register 241 for the drawer, the registration's 1062
    // and 1187): the driver reports 0 / its registration's default, so they are not compared.
    cashBalance: 0,
    kkt: { ...s.kkt, place: null, taxationTypes: [] },
    queued: 0,
    now: Math.floor(s.now / 1000) * 1000,
    fn: { ...s.fn, validUntil: startOfDay(s.fn.validUntil, s.timezone) },
  };
}

export function comparableXReport(r: XReport): XReport {
  return { ...r, at: Math.floor(r.at / 1000) * 1000 };
}

/** A call's outcome: its value, or the FiscalError code it was refused with. */
export async function outcome<T>(p: Promise<T>): Promise<{ ok: T } | { refused: string }> {
  try {
    return { ok: await p };
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (typeof code !== 'string') throw e;
    return { refused: code };
  }
}
