import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { AnyActorRef, InspectionEvent } from 'xstate';
import { buildApp } from '../api/app.ts';
import type { AdapterContext } from '../api/context.ts';
import type { KktDriver } from '../device/driver.ts';
import type { EmulatedKkt } from '../device/emulator.ts';
import type { Clock } from '../fiscal/clock.ts';
import { localIsoWithOffset } from '../fiscal/local-time.ts';
import { fanOut } from '../inspect/fan-out.ts';
import { InspectionHub } from '../inspect/hub.ts';
import { startStatelyTransport } from '../inspect/stately.ts';
import { systemClock, VirtualClock } from '../io/clock.ts';
import { OdooClient } from '../io/http/odoo-client.ts';
import { OfdClient } from '../io/http/ofd-client.ts';
import { AdapterStore } from '../io/sqlite/adapter-store.ts';
import { ReceiptBuffer } from '../service/buffer.ts';
import { Fiscalizer } from '../service/fiscalizer.ts';
import { HeartbeatService } from '../service/heartbeat/heartbeat-service.ts';
import { Breaker } from '../service/sync/breaker.ts';
import { SyncService } from '../service/sync/sync-service.ts';
import type { Config } from './config.ts';
import { listenFailure } from './config.ts';
import { openDriver } from './open-driver.ts';

export interface RunningAdapter {
  app: FastifyInstance;
  url: string;
  config: Config;
  driver: KktDriver;
  emulator?: EmulatedKkt;
  clock: Clock;
  sync?: SyncService;
  heartbeat?: HeartbeatService;
  /** The live inspector behind GET /inspect (absent with KKT_INSPECT=false). */
  inspector?: InspectionHub;
  close(): Promise<void>;
}

export interface StartOptions {
  logger?: boolean | { level: string; stream?: NodeJS.WritableStream };
  /** A clock to use instead of the default (tests pass a manual VirtualClock). */
  clock?: VirtualClock;
  /**
   * Real time for the network actors (sync interval, retry backoff, breaker delay, heartbeat).
   * They follow wall time even in mock mode, so moving the fiscal clock 30 days ahead does not
   * fire a month of sync passes at once.
   */
  netClock?: Clock;
  /** Passed to every actor (device, breaker, worker, heartbeat): the inspector's feed. */
  inspect?: (event: InspectionEvent) => void;
  /** Sync tuning beyond API.md (defaults suit production). */
  sync?: { concurrency?: number; kickMs?: number; backoffBaseMs?: number; backoffMaxMs?: number };
}

/**
 * The ОФД calls of one pass that may be on the wire at once, once the ОФД has answered: pipelined
 * in number order on one keep-alive connection, so they arrive in that order.
 */
const SYNC_CONCURRENCY = 16;

