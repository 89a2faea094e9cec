import type { EmulatedKkt } from '../../device/emulator.ts';
import {
  confirmDate,
  cut,
  feed,
  fieldInfo,
  moneyRegister,
  openDrawer,
  operatingRegister,
  readTable,
  repeatDocument,
  setDate,
  setTime,
  tableInfo,
  unconfirmedCount,
  writeTable,
} from '../protocol/commands/index.ts';
import { E, refuse } from '../protocol/errors.ts';
import { dateOf, instantOfDateTime, timeOf } from '../protocol/time.ts';
import type { LocalDate, LocalTime } from '../protocol/wire.ts';
import type { CommandTable } from './command-table.ts';
import type { OpenReceiptView, Registers } from './registers.ts';
import type { DeviceSettings } from './settings.ts';

/** A clock the host may set (mock mode's virtual clock). */
export interface SettableClock {
  set(instant: number): void;
}

/** What these commands need from the session. */
export interface DeviceContext {
  kkt: EmulatedKkt;
  settings: DeviceSettings;
  registers: Registers;
  clock: SettableClock | undefined;
  openReceipt(): OpenReceiptView | null;
  pendingDate: LocalDate | null;
  /** Refuses when the paper is out or the cover open. */
  printerReady(): void;
  /** Loads what the device-derived table values need (the registration's tax system). */
  prepareLive(): Promise<void>;
}

/** A clock that cannot be set (wall time) still takes a set to within this much of it. */
const UNSETTABLE_TOLERANCE_MS = 60_000;

const daysIn = (year: number, month: number) => new Date(Date.UTC(year, month, 0)).getUTCDate();

function checkDate(d: LocalDate): void {
  if (d.month < 1 || d.month > 12 || d.day < 1 || d.day > daysIn(d.year, d.month))
    refuse(E.badDateFormat, `${d.day}.${d.month}.${d.year} is not a date`);
}

function checkTime(t: LocalTime): void {
  if (t.hour > 23 || t.minute > 59 || t.second > 59)
    refuse(E.badParameters, `${t.hour}:${t.minute}:${t.second} is not a time of day`);
}

const sameDate = (a: LocalDate, b: LocalDate) => a.year === b.year && a.month === b.month && a.day === b.day;

/**
 * Settings tables, the clock, registers and the printer's mechanics: the commands a driver
 * sends on connect and between receipts (research notes §1–§5).
 */
export function registerDeviceCommands(table: CommandTable, ctx: DeviceContext): void {
  const { kkt, settings, registers } = ctx;
  const tz = () => kkt.statusNow().timezone;

  table.on(tableInfo, 'operator', (q) => settings.tableInfo(q.table));
  table.on(fieldInfo, 'operator', (q) => settings.fieldInfo(q.table, q.field));
  table.on(readTable, 'operator', async (q) => {
    await ctx.prepareLive();
    return { value: settings.read(q.table, q.row, q.field) };
  });
  table.on(writeTable, 'sysadmin', (q) => {
    settings.write(q.table, q.row, q.field, q.value);
    return {};
  });

  /**
   * The ФН takes no document dated before its last one, so the clock may not go back behind
   * it (refused with ФН code 07h "Неверные дата и/или время": kkt-emu's choice, no source says
   * which code a device gives). Without a settable clock (wall time) only a set that changes
   * nothing is taken; anything else gets 37h.
   */
  const setClock = async (target: number) => {
    const s = kkt.statusNow();
    const last = s.fn.lastFiscalDocNumber > 0 ? await kkt.getDocument(s.fn.lastFiscalDocNumber) : undefined;
    if (last && target < last.dateTime)
      refuse(E.badDateTime, 'the date and time would be before the last document in the ФН');
    if (ctx.clock) ctx.clock.set(target);
    else if (Math.abs(target - s.now) > UNSETTABLE_TOLERANCE_MS)
      refuse(E.notSupported, 'this device runs on wall time (KKT_MODE=production); its clock is not set from the host');
  };

  table.on(setTime, 'sysadmin', async (q) => {
    checkTime(q.time);
    await setClock(instantOfDateTime(dateOf(kkt.statusNow().now, tz()), q.time, tz()));
    return {};
  });
  table.on(setDate, 'sysadmin', (q) => {
    checkDate(q.date);
    ctx.pendingDate = q.date;
    return {};
  });
  table.on(confirmDate, 'sysadmin', async (q) => {
    const pending = ctx.pendingDate;
    if (!pending) refuse(E.notInThisMode, 'no date set (22h) waits for confirmation');
    if (!sameDate(pending, q.date)) refuse(E.dateMismatch, 'the date differs from the one set with 22h');
    ctx.pendingDate = null;
    const now = kkt.statusNow().now;
    await setClock(instantOfDateTime(pending, timeOf(now, tz()), tz()));
    return {};
  });

  table.on(moneyRegister, 'operator', async (q, operator) => ({
    operator,
    value: await registers.money(q.register, ctx.openReceipt()),
  }));
  table.on(operatingRegister, 'operator', async (q, operator) => ({
    operator,
    value: await registers.operating(q.register, ctx.openReceipt()),
  }));

  table.on(cut, 'operator', (_q, operator) => {
    ctx.printerReady();
    return { operator };
  });
  table.on(feed, 'operator', (_q, operator) => {
    ctx.printerReady();
    return { operator };
  });
  table.on(openDrawer, 'operator', (q, operator) => {
    if (q.drawer > 1) refuse(E.badParameters, 'drawers are 0 and 1');
    return { operator };
  });
  table.on(repeatDocument, 'operator', async (_q, operator) => {
    const s = kkt.statusNow();
    let n = s.fn.lastFiscalDocNumber;
    while (n >= 1 && (await kkt.getDocument(n))?.kind !== 'receipt') n--;
    if (n < 1) refuse(E.noDocumentToRepeat, 'no receipt to repeat');
    ctx.printerReady();
    return { operator };
  });
  table.on(unconfirmedCount, 'sysadmin', () => ({ count: kkt.statusNow().fn.unsentCount }));
}
