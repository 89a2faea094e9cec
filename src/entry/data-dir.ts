import { existsSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import type { KktDriver } from '../device/driver.ts';
import { archivePathFor } from '../device/emulator.ts';
import { AdapterStore } from '../io/sqlite/adapter-store.ts';
import { type DataDirLock, lockDataDir } from '../io/sqlite/data-dir-lock.ts';
import { DataDirError } from '../io/sqlite/open-database.ts';
import { ARCHIVE_IDENTITY_KEY, rebuildFromDevice } from '../service/rebuild.ts';
import type { Config } from './config.ts';

const SQLITE_SUFFIXES = ['', '-wal', '-shm'] as const;

export interface OpenedDataDir {
  lock: DataDirLock;
  store: AdapterStore;
  /** Whether adapter.db was there before this start. */
  adapterDbExisted: boolean;
}

/**
 * Before the device opens: take the data dir's lock, open adapter.db, and refuse to go on when
 * the emulated device's archive is missing next to a used adapter.db (the emulator would
 * otherwise register a new ФН and the printed history would silently fork).
 */
export function openDataDir(config: Config): OpenedDataDir {
  const lock = lockDataDir(config.dataDir);
  try {
    const path = join(config.dataDir, 'adapter.db');
    const adapterDbExisted = existsSync(path);
    const store = new AdapterStore(path);
    const archive = archivePathFor(config.dataDir, config.kktSerial);
    const fn = store.getMeta(ARCHIVE_IDENTITY_KEY);
    if (config.driverType === 'emulator' && !existsSync(archive) && (store.hasHistory() || fn !== undefined)) {
      store.close();
      throw new DataDirError(
        `${archive} (the archive of ФН ${fn ?? 'unknown'}) is missing but ${path} has receipts printed on it; restore the archive from a backup, or move adapter.db away to start with a new ФН; see "Recovering a data dir" in docs/adapter.md`,
      );
    }
    return { lock, store, adapterDbExisted };
  } catch (e) {
    lock.release();
    throw e;
  }
}

/**
 * After the device opens: adapter.db and the archive must belong together. A new adapter.db
 * next to a used archive, or one recorded for another ФН (moved aside, never deleted), is
 * rebuilt from the archive; otherwise the archive's identity is recorded.
 */
export async function reconcileDataDir(
  config: Config,
  opened: OpenedDataDir,
  driver: KktDriver,
  log: (line: string) => void,
): Promise<AdapterStore> {
  let store = opened.store;
  const status = await driver.status();
  const fn = status.fn.number;
  const known = store.getMeta(ARCHIVE_IDENTITY_KEY);
  if (driver.kind !== 'emulator') {
    if (known !== undefined && known !== fn)
      log(`the device reports ФН ${fn}; adapter.db was used with ФН ${known} (a replaced fiscal drive)`);
    store.setMeta(ARCHIVE_IDENTITY_KEY, fn);
    return store;
  }
  let rebuild = !opened.adapterDbExisted && status.fn.lastFiscalDocNumber > 1;
  if (known !== undefined && known !== fn) {
    const path = join(config.dataDir, 'adapter.db');
    const aside = join(config.dataDir, `adapter.foreign-fn-${known}-${Date.now()}.db`);
    store.close();
    for (const suffix of SQLITE_SUFFIXES) if (existsSync(path + suffix)) renameSync(path + suffix, aside + suffix);
    log(`adapter.db belonged to ФН ${known}, not to this archive's ФН ${fn}: moved to ${aside}, rebuilding`);
    store = new AdapterStore(path);
    rebuild = true;
  }
  if (rebuild) {
    const { receipts } = await rebuildFromDevice(driver, store);
    log(`adapter.db rebuilt from the ФН archive: ${receipts} receipts with their Idempotency-Keys`);
  } else store.setMeta(ARCHIVE_IDENTITY_KEY, fn);
  return store;
}
