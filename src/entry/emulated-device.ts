import { mkdirSync } from 'node:fs';
import type { AnyActorRef, InspectionEvent } from 'xstate';
import type { DeviceControls, KktDriver } from '../device/driver.ts';
import { EmulatedKkt } from '../device/emulator.ts';
import type { RegistrationOptions } from '../device/new-fiscal-drive.ts';
import type { Clock } from '../fiscal/clock.ts';
import type { HostLinkTimeouts } from '../shtrih/driver/host-link.ts';
import type { SerialLog } from '../shtrih/protocol/trace.ts';
import type { Config } from './config.ts';

export interface OpenDriverOptions {
  /** Observer for the emulated device's actor (e.g. the Stately transport). */
  inspect?: (event: InspectionEvent) => void;
  /** Told about every emulated device actor started (the inspector attaches to it). */
  onActor?: (actor: AnyActorRef) => void;
  /** Where KKT_SERIAL_TRACE lines go: a pino-style logger or a function (default: stderr). */
  log?: SerialLog;
  /** Link tuning for the shtrih driver (tests shorten the timeouts). */
  link?: { timeouts?: Partial<HostLinkTimeouts>; answerTimeoutMs?: number };
}

export interface OpenedDriver {
  driver: KktDriver;
  /** The emulated device, when there is one in this process (emulator, or shtrih with KKT_SERIAL_PAIR). */
  emulator?: EmulatedKkt;
  /** Emulator controls reached through the driver (the atol driver against kkt-emu's own server). */
  controls?: DeviceControls;
  /** Closes the driver and everything opened for it: ports, socat, the emulated device. */
  close(): Promise<void>;
}

export function registrationFromConfig(c: Config): RegistrationOptions {
  const r: RegistrationOptions = {
    kktSerial: c.kktSerial,
    userInn: c.inn,
    userName: c.companyName,
    address: c.address,
    taxation: c.taxationType,
    taxationTypes: c.taxationTypes,
    place: c.place,
    ofdName: c.ofdName,
    ofdInn: c.ofdInn,
    timezone: c.timezone,
    validityDays: c.fnValidityDays,
    capacity: c.fnCapacity,
  };
  if (c.fnNumber) r.fnNumber = c.fnNumber;
  if (c.regNumber) r.regNumber = c.regNumber;
  return r;
}

/** The emulated ККТ of `config`, on its data dir: what the emulator driver and the device front both run. */
export function openEmulator(
  config: Config,
  clock: Clock,
  observe: Pick<OpenDriverOptions, 'inspect' | 'onActor'> = {},
): EmulatedKkt {
  mkdirSync(config.dataDir, { recursive: true });
  return EmulatedKkt.open({
    dataDir: config.dataDir,
    clock,
    registration: registrationFromConfig(config),
    printDelay: config.printDelay,
    autoOpenShift: config.autoOpenShift,
    policy: { cashControl: config.cashControl, resetCashAtShiftClose: false },
    fnThread: config.fnThread,
    ...(observe.inspect ? { inspect: observe.inspect } : {}),
    ...(observe.onActor ? { onActor: observe.onActor } : {}),
  });
}
