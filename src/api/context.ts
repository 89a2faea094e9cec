import type { Fiscalizer } from '../adapter/fiscalizer.ts';
import type { HeartbeatService } from '../adapter/sync/heartbeat-service.ts';
import type { SyncService } from '../adapter/sync/sync-service.ts';
import type { Config } from '../config.ts';
import type { KktDriver } from '../device/driver.ts';
import type { EmulatedKkt } from '../device/emulator.ts';
import type { InspectionHub } from '../inspect/hub.ts';
import type { VirtualClock } from '../io/clock.ts';
import type { AdapterStore } from '../io/sqlite/adapter-store.ts';

/** What the routes work with; assembled by the stack, never by a route. */
export interface AdapterContext {
  config: Config;
  driver: KktDriver;
  store: AdapterStore;
  fiscalizer: Fiscalizer;
  timezone: string;
  /** The ОФД sync worker and its breaker; absent when no ОФД URL is configured. */
  sync?: SyncService;
  /** The ERP heartbeat; absent when no Odoo URL is configured. */
  heartbeat?: HeartbeatService;
  /** The live statechart inspector (GET /inspect); its `observe` is every root actor's `inspect`. */
  inspector?: InspectionHub;
  /** Present in mock mode only: the emulator's own controls. */
  emulator?: { kkt: EmulatedKkt; clock: VirtualClock; reset: () => Promise<void> };
}
