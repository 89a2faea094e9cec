import type { FiscalDocument, ReceiptItem } from './document.ts';
import { type Micro, microOfMilli } from './quantity.ts';

/**
 * Reading documents the archive stored as JSON, whatever version of kkt-emu wrote them.
 *
 * Until quantities had 6 decimals, items kept `quantity` in thousandths and had no
 * `quantityMicro`. Such an item is read with `quantityMicro = quantity × 1000` and its
 * `quantity` dropped, so every reader sees one unit. The stored JSON itself never changes
 * (the ФН is append-only): the ФПД of an old document is checked against the JSON as stored,
 * not against this upgraded copy. Every other field added later (measure, 1048/1009/1187,
 * counters, 1062) is optional in the model and means "not recorded" when absent.
 */

interface LegacyItem extends Omit<ReceiptItem, 'quantityMicro'> {
  quantityMicro?: Micro;
}

/** An item's quantity in millionths, for an item of any stored version. */
export function itemQuantityMicro(item: LegacyItem): Micro {
  if (item.quantityMicro !== undefined) return item.quantityMicro;
  if (item.quantity !== undefined) return microOfMilli(item.quantity);
  throw new TypeError(`item "${item.name}" has no quantity`);
}

function upgradeItem(item: LegacyItem): ReceiptItem {
  if (item.quantityMicro !== undefined && item.quantity === undefined) return item as ReceiptItem;
  const { quantity: _legacy, ...rest } = item;
  return { ...rest, quantityMicro: itemQuantityMicro(item) };
}

/** A parsed stored document in the current model (see above). */
export function readStoredDocument(raw: unknown): FiscalDocument {
  const doc = raw as FiscalDocument;
  if ((doc.kind === 'receipt' || doc.kind === 'correction') && Array.isArray(doc.items)) {
    const items = (doc.items as LegacyItem[]).map(upgradeItem);
    return { ...doc, items } as FiscalDocument;
  }
  return doc;
}

/** `JSON.parse` + readStoredDocument, for archive rows. */
export function parseStoredDocument(json: string): FiscalDocument {
  return readStoredDocument(JSON.parse(json));
}
