import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { AnyActorRef, InspectionEvent } from 'xstate';
import { buildApp } from '../api/app.ts';
import type { AdapterContext } from '../api/context.ts';
import { AtolQueue } from '../atol/front/queue.ts';
import { buildAtolServer } from '../atol/front/server.ts';
import type { KktDriver } from '../device/driver.ts';
import type { EmulatedKkt } from '../device/emulator.ts';
import type { Clock } from '../fiscal/clock.ts';
import { localIsoWithOffset } from '../fiscal/local-time.ts';
import { fanOut } from '../inspect/fan-out.ts';
import { InspectionHub } from '../inspect/hub.ts';
import { startStatelyTransport } from '../inspect/stately.ts';
import { systemClock, VirtualClock } from '../io/clock.ts';
import { MockOfdControl } from '../io/http/mock-ofd-control.ts';
import { OdooClient } from '../io/http/odoo-client.ts';
import { OFD_PIPELINING, OfdClient } from '../io/http/ofd-client.ts';
import type { AdapterStore } from '../io/sqlite/adapter-store.ts';
import { AtolQueueStore } from '../io/sqlite/atol-queue-store.ts';
import { ReceiptBuffer } from '../service/buffer.ts';
import { CashService } from '../service/cash.ts';
import { Fiscalizer } from '../service/fiscalizer.ts';
import { HeartbeatService } from '../service/heartbeat/heartbeat-service.ts';
import { ARCHIVE_IDENTITY_KEY } from '../service/rebuild.ts';
import { RepeatLimiter } from '../service/repeat-log.ts';
import { StorageHealth } from '../service/storage-health.ts';
import { Breaker } from '../service/sync/breaker.ts';
import { SyncService } from '../service/sync/sync-service.ts';
import type { Config } from './config.ts';
import { listenFailure } from './config.ts';
import { type OpenedDataDir, openDataDir, reconcileDataDir } from './data-dir.ts';
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
  /** adapter.db (tests inject storage faults through it). */
  store: AdapterStore;
  /** The ATOL Web Requests API (`/api/v2`), when started (`atolServer`). */
  atolUrl?: string;
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
  /** Also serve the ATOL Web Requests API on KKT_ATOL_PORT (what `kkt-emu up` does). */
  atolServer?: boolean;
}

const KKT_EMU_VERSION = '0.1.0';

/**
 * The ОФД calls of one pass that may be on the wire at once, once the ОФД has answered: pipelined
 * in number order on one keep-alive connection, so they arrive in that order.
 */
