import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../api/app.ts';
import type { AdapterContext } from '../api/context.ts';
import type { Config } from '../config.ts';
import { ConfigError } from '../config.ts';
import type { KktDriver } from '../device/driver.ts';
import { EmulatedKkt } from '../device/emulator.ts';
import type { RegistrationOptions } from '../device/new-fiscal-drive.ts';
import type { Clock } from '../fiscal/clock.ts';
import { systemClock, VirtualClock } from '../io/clock.ts';
import { AdapterStore } from '../io/sqlite/adapter-store.ts';
import { Fiscalizer } from './fiscalizer.ts';

export interface RunningAdapter {
  app: FastifyInstance;
  url: string;
  config: Config;
  driver: KktDriver;
  emulator?: EmulatedKkt;
  clock: Clock;
  close(): Promise<void>;
}

export interface StartOptions {
  logger?: boolean | { level: string };
  /** A clock to use instead of the default (tests pass a manual VirtualClock). */
  clock?: VirtualClock;
}

export function registrationFromConfig(c: Config): RegistrationOptions {
  const r: RegistrationOptions = {
    kktSerial: c.kktSerial,
    userInn: c.inn,
    userName: c.companyName,
    address: c.address,
    taxation: c.taxationType,
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

/** Adapter + emulated device on one data dir: what `kkt-emu adapter` and `up` run. */
export async function startAdapter(config: Config, options: StartOptions = {}): Promise<RunningAdapter> {
  if (config.driverType !== 'emulator')
    throw new ConfigError([
      `KKT_DRIVER_TYPE (--driver-type): "${config.driverType}" is not available in this version; use emulator`,
    ]);
  mkdirSync(config.dataDir, { recursive: true });
  const virtual = options.clock ?? new VirtualClock();
  const clock: Clock = config.mode === 'mock' ? virtual : systemClock;
  const kkt = EmulatedKkt.open({
    dataDir: config.dataDir,
    clock,
    registration: registrationFromConfig(config),
    printDelay: config.printDelay,
    autoOpenShift: config.autoOpenShift,
  });
  let store: AdapterStore | undefined;
  try {
    store = new AdapterStore(join(config.dataDir, 'adapter.db'));
    const fiscalizer = new Fiscalizer({
      driver: kkt,
      store,
      clock,
      timezone: config.timezone,
      defaultTaxation: config.taxationType,
      bufferMaxSize: config.bufferMaxSize,
      bufferBlockThreshold: config.bufferBlockThreshold,
    });
    await fiscalizer.recover();
    const openStore = store;
    const ctx: AdapterContext = { config, driver: kkt, store, fiscalizer, timezone: config.timezone };
    if (config.mode === 'mock')
      ctx.emulator = {
        kkt,
        clock: virtual,
        reset: async () => {
          await kkt.replaceFiscalDrive();
          openStore.clear();
          await fiscalizer.recover();
        },
      };
    const app = await buildApp(ctx, { logger: options.logger ?? false });
    try {
      await app.listen({ host: config.httpHost, port: config.httpPort });
    } catch (e) {
      await app.close();
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EADDRINUSE')
        throw new ConfigError([`KKT_HTTP_PORT (--http-port): port ${config.httpPort} is already in use`]);
      if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND')
        throw new ConfigError([`KKT_HTTP_HOST (--http-host): cannot listen on "${config.httpHost}"`]);
      throw e;
    }
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : config.httpPort;
    const host = config.httpHost.includes(':') ? `[${config.httpHost}]` : config.httpHost;
    return {
      app,
      url: `http://${host}:${port}`,
      config,
      driver: kkt,
      ...(config.mode === 'mock' ? { emulator: kkt } : {}),
      clock,
      async close() {
        await app.close();
        await kkt.close();
        openStore.close();
        if (!options.clock) virtual.dispose();
      },
    };
  } catch (e) {
    store?.close();
    await kkt.close();
    throw e;
  }
}
