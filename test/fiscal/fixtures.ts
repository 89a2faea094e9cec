import type { FnIdentity, ReceiptDocument, ReceiptInput } from '../../src/fiscal/document.ts';
import { FiscalError } from '../../src/fiscal/errors.ts';

/** 2026-11-25 11:05 UTC = 14:05 in Moscow (UTC+3 all year). */
export const KNOWN_INSTANT = Date.UTC(2026, 10, 25, 11, 5);

export const FN_NUMBER = '9999078900000001';
export const KKT_REG_NUMBER = '0000000001012345';
export const USER_INN = '7700000009';
export const SECRET = '00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff';
export const OTHER_SECRET = 'ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100';

/** The API.md example (one "Lens" at 100 ₽ × 2, 22 % VAT, paid 200 ₽ in cash) as a signed document. */
export function knownReceipt(): ReceiptDocument {
  return {
    kind: 'receipt',
    number: 3,
    dateTime: KNOWN_INSTANT,
    fnNumber: FN_NUMBER,
    kktRegNumber: KKT_REG_NUMBER,
    userInn: USER_INN,
    fiscalSign: '0123456789',
    operation: 'sale',
    items: [
      {
        name: 'Lens',
        price: 10_000,
        quantityMicro: 2_000_000,
        sum: 20_000,
        vatRate: '22',
        // 20000 × 22 / 122 = 3606.56 → 3607
        vatSum: 3_607,
        paymentMethod: 'full_payment',
        paymentObject: 'commodity',
      },
    ],
    payments: { cash: 20_000, card: 0, prepaid: 0, credit: 0, other: 0 },
    taxation: 'osn',
    cashier: 'Иванов И.И.',
    customerContact: '+79161234567',
    shiftNumber: 1,
    receiptNumber: 1,
    total: 20_000,
    change: 0,
    vatTotals: { '22': 3_607 },
  };
}

export const DAY_MS = 24 * 60 * 60 * 1000;
/** Registration time used by the ФН tests: 2026-01-10 09:00 UTC. */
export const REGISTERED_AT = Date.UTC(2026, 0, 10, 9, 0);

export function identity(overrides: Partial<FnIdentity> = {}): FnIdentity {
  return {
    fnNumber: FN_NUMBER,
    kktRegNumber: KKT_REG_NUMBER,
    kktSerial: '00000000381001',
    userInn: USER_INN,
    userName: 'ООО "Ромашка"',
    address: 'г. Москва, ул. Тверская, д. 1',
    taxation: 'osn',
    ofdName: 'ООО "Тестовый ОФД"',
    ofdInn: '7700000016',
    timezone: 'Europe/Moscow',
    ffdVersion: '1.2',
    registeredAt: REGISTERED_AT,
    validUntil: REGISTERED_AT + 470 * DAY_MS,
    capacity: 250_000,
    ...overrides,
  };
}

/** A validated receipt input: `price` × 1 in one item, paid as given. */
export function receiptInput(
  price = 10_000,
  payments: Partial<ReceiptInput['payments']> = { cash: price },
  operation: ReceiptInput['operation'] = 'sale',
): ReceiptInput {
  return {
    operation,
    items: [
      {
        name: 'Товар',
        price,
        quantityMicro: 1_000_000,
        sum: price,
        vatRate: 'none',
        vatSum: 0,
        paymentMethod: 'full_payment',
        paymentObject: 'commodity',
      },
    ],
    payments: { cash: 0, card: 0, prepaid: 0, credit: 0, other: 0, ...payments },
    taxation: 'osn',
  };
}

/** Runs `fn`, which must throw a FiscalError, and returns that error. */
export function refusal(fn: () => unknown): FiscalError {
  try {
    fn();
  } catch (e) {
    if (e instanceof FiscalError) return e;
    throw e;
  }
  throw new Error('expected a FiscalError, but nothing was thrown');
}
