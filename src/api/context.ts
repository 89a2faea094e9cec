import type { DeviceFaults, KktDriver } from '../device/driver.ts';
import type { InspectionHub } from '../inspect/hub.ts';
import type { BufferState } from '../service/buffer.ts';
import type { CashKind, CashOutcome } from '../service/cash.ts';
import type { ReceiptOutcome, StoredReceipt } from '../service/fiscalizer.ts';
import type { HeartbeatSnapshot } from '../service/heartbeat/heartbeat-service.ts';
import type { StorageSnapshot } from '../service/storage-health.ts';
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
  cash: { move(kind: CashKind, key: string, body: unknown): Promise<CashOutcome> };
  buffer: { state(): BufferState; requeueFailed(): number };
  /** Whether the adapter can write its records (health turns unhealthy on a full disk). */
  storage?: { snapshot(): StorageSnapshot };
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
  /** KKT_API_TOKEN: when set, /v1, /docs and the inspector's data need `Authorization: Bearer <token>`. */
  apiToken?: string;
  /** KKT_HTTP_HOST, KKT_ALLOWED_HOSTS, KKT_ALLOWED_ORIGINS: the cross-site checks (docs/security.md). */
  httpHost?: string;
  allowedHosts?: string[];
  allowedOrigins?: string[];
  /** KKT_SYNC_WAIT in ms: how long POST /v1/kkt/buffer/sync waits before answering with progress. */
  syncWaitMs?: number;
  /** The ОФД the worker syncs with, shown in health and worker status. */
  ofdUrl?: string;
}

export interface ReceiptApi {
  receipt(key: string, body: unknown): Promise<ReceiptOutcome>;
  correction(key: string, body: unknown): Promise<ReceiptOutcome>;
  stored(receiptId: string): StoredReceipt | undefined;
}

export interface SyncApi {
  syncNow(): Promise<PassResult>;
  /** The pass running now: what it delivered so far; null between passes. */
  progress(): { synced: number; failed: number } | null;
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
  /** The mock ОФД's test routes, reached through the adapter (the console cannot call another port). */
  ofd?: MockOfdControls;
}

/** An answer of the mock ОФД relayed as it came, or why there was none. */
export type RelayedAnswer = { kind: 'answer'; status: number; body: unknown } | { kind: 'unreachable'; reason: string };

export interface MockOfdControls {
  /** The ОФД's URL, shown on the console. */
  url: string;
  /** `PUT {url}/ofd/v1/_test/faults` with this body. */
  setFaults(body: unknown): Promise<RelayedAnswer>;
  /** `GET {url}/ofd/v1/health`. */
  health(): Promise<RelayedAnswer>;
}
