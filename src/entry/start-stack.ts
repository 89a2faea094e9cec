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
import { type MockThreads, startMockThreads } from './mocks-off-thread.ts';
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
export interface StackCore {
  /** Adapter base URL (`POST {url}/v1/kkt/receipt`). */
  url: string;
  /** The ATOL Web Requests API (`POST {atolUrl}/api/v2/requests`), docs/atol.md. */
  atolUrl: string;
  ofdUrl: string;
  odooUrl: string;
  dataDir: string;
  config: Config;
  /** The fiscal clock: `clock.advance(ms)` hits the 24-hour and 30-day rules at once. */
  clock: VirtualClock;
  /** The emulated device: `device.setFaults({ paperOut: true })`. */
  device: EmulatedKkt;
  adapter: RunningAdapter;
  /** Runs one sync pass now (what `POST /v1/kkt/buffer/sync` does). */
  sync(): Promise<unknown>;
  stop(): Promise<void>;
}

/** The stack with its mocks in this thread, reachable as objects (what test suites use). */
export interface Stack extends StackCore {
  /** The mock ОФД: `ofd.setFaults({ permanent_failure: true })`, `ofd.receipts()`, `ofd.callCount`. */
  ofd: MockOfdServer;
  odoo: MockOdooServer;
}

/** The mocks a stack talks to, however they run. */
interface Mocks<M> {
  ofdUrl: string;
  odooUrl: string;
  stop(): Promise<void>;
  handles: M;
}

const PROGRAMMATIC_DEFAULTS: Record<string, string> = {
  KKT_HTTP_HOST: '127.0.0.1',
  KKT_HTTP_PORT: '0',
  KKT_OFD_PORT: '0',
  KKT_ODOO_PORT: '0',
  KKT_ATOL_PORT: '0',
  KKT_PRINT_DELAY_MS: '0',
};

/**
 * Starts the whole stack with the mocks in this process. Test suites call `startStack()` and get
 * everything on ephemeral loopback ports.
 */
export function startStack(options: StackOptions = {}, config?: Config): Promise<Stack> {
  return launch(options, config, async (c, logger) => {
    const ofd = new MockOfdServer({ port: c.ofdPort, host: c.httpHost, logger });
    const odoo = new MockOdooServer({ port: c.odooPort, host: c.httpHost, logger });
    const ofdUrl = await ofd.start().catch((e) => {
      throw listenFailure(e, 'KKT_OFD_PORT (--ofd-port)', c.ofdPort, c.httpHost);
    });
    const odooUrl = await odoo.start().catch(async (e) => {
      await ofd.stop();
      throw listenFailure(e, 'KKT_ODOO_PORT (--odoo-port)', c.odooPort, c.httpHost);
    });
    return {
      ofdUrl,
      odooUrl,
      handles: { ofd, odoo },
      async stop() {
        await Promise.allSettled([ofd.stop(), odoo.stop()]);
      },
    };
  });
}

/**
 * `kkt-emu up`: the same stack with the mock ОФД and Odoo each in a worker thread, so the
 * adapter's event loop serves only the POS and its own sync (on a real site they are other
 * machines), and a second core does the mocks' work.
 */
export function startThreadedStack(
  options: StackOptions & { logLevel?: string; prettyLogs?: boolean },
  config: Config,
  /** Threads the caller started already (the CLI starts them before loading this module). */
  started?: Promise<MockThreads>,
): Promise<StackCore> {
  return launch(options, config, async (c) => {
    const log =
      options.logLevel === undefined ? {} : { logLevel: options.logLevel, pretty: options.prettyLogs ?? false };
    const threads = await (started ?? startMockThreads(c, log));
    return { ofdUrl: threads.ofdUrl, odooUrl: threads.odooUrl, handles: {}, stop: () => threads.stop() };
  });
}

async function launch<M>(
  options: StackOptions,
  config: Config | undefined,
  startMocks: (c: Config, logger: StackOptions['logger'] & {}) => Promise<Mocks<M>>,
): Promise<StackCore & M> {
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
  const clockStart = options.clockStart ?? c.clockStart;
  const clock = new VirtualClock({
    ...(clockStart !== undefined ? { start: clockStart } : {}),
    ...((options.manualClock ?? c.clockManual) ? { manual: true } : {}),
  });
  let mocks: Mocks<M> | undefined;
  try {
    mocks = await startMocks(c, logger);
    const { ofdUrl, odooUrl } = mocks;
    const wired: Config = { ...c, ofdApiUrl: c.ofdApiUrl ?? ofdUrl, odooApiUrl: c.odooApiUrl ?? odooUrl };
    const adapter = await startAdapter(wired, {
      clock,
      logger,
      ...(options.netClock ? { netClock: options.netClock } : {}),
      ...(options.inspect ? { inspect: options.inspect } : {}),
      ...(options.sync ? { sync: options.sync } : {}),
      atolServer: true,
    });
    const device = adapter.emulator;
    if (!device) {
      await adapter.close();
      throw new ConfigError(['KKT_MODE (--mode): the stack needs the emulated device; use mock']);
    }
    let stopped = false;
    const running = mocks;
    return {
      ...running.handles,
      url: adapter.url,
      atolUrl: adapter.atolUrl as string,
      ofdUrl,
      odooUrl,
      dataDir,
      config: wired,
      clock,
      device,
      adapter,
      sync: () => (adapter.sync ? adapter.sync.syncNow() : Promise.resolve(null)),
      async stop() {
        if (stopped) return;
        stopped = true;
        try {
          await adapter.close();
        } finally {
          await running.stop();
          clock.dispose();
          if (temporary) rmSync(dataDir, { recursive: true, force: true });
        }
      },
    };
  } catch (e) {
    await mocks?.stop();
    clock.dispose();
    if (temporary) rmSync(dataDir, { recursive: true, force: true });
    throw e;
  }
}
