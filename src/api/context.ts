import type { DeviceFaults, KktDriver } from '../device/driver.ts';
import type { InspectionHub } from '../inspect/hub.ts';
import type { BufferState } from '../service/buffer.ts';
import type { ReceiptOutcome, StoredReceipt } from '../service/fiscalizer.ts';
import type { HeartbeatSnapshot } from '../service/heartbeat/heartbeat-service.ts';
import type { BreakerSnapshot } from '../service/sync/breaker.ts';
import type { NetworkStatus, PassResult, SyncSnapshot } from '../service/sync/sync-service.ts';

/**
 * What the routes work with: interfaces only, so a route runs on fakes as well as on the
 * services the entry wires (src/entry/start-adapter.ts).
 */
export interface AdapterContext {
  settings: ApiSettings;
  driver: KktDriver;
  receipts: ReceiptApi;
  buffer: { state(): BufferState };
  /** The ОФД sync worker and its breaker; absent when no ОФД URL is configured. */
  sync?: SyncApi;
  /** The ERP heartbeat; absent when no Odoo URL is configured. */
  heartbeat?: { snapshot(): HeartbeatSnapshot };
  /** The live statechart inspector (GET /inspect). */
  inspector?: InspectionHub;
  /** Present in mock mode only: the emulator's own controls. */
  emulator?: EmulatorControls;
  /** The ATOL Web Requests server, when this process runs one (`kkt-emu up`). */
  atol?: AtolApi;
}

export interface AtolApi {
  url: string;
  snapshot(): { waiting: number; blocked: boolean; blockedUuid: string | null };
}

export interface ApiSettings {
  /** The ККТ's time zone: every timestamp in an answer is local time with its offset. */
  timezone: string;
  /** KKT_API_TOKEN: when set, /v1 needs `Authorization: Bearer <token>`. */
  apiToken?: string;
  /** The ОФД the worker syncs with, shown in health and worker status. */
  ofdUrl?: string;
}

export interface ReceiptApi {
  receipt(key: string, body: unknown): Promise<ReceiptOutcome>;
  stored(receiptId: string): StoredReceipt | undefined;
}

export interface SyncApi {
  syncNow(): Promise<PassResult>;
  snapshot(): SyncSnapshot;
  breakerSnapshot(): BreakerSnapshot;
  networkStatus(): NetworkStatus;
}

export interface EmulatorControls {
  setFaults(faults: Partial<DeviceFaults>): void | Promise<void>;
  /** Moves the virtual clock forward; answers the new time. */
  advanceClock(ms: number): number | Promise<number>;
  /** A fresh ФН and an empty buffer. */
  reset(): Promise<void>;
}
