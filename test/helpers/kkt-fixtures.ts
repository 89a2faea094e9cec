import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RegistrationOptions } from '../../src/device/new-fiscal-drive.ts';
import type { Operation } from '../../src/fiscal/codes.ts';
import type { ReceiptInput } from '../../src/fiscal/document.ts';
import { validateReceipt } from '../../src/fiscal/receipt-validation.ts';

export const SECOND_MS = 1000;
export const MINUTE_MS = 60 * SECOND_MS;
export const HOUR_MS = 60 * MINUTE_MS;
export const DAY_MS = 24 * HOUR_MS;

/** A minute-aligned instant, so document times (minute precision) equal the clock. */
export const T0 = Date.UTC(2026, 10, 25, 8, 0);

export function registration(overrides: Partial<RegistrationOptions> = {}): RegistrationOptions {
  return {
    kktSerial: '00000000000001',
    userInn: '7700000009',
    userName: 'ООО Тест',
    address: 'Москва',
    taxation: 'osn',
    ofdName: 'Test OFD',
    ofdInn: '7700000016',
    timezone: 'Europe/Moscow',
    validityDays: 470,
    capacity: 250_000,
    ...overrides,
  };
}

/** A fresh directory under the OS temp dir; `cleanup` removes it. */
export function tempDir(prefix = 'kkt-test-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface ItemSpec {
  /** Kopecks. */
  price: number;
  /** Whole units. */
  quantity: number;
  vat: 'none' | '0' | '10' | '22' | '22/122';
}

export interface ReceiptSpec {
  operation: Operation;
  items: ItemSpec[];
  /** Kopecks paid by card, at most the total. */
  card: number;
  /** Kopecks of change: cash paid beyond what the card left. */
  change: number;
}

const rubles = (kopecks: number) => `${Math.trunc(kopecks / 100)}.${String(kopecks % 100).padStart(2, '0')}`;

export function specTotal(spec: ReceiptSpec): number {
  return spec.items.reduce((sum, it) => sum + it.price * it.quantity, 0);
}

/** Builds the receipt through the one validation path the API uses. */
export function receiptInput(spec: ReceiptSpec): ReceiptInput {
  const total = specTotal(spec);
  const card = Math.min(spec.card, total);
  const cash = total - card + spec.change;
  const payments: { type: string; amount: string }[] = [];
  if (cash > 0) payments.push({ type: 'cash', amount: rubles(cash) });
  if (card > 0) payments.push({ type: 'card', amount: rubles(card) });
  const v = validateReceipt(
    {
      type: spec.operation,
      items: spec.items.map((it, i) => ({
        name: `Item ${i + 1}`,
        price: rubles(it.price),
        quantity: it.quantity,
        vat_rate: it.vat,
      })),
      payments,
    },
    { defaultTaxation: 'osn', year: 2026 },
  );
  if (!v.ok) throw new Error(`test receipt does not validate: ${JSON.stringify(v.errors)}`);
  return v.value;
}

export function simpleSale(price = 10_000): ReceiptInput {
  return receiptInput({ operation: 'sale', items: [{ price, quantity: 1, vat: '22' }], card: 0, change: 0 });
}
