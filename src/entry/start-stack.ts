import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { InspectionEvent } from 'xstate';
import type { EmulatedKkt } from '../device/emulator.ts';
import type { Clock } from '../fiscal/clock.ts';
import { VirtualClock } from '../io/clock.ts';
import { MockOdooServer } from '../mocks/mock-odoo.ts';
import { MockOfdServer } from '../mocks/mock-ofd.ts';
import { type Config, ConfigError, listenFailure, loadConfig } from './config.ts';
import { type RunningAdapter, startAdapter } from './start-adapter.ts';

export interface StackOptions {
  /**
   * Settings as env names (`{ KKT_PRINT_DELAY_MS: '0' }`), on top of `process.env` when
   * `useProcessEnv` is true. Programmatic defaults differ from the CLI's: ephemeral ports,
   * a temporary data dir, no print delay.
   */
  env?: Record<string, string>;
  useProcessEnv?: boolean;
  /** Keep the data here instead of a temporary dir (which `stop()` removes). */
  dataDir?: string;
  /** Start the fiscal clock here (Unix ms); it then runs with real time and moves by `clock.advance`. */
  clockStart?: number;
  /** A manual clock: fiscal time moves only through `clock.advance` (or the emulator API). */
  manualClock?: boolean;
  logger?: boolean | { level: string; stream?: NodeJS.WritableStream };
  netClock?: Clock;
  inspect?: (event: InspectionEvent) => void;
  sync?: { concurrency?: number; kickMs?: number; backoffBaseMs?: number; backoffMaxMs?: number };
}

/** A running kkt-emu: adapter + emulated ККТ + mock ОФД + mock Odoo, wired together. */
export interface Stack {
  /** Adapter base URL (`POST {url}/v1/kkt/receipt`). */
  url: string;
  ofdUrl: string;
  odooUrl: string;
  dataDir: string;
  config: Config;
  /** The fiscal clock: `clock.advance(ms)` hits the 24-hour and 30-day rules at once. */
  clock: VirtualClock;
  /** The emulated device: `device.setFaults({ paperOut: true })`. */
  device: EmulatedKkt;
  /** The mock ОФД: `ofd.setFaults({ permanent_failure: true })`, `ofd.receipts()`, `ofd.callCount`. */
  ofd: MockOfdServer;
  odoo: MockOdooServer;
  adapter: RunningAdapter;
  /** Runs one sync pass now (what `POST /v1/kkt/buffer/sync` does). */
  sync(): Promise<unknown>;
  stop(): Promise<void>;
}

const PROGRAMMATIC_DEFAULTS: Record<string, string> = {
  KKT_HTTP_HOST: '127.0.0.1',
  KKT_HTTP_PORT: '0',
  KKT_OFD_PORT: '0',
  KKT_ODOO_PORT: '0',
  KKT_PRINT_DELAY_MS: '0',
};

/**
 * Starts the whole stack. `kkt-emu up` calls it with the CLI's config; test suites call
 * `startStack()` and get everything on ephemeral loopback ports.
 */
export async function startStack(options: StackOptions = {}, config?: Config): Promise<Stack> {
  const temporary = config === undefined && options.dataDir === undefined;
  const dataDir = config?.dataDir ?? options.dataDir ?? mkdtempSync(join(tmpdir(), 'kkt-emu-'));
  const base = options.useProcessEnv ? process.env : {};
  let c: Config;
  try {
    c = config ?? loadConfig({ ...PROGRAMMATIC_DEFAULTS, ...base, ...options.env, KKT_DATA_DIR: dataDir });
  } catch (e) {
    if (temporary) rmSync(dataDir, { recursive: true, force: true });
    throw e;
  }
  const logger = options.logger ?? false;
  const host = c.httpHost;
  const ofd = new MockOfdServer({ port: c.ofdPort, host, logger });
  const odoo = new MockOdooServer({ port: c.odooPort, host, logger });
  const clock = new VirtualClock({
    ...(options.clockStart !== undefined ? { start: options.clockStart } : {}),
    ...(options.manualClock ? { manual: true } : {}),
  });
  const cleanup: (() => Promise<void> | void)[] = [];
  try {
    const ofdUrl = await ofd.start().catch((e) => {
      throw listenFailure(e, 'KKT_OFD_PORT (--ofd-port)', c.ofdPort, host);
    });
    cleanup.push(() => ofd.stop());
    const odooUrl = await odoo.start().catch((e) => {
      throw listenFailure(e, 'KKT_ODOO_PORT (--odoo-port)', c.odooPort, host);
    });
    cleanup.push(() => odoo.stop());
    const wired: Config = { ...c, ofdApiUrl: c.ofdApiUrl ?? ofdUrl, odooApiUrl: c.odooApiUrl ?? odooUrl };
    const adapter = await startAdapter(wired, {
      clock,
      logger,
      ...(options.netClock ? { netClock: options.netClock } : {}),
      ...(options.inspect ? { inspect: options.inspect } : {}),
      ...(options.sync ? { sync: options.sync } : {}),
    });
    const device = adapter.emulator;
    if (!device) {
      await adapter.close();
      throw new ConfigError(['KKT_MODE (--mode): the stack needs the emulated device; use mock']);
    }
    let stopped = false;
    return {
      url: adapter.url,
      ofdUrl,
      odooUrl,
      dataDir,
      config: wired,
      clock,
      device,
      ofd,
      odoo,
      adapter,
      sync: () => (adapter.sync ? adapter.sync.syncNow() : Promise.resolve(null)),
      async stop() {
        if (stopped) return;
        stopped = true;
        try {
          await adapter.close();
        } finally {
          await Promise.allSettled([ofd.stop(), odoo.stop()]);
          clock.dispose();
          if (temporary) rmSync(dataDir, { recursive: true, force: true });
        }
      },
    };
  } catch (e) {
    for (const undo of cleanup.reverse()) await undo();
    clock.dispose();
    if (temporary) rmSync(dataDir, { recursive: true, force: true });
    throw e;
  }
}