/** Adapter + emulated device on one data dir: what `kkt-emu adapter` and `up` run. */
export async function startAdapter(config: Config, options: StartOptions = {}): Promise<RunningAdapter> {
  mkdirSync(config.dataDir, { recursive: true });
  let log: FastifyBaseLogger | undefined;
  const inspector = config.inspect
    ? new InspectionHub({ onError: (err) => log?.warn({ err }, 'inspector error (ignored)') })
    : undefined;
  const stately = config.inspectStately
    ? await startStatelyTransport({ onError: (err) => log?.warn({ err }, 'Stately transport error') })
    : undefined;
  // The hub attaches to the actors itself, and only while a page is open (see InspectionHub.attach).
  const inspect = fanOut(stately?.observe, options.inspect);
  const onActor = inspector ? (actor: AnyActorRef) => inspector.attach(actor) : undefined;
  const stopInspection = () => {
    inspector?.close();
    stately?.stop();
  };
  const virtual = options.clock ?? new VirtualClock();
  const clock: Clock = config.mode === 'mock' ? virtual : systemClock;
  let device: Awaited<ReturnType<typeof openDriver>>;
  try {
    device = await openDriver(config, clock, { ...(inspect ? { inspect } : {}), ...(onActor ? { onActor } : {}) });
  } catch (e) {
    stopInspection();
    throw e;
  }
  const driver = device.driver;
  const kkt = device.emulator;
  const netClock = options.netClock ?? systemClock;
  let store: AdapterStore | undefined;
  let sync: SyncService | undefined;
  let heartbeat: HeartbeatService | undefined;
  let ofdClient: OfdClient | undefined;
  let odooClient: OdooClient | undefined;
  const stopNetwork = async () => {
    heartbeat?.stop();
    await sync?.stop();
    await Promise.all([ofdClient?.close(), odooClient?.close()]);
  };
  try {
    store = new AdapterStore(join(config.dataDir, 'adapter.db'));
    if (config.ofdApiUrl) {
      ofdClient = new OfdClient({
        baseUrl: config.ofdApiUrl,
        timeoutMs: config.ofdTimeout * 1000,
        ...(config.ofdApiToken ? { token: config.ofdApiToken } : {}),
      });
      const tuning = options.sync ?? {};
      sync = new SyncService({
        breaker: new Breaker(
          {
            threshold: config.circuitBreakerThreshold,
            openMs: config.circuitBreakerTimeout * 1000,
            maxOpenMs: config.circuitBreakerRecoveryTimeout * 1000,
          },
          netClock,
          inspect,
        ),
        pass: {
          store,
          driver,
          ofd: ofdClient,
          clock,
          netClock,
          timezone: config.timezone,
          batchSize: config.syncBatchSize,
          retryAttempts: config.ofdRetryAttempts,
          concurrency: tuning.concurrency ?? SYNC_CONCURRENCY,
          backoffBaseMs: tuning.backoffBaseMs ?? 200,
          backoffMaxMs: tuning.backoffMaxMs ?? 5000,
        },
        intervalMs: config.hlcSyncInterval * 1000,
        kickMs: tuning.kickMs ?? 50,
        netClock,
        ...(inspect ? { inspect } : {}),
      });
    }
    if (config.odooApiUrl) {
      const odoo = new OdooClient({ baseUrl: config.odooApiUrl, timeoutMs: config.ofdTimeout * 1000 });
      odooClient = odoo;
      const beatStore = store;
      heartbeat = new HeartbeatService({
        intervalMs: config.heartbeatInterval * 1000,
        netClock,
        beat: async (signal) => {
          const status = await driver.status();
          const counts = beatStore.bufferCounts();
          return odoo.heartbeat(
            {
              kkt_serial: status.kkt.serial,
              kkt_reg_number: status.kkt.regNumber,
              fn_number: status.fn.number,
              device_state: status.state,
              shift: status.shift.state,
              buffer: counts,
              circuit_breaker: sync?.breaker.state() ?? null,
              timestamp: localIsoWithOffset(clock.now(), config.timezone),
            },
            signal,
          );
        },
        ...(inspect ? { inspect } : {}),
      });
    }
    const openSync = sync;
    const buffer = new ReceiptBuffer(store, {
      maxSize: config.bufferMaxSize,
      alertThreshold: config.bufferAlertThreshold,
      blockThreshold: config.bufferBlockThreshold,
    });
    const fiscalizer = new Fiscalizer({
      driver,
      store,
      buffer,
      clock,
      timezone: config.timezone,
      defaultTaxation: config.taxationType,
      ...(openSync ? { onBuffered: () => openSync.notifyReceipts() } : {}),
    });
    await fiscalizer.recover();
    const openStore = store;
    const ctx: AdapterContext = {
      settings: {
        timezone: config.timezone,
        ...(config.apiToken ? { apiToken: config.apiToken } : {}),
        ...(config.ofdApiUrl ? { ofdUrl: config.ofdApiUrl } : {}),
      },
      driver,
      receipts: fiscalizer,
      buffer,
    };
    if (sync) ctx.sync = sync;
    if (heartbeat) ctx.heartbeat = heartbeat;
    if (inspector) {
      ctx.inspector = inspector;
      if (sync) {
        inspector.attach(sync.breaker.actor);
        inspector.attach(sync.actor);
      }
      if (heartbeat) inspector.attach(heartbeat.actor);
    }
    if (config.mode === 'mock' && kkt)
      ctx.emulator = {
        setFaults: (faults) => kkt.setFaults(faults),
        advanceClock: (ms) => {
          virtual.advance(ms);
          return virtual.now();
        },
        reset: async () => {
          await kkt.replaceFiscalDrive();
          openStore.clear();
          openSync?.breaker.reset();
          await fiscalizer.recover();
        },
      };
    const app = await buildApp(ctx, { logger: options.logger ?? false });
    log = app.log;
    try {
      await app.listen({ host: config.httpHost, port: config.httpPort });
    } catch (e) {
      await app.close();
      throw listenFailure(e, 'KKT_HTTP_PORT (--http-port)', config.httpPort, config.httpHost);
    }
    let closing: Promise<void> | undefined;
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : config.httpPort;
    const host = config.httpHost.includes(':') ? `[${config.httpHost}]` : config.httpHost;
    return {
      app,
      url: `http://${host}:${port}`,
      config,
      driver,
      ...(config.mode === 'mock' && kkt ? { emulator: kkt } : {}),
      clock,
      ...(sync ? { sync } : {}),
      ...(heartbeat ? { heartbeat } : {}),
      ...(inspector ? { inspector } : {}),
      // Closing twice (a test's cleanup after an explicit close) waits for the first close.
      close() {
        closing ??= (async () => {
          await app.close();
          stopInspection();
          await stopNetwork();
          await device.close();
          openStore.close();
          if (!options.clock) virtual.dispose();
        })();
        return closing;
      },
    };
  } catch (e) {
    stopInspection();
    await stopNetwork();
    store?.close();
    await device.close();
    throw e;
  }
}
