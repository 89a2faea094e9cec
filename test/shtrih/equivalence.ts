import type { DeviceStatus, XReport } from '../../src/device/driver.ts';
import { TAXATION_NAMES } from '../../src/fiscal/codes.ts';
import type { FiscalDocument } from '../../src/fiscal/document.ts';
import { instantOfWallClock, localParts } from '../../src/fiscal/local-time.ts';

/**
 * What the wire cannot carry exactly, made equal on both sides so the rest compares exactly:
 * fiscal signs (two emulated ФН have different secrets), the clock to the second (11h), the
 * ФН expiry to the day (FF03h), and the length of the driver's own queue.
 */
export function comparableDoc<D extends FiscalDocument | undefined>(doc: D): D {
  if (!doc) return doc;
  // 1062 is always on the wire: a registration kept without the list (every system accepted,
  // fn-core registeredTaxations) reads back with all of them.
  if (doc.kind === 'registration' || doc.kind === 'reregistration')
    return { ...doc, fiscalSign: '<sign>', taxationTypes: doc.taxationTypes ?? [...TAXATION_NAMES] };
  return { ...doc, fiscalSign: '<sign>' };
}

const startOfDay = (t: number, tz: string) => {
  const l = localParts(t, tz);
  return instantOfWallClock({ year: l.year, month: l.month, day: l.day, hour: 0, minute: 0 }, tz);
};

export function comparableStatus(s: DeviceStatus): DeviceStatus {
  return {
    ...s,
    // Register 241 is unsigned: a core without cash control that went below 0 reads as an empty drawer.
    cashBalance: Math.max(0, s.cashBalance),
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