const SYNC_CONCURRENCY = OFD_PIPELINING;

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
  const virtual =
    options.clock ??
    new VirtualClock({
      ...(config.clockStart !== undefined ? { start: config.clockStart } : {}),
      ...(config.clockManual ? { manual: true } : {}),
    });
  const clock: Clock = config.mode === 'mock' ? virtual : systemClock;
  let dataDir: OpenedDataDir;
  try {
    dataDir = openDataDir(config);
  } catch (e) {
    stopInspection();
    throw e;
  }
  let device: Awaited<ReturnType<typeof openDriver>>;
  try {
    device = await openDriver(config, clock, { ...(inspect ? { inspect } : {}), ...(onActor ? { onActor } : {}) });
  } catch (e) {
    stopInspection();
    dataDir.store.close();
    dataDir.lock.release();
    throw e;
  }
  const driver = device.driver;
  const kkt = device.emulator;
  const netClock = options.netClock ?? systemClock;
  let store: AdapterStore | undefined = dataDir.store;
  let retention: ReturnType<typeof setInterval> | undefined;
  let atolStore: AtolQueueStore | undefined;
  let atolQueue: AtolQueue | undefined;
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
    store = await reconcileDataDir(config, dataDir, driver, (line) => console.error(`kkt-emu: ${line}`));
    const dataStore = store;
    const repeats = new RepeatLimiter(({ cause, repeated, detail }) =>
      log?.error(
        { repeated, ...(detail !== undefined ? { detail } : {}) },
        repeated > 0 ? `${cause} (repeated ${repeated} times)` : cause,
      ),
    );
    const storage = new StorageHealth(() => dataStore.probeWrite(), Date.now, repeats);
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
      storage,
    });
    await fiscalizer.recover();
    const cash = new CashService({ driver, store, clock });
    await cash.recover();
    if (config.syncedRetentionDays > 0) {
      const keepMs = config.syncedRetentionDays * 86_400_000;
      const prune = () => {
        try {
          while (dataStore.pruneSynced(clock.now() - keepMs, 500) === 500);
        } catch (e) {
          storage.failed(e, 'retention');
        }
      };
      prune();
      retention = setInterval(prune, 3_600_000);
      retention.unref();
    }
    const openStore = store;
    const ctx: AdapterContext = {
      settings: {
        timezone: config.timezone,
        ...(config.apiToken ? { apiToken: config.apiToken } : {}),
        ...(config.ofdApiUrl ? { ofdUrl: config.ofdApiUrl } : {}),
        httpHost: config.httpHost,
        allowedHosts: config.allowedHosts,
        allowedOrigins: config.allowedOrigins,
        syncWaitMs: config.syncWait * 1000,
      },
      driver,
      receipts: fiscalizer,
      cash,
      buffer: {
        state: () => buffer.state(),
        requeueFailed: () => {
          const n = buffer.requeueFailed();
          if (n > 0) openSync?.notifyReceipts();
          return n;
        },
      },
      storage,
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
    const controls = kkt
      ? {
          setFaults: (faults: Parameters<typeof kkt.setFaults>[0]) => kkt.setFaults(faults),
          advanceClock: (ms: number) => {
            virtual.advance(ms);
            return virtual.now();
          },
          replaceFiscalDrive: () => kkt.replaceFiscalDrive(),
        }
      : device.controls;
    if (config.mode === 'mock' && controls)
      ctx.emulator = {
        setFaults: (faults) => controls.setFaults(faults),
        advanceClock: (ms) => controls.advanceClock(ms),
        reset: async () => {
          await atolQueue?.clear();
          await controls.replaceFiscalDrive();
          openStore.clear();
          openStore.setMeta(ARCHIVE_IDENTITY_KEY, (await driver.status()).fn.number);
          openSync?.breaker.reset();
          await fiscalizer.recover();
        },
        // The console's ОФД faults: the mock's test routes, reached through this adapter.
        ...(config.ofdApiUrl ? { ofd: new MockOfdControl(config.ofdApiUrl) } : {}),
      };
    let atolApp: FastifyInstance | undefined;
    if (options.atolServer) {
      atolStore = new AtolQueueStore(join(config.dataDir, 'atol.db'));
      const extras = {
        taxationTypes: config.taxationTypes,
        ofdName: config.ofdName,
        ofdInn: config.ofdInn,
        version: KKT_EMU_VERSION,
      };
      atolQueue = new AtolQueue({
        store: atolStore,
        driver,
        receipts: fiscalizer,
        cash,
        clock,
        timezone: config.timezone,
        vat20: config.atolVat20,
        extras,
        retentionMs: config.atolDeleteRequestsAfter * 60_000,
        log: { warn: (obj, msg) => log?.warn(obj, msg) },
      });
      await atolQueue.start();
      atolApp = await buildAtolServer({
        queue: atolQueue,
        clock,
        timezone: config.timezone,
        extras,
        validateOnAdd: config.atolValidateOnAdd,
        deleteRequestsAfter: config.atolDeleteRequestsAfter,
        logger: options.logger ?? false,
        ...(config.atolUser !== undefined && config.atolPassword !== undefined
          ? { user: config.atolUser, password: config.atolPassword }
          : {}),
        ...(ctx.emulator ? { emulator: ctx.emulator } : {}),
      });
    }
    const app = await buildApp(ctx, {
      logger: options.logger ?? false,
      requestTimeoutS: config.httpRequestTimeout,
      headersTimeoutS: config.httpHeadersTimeout,
      maxConnections: config.httpMaxConnections,
      onInternalError: (e) => repeats.note(`request failed: ${e instanceof Error ? e.name : 'error'}`, e),
    });
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
    let atolUrl: string | undefined;
    if (atolApp && atolQueue) {
      try {
        await atolApp.listen({ host: config.httpHost, port: config.atolPort });
      } catch (e) {
        await Promise.all([app.close(), atolApp.close()]);
        throw listenFailure(e, 'KKT_ATOL_PORT (--atol-port)', config.atolPort, config.httpHost);
      }
      const a = atolApp.server.address();
      atolUrl = `http://${host}:${typeof a === 'object' && a ? a.port : config.atolPort}`;
      const queue = atolQueue;
      const url = atolUrl;
      ctx.atol = { url, snapshot: () => queue.snapshot() };
    }
    const openAtolApp = atolApp;
    return {
      app,
      url: `http://${host}:${port}`,
      config,
      driver,
      store: openStore,
      ...(config.mode === 'mock' && kkt ? { emulator: kkt } : {}),
      clock,
      ...(sync ? { sync } : {}),
      ...(heartbeat ? { heartbeat } : {}),
      ...(inspector ? { inspector } : {}),
      ...(atolUrl ? { atolUrl } : {}),
      // Closing twice (a test's cleanup after an explicit close) waits for the first close.
      close() {
        closing ??= (async () => {
          await Promise.all([app.close(), openAtolApp?.close()]);
          await atolQueue?.stop();
          atolStore?.close();
          stopInspection();
          await stopNetwork();
          clearInterval(retention);
          await device.close();
          openStore.close();
          dataDir.lock.release();
          if (!options.clock) virtual.dispose();
        })();
        return closing;
      },
    };
  } catch (e) {
    clearInterval(retention);
    stopInspection();
    await stopNetwork();
    await atolQueue?.stop();
    atolStore?.close();
    store?.close();
    await device.close();
    dataDir.lock.release();
    throw e;
  }
}
