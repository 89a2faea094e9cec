import type { KktDriver } from '../device/driver.ts';
import type { FiscalDocument } from '../fiscal/document.ts';
import { hlcToString } from '../fiscal/hlc.ts';
import type { AdapterStore, RebuiltReceipt } from '../io/sqlite/adapter-store.ts';

/** adapter.db's record of the fiscal drive it belongs to. */
export const ARCHIVE_IDENTITY_KEY = 'fn_number';

/**
 * Rebuilds the adapter's records from the device's archive after adapter.db was lost: every
 * receipt the adapter printed carries its receipt id, Idempotency-Key and body hash, so each
 * acknowledged key answers with its original document again instead of printing a second one.
 * Receipts the ОФД confirmed are marked synced; the others go to the buffer to be sent again
 * (the ОФД deduplicates by document number). Receipts printed before keys were kept get a key
 * no POS can send (it has a space), so they are still delivered.
 */
export async function rebuildFromDevice(driver: KktDriver, store: AdapterStore): Promise<{ receipts: number }> {
  const status = await driver.status();
  const unconfirmed = new Set<number>();
  for (let from = 1; ; ) {
    const page = await driver.unconfirmedDocuments(from, 1000);
    for (const d of page) unconfirmed.add(d.number);
    if (page.length < 1000) break;
    from = (page[page.length - 1]?.number ?? from) + 1;
  }
  let rows: RebuiltReceipt[] = [];
  let total = 0;
  const docs: FiscalDocument[] = [];
  for (let from = 1; from <= status.fn.lastFiscalDocNumber; ) {
    const page = await driver.documents(from, 1000);
    if (page.length === 0) break;
    docs.push(...page.filter((d) => d.kind === 'receipt' || d.kind === 'correction'));
    from = (page[page.length - 1]?.number ?? from) + 1;
  }
  for (const doc of docs) {
    // Receipts and correction receipts go through the buffer; both carry the request's ids.
    if ((doc.kind !== 'receipt' && doc.kind !== 'correction') || doc.requestId === undefined) continue;
    rows.push({
      idempotency_key: doc.idempotencyKey ?? `rebuilt ${doc.requestId}`,
      body_hash: doc.bodyHash ?? '',
      receipt_id: doc.requestId,
      fn_number: doc.fnNumber,
      fiscal_doc_number: doc.number,
      document: JSON.stringify(doc),
      hlc: hlcToString({ wall: doc.dateTime, logical: 0 }),
      created_at: doc.dateTime,
      synced: !unconfirmed.has(doc.number),
    });
    if (rows.length >= 1000) {
      store.insertRebuilt(rows);
      total += rows.length;
      rows = [];
    }
  }
  store.insertRebuilt(rows);
  total += rows.length;
  store.setMeta(ARCHIVE_IDENTITY_KEY, status.fn.number);
  return { receipts: total };
}
