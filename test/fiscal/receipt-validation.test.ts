import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ReceiptInput } from '../../src/fiscal/document.ts';
import { MAX_KOPECKS } from '../../src/fiscal/money.ts';
import { lineSum } from '../../src/fiscal/quantity.ts';
import {
  MAX_ITEMS,
  MAX_NAME_LENGTH,
  type ReceiptValidation,
  type ValidationContext,
  validateReceipt,
} from '../../src/fiscal/receipt-validation.ts';
import { VAT_RATES, vatAmount } from '../../src/fiscal/vat.ts';
import { sampleReceipt } from '../helpers/sample-receipt.ts';

const CTX: ValidationContext = { defaultTaxation: 'osn', year: 2026 };

/** A minimal valid body: one item `price` × `quantity`, paid by `payments`. */
function body(
  item: Record<string, unknown> = {},
  payments: unknown[] = [{ type: 'cash', amount: 200 }],
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return { type: 'sale', items: [{ name: 'Lens', price: 100, quantity: 2, ...item }], payments, ...extra };
}

function ok(r: ReceiptValidation): { value: ReceiptInput; warnings: string[] } {
  if (!r.ok) throw new Error(`expected ok, got ${JSON.stringify(r.errors)}`);
  return r;
}

function paths(r: ReceiptValidation): string[] {
  if (r.ok) throw new Error(`expected errors, got ok: ${JSON.stringify(r.value)}`);
  for (const e of r.errors) {
    expect(typeof e.path).toBe('string');
    expect(e.message.length).toBeGreaterThan(0);
  }
  return r.errors.map((e) => e.path);
}

describe('validateReceipt: valid bodies', () => {
  it('turns the API.md example into kopecks and millionths', () => {
    const r = validateReceipt(sampleReceipt(), CTX);
    expect(r).toStrictEqual({
      ok: true,
      value: {
        operation: 'sale',
        items: [
          {
            name: 'Lens',
            price: 10_000,
            quantityMicro: 2_000_000,
            sum: 20_000,
            vatRate: '22',
            vatSum: 3_607,
            paymentMethod: 'full_payment',
            paymentObject: 'commodity',
          },
        ],
        payments: { cash: 20_000, card: 0, prepaid: 0, credit: 0, other: 0 },
        taxation: 'osn',
        cashier: 'Иванов И.И.',
        customerContact: '+79161234567',
      },
      warnings: [],
    });
  });

  it('applies the defaults: vat none, full_payment, commodity, the configured taxation', () => {
    const { value } = ok(validateReceipt(body(), { defaultTaxation: 'usn_income', year: 2026 }));
    expect(value.taxation).toBe('usn_income');
    expect(value.items[0]).toMatchObject({ vatRate: 'none', vatSum: 0, paymentMethod: 'full_payment' });
    expect(value.items[0]?.paymentObject).toBe('commodity');
    expect(value).not.toHaveProperty('cashier');
    expect(value).not.toHaveProperty('customerContact');
  });

  it('accepts amounts as strings and trims texts', () => {
    const { value } = ok(
      validateReceipt(
        body({ name: '  Lens  ', price: '33.33', quantity: '0.333', total: '11.10', vat_rate: '10/110' }, [
          { type: 'card', amount: '11.10' },
        ]),
        CTX,
      ),
    );
    expect(value.items[0]).toMatchObject({
      name: 'Lens',
      price: 3_333,
      quantityMicro: 333_000,
      sum: 1_110,
      vatSum: 101,
    });
    expect(value.payments.card).toBe(1_110);
  });

  it.each(['sale', 'refund', 'purchase', 'purchase_refund'])('accepts type %s', (type) => {
    expect(ok(validateReceipt(body({}, undefined, { type }), CTX)).value.operation).toBe(type);
  });

  it.each(['+79161234567', '79161234567', 'buyer@example.com'])('accepts customer_contact %s', (contact) => {
    expect(ok(validateReceipt(body({}, undefined, { customer_contact: contact }), CTX)).value.customerContact).toBe(
      contact,
    );
  });

  it('treats null optional texts as absent', () => {
    const { value } = ok(validateReceipt(body({}, undefined, { cashier: null, customer_contact: null }), CTX));
    expect(value).not.toHaveProperty('cashier');
  });

  it('allows cash change, alone or next to a card payment', () => {
    expect(ok(validateReceipt(body({}, [{ type: 'cash', amount: 500 }]), CTX)).value.payments.cash).toBe(50_000);
    const mixed = ok(
      validateReceipt(
        body({}, [
          { type: 'card', amount: 150 },
          { type: 'cash', amount: 100 },
        ]),
        CTX,
      ),
    ).value.payments;
    expect(mixed).toEqual({ cash: 10_000, card: 15_000, prepaid: 0, credit: 0, other: 0 });
  });

  it('adds payments of the same type and accepts every payment type', () => {
    const { value } = ok(
      validateReceipt(
        body({ price: 500, quantity: 1 }, [
          { type: 'cash', amount: 100 },
          { type: 'cash', amount: 100.5 },
          { type: 'card', amount: 100 },
          { type: 'prepaid', amount: 99.5 },
          { type: 'credit', amount: 50 },
          { type: 'other', amount: 50 },
        ]),
        CTX,
      ),
    );
    expect(value.payments).toEqual({ cash: 20_050, card: 10_000, prepaid: 9_950, credit: 5_000, other: 5_000 });
  });

  it('accepts non-cash payments that exactly cover the total', () => {
    ok(validateReceipt(body({}, [{ type: 'card', amount: 200 }]), CTX));
    ok(
      validateReceipt(
        body({}, [
          { type: 'card', amount: 150 },
          { type: 'cash', amount: 50 },
        ]),
        CTX,
      ),
    );
  });

  it('accepts a matching item total', () => {
    // 33.33 × 0.333 = 11.09889 → 11.10
    ok(validateReceipt(body({ price: 33.33, quantity: 0.333, total: 11.1 }, [{ type: 'cash', amount: 11.1 }]), CTX));
  });

  it.each(VAT_RATES.map((r) => [r]))('accepts vat_rate %s and computes the item VAT', (rate) => {
    const { value } = ok(validateReceipt(body({ vat_rate: rate }), CTX));
    expect(value.items[0]?.vatRate).toBe(rate);
    expect(value.items[0]?.vatSum).toBe(vatAmount(20_000, rate));
  });

  it('warns, without refusing, about the 20 % rates in 2026 and later', () => {
    for (const rate of [20, '20', '20/120']) {
      const r = ok(validateReceipt(body({ vat_rate: rate }), CTX));
      expect(r.warnings).toHaveLength(1);
      expect(r.warnings[0]).toContain('items[0]');
      expect(r.warnings[0]).toContain('22');
    }
    expect(ok(validateReceipt(body({ vat_rate: 20 }), { defaultTaxation: 'osn', year: 2025 })).warnings).toEqual([]);
    expect(ok(validateReceipt(body({ vat_rate: 22 }), CTX)).warnings).toEqual([]);
    expect(ok(validateReceipt(body({ vat_rate: 20 }), { defaultTaxation: 'osn', year: 2027 })).warnings).toHaveLength(
      1,
    );
  });

  it(`accepts ${MAX_ITEMS} items and names of ${MAX_NAME_LENGTH} characters`, () => {
    const items = Array.from({ length: MAX_ITEMS }, (_, i) => ({ name: `Item ${i}`, price: 1, quantity: 1 }));
    const { value } = ok(validateReceipt({ type: 'sale', items, payments: [{ type: 'cash', amount: 100 }] }, CTX));
    expect(value.items).toHaveLength(MAX_ITEMS);
    ok(validateReceipt(body({ name: 'Я'.repeat(MAX_NAME_LENGTH) }), CTX));
    // characters, not UTF-16 units: 128 emoji are 256 units
    ok(validateReceipt(body({ name: '🍎'.repeat(MAX_NAME_LENGTH) }), CTX));
  });

  it('accepts the largest amounts', () => {
    const { value } = ok(
      validateReceipt(
        body({ price: '2814749767106.55', quantity: 1 }, [{ type: 'card', amount: '2814749767106.55' }]),
        CTX,
      ),
    );
    expect(value.items[0]?.sum).toBe(MAX_KOPECKS);
  });
});

describe('validateReceipt: errors carry JSON pointers', () => {
  it.each([
    ['price not a number', body({ price: 'abc' }), ['/items/0/price']],
    ['price with 3 decimals', body({ price: 100.555 }), ['/items/0/price']],
    ['price zero', body({ price: 0 }), ['/items/0/price']],
    ['price negative', body({ price: -1 }), ['/items/0/price']],
    ['price missing', body({ price: undefined }), ['/items/0/price']],
    ['price in exponent form', body({ price: '1e2' }), ['/items/0/price']],
    ['quantity zero', body({ quantity: 0 }), ['/items/0/quantity']],
    ['quantity with 7 decimals', body({ quantity: 1.0000005 }), ['/items/0/quantity']],
    ['quantity missing', body({ quantity: undefined }), ['/items/0/quantity']],
    ['name missing', body({ name: undefined }), ['/items/0/name']],
    ['name empty', body({ name: '' }), ['/items/0/name']],
    ['name blank', body({ name: '   ' }), ['/items/0/name']],
    ['name not a string', body({ name: 42 }), ['/items/0/name']],
    ['name too long', body({ name: 'x'.repeat(MAX_NAME_LENGTH + 1) }), ['/items/0/name']],
    ['vat_rate 18', body({ vat_rate: 18 }), ['/items/0/vat_rate']],
    ['vat_rate "18"', body({ vat_rate: '18' }), ['/items/0/vat_rate']],
    ['vat_rate empty', body({ vat_rate: '' }), ['/items/0/vat_rate']],
    ['payment_method unknown', body({ payment_method: 'cash' }), ['/items/0/payment_method']],
    ['payment_object unknown', body({ payment_object: 'goods' }), ['/items/0/payment_object']],
    ['payment_object inherited name', body({ payment_object: 'toString' }), ['/items/0/payment_object']],
    ['unknown item field', body({ discount: 5 }), ['/items/0/discount']],
    ['item total mismatch', body({ total: 199.99 }), ['/items/0/total']],
    ['item total not a number', body({ total: 'all' }), ['/items/0/total']],
    ['item rounds to 0 kopecks', body({ price: 0.01, quantity: 0.000001 }), ['/items/0/quantity']],
    ['item too large', body({ price: '2814749767106.55', quantity: 2 }), ['/items/0']],
    ['item not an object', { ...body(), items: ['Lens'] }, ['/items/0']],
    ['items missing', { ...body(), items: undefined }, ['/items']],
    ['items empty', { ...body(), items: [] }, ['/items']],
    ['items not an array', { ...body(), items: { 0: {} } }, ['/items']],
    ['payment type unknown', body({}, [{ type: 'bitcoin', amount: 200 }]), ['/payments/0/type']],
    ['payment type missing', body({}, [{ amount: 200 }]), ['/payments/0/type']],
    ['payment amount negative', body({}, [{ type: 'cash', amount: -1 }]), ['/payments/0/amount']],
    ['payment amount zero', body({}, [{ type: 'cash', amount: 0 }]), ['/payments/0/amount']],
    ['payment amount missing', body({}, [{ type: 'cash' }]), ['/payments/0/amount']],
    ['payment amount 3 decimals', body({}, [{ type: 'cash', amount: 200.001 }]), ['/payments/0/amount']],
    ['payment not an object', body({}, [200]), ['/payments/0']],
    ['unknown payment field', body({}, [{ type: 'cash', amount: 200, currency: 'RUB' }]), ['/payments/0/currency']],
    ['payments missing', { ...body(), payments: undefined }, ['/payments']],
    ['payments empty', body({}, []), ['/payments']],
    [
      'too many payments',
      body(
        {},
        Array.from({ length: 21 }, () => ({ type: 'cash', amount: 10 })),
      ),
      ['/payments'],
    ],
    ['type missing', { ...body(), type: undefined }, ['/type']],
    ['type unknown', body({}, undefined, { type: 'sell' }), ['/type']],
    ['type inherited name', body({}, undefined, { type: 'constructor' }), ['/type']],
    ['taxation_type unknown', body({}, undefined, { taxation_type: 'usn' }), ['/taxation_type']],
    ['customer_contact not a contact', body({}, undefined, { customer_contact: 'call me' }), ['/customer_contact']],
    ['customer_contact short phone', body({}, undefined, { customer_contact: '+7916' }), ['/customer_contact']],
    ['customer_contact not a string', body({}, undefined, { customer_contact: 79161234567 }), ['/customer_contact']],
    [
      'customer_contact too long',
      body({}, undefined, { customer_contact: `${'a'.repeat(60)}@example.com` }),
      ['/customer_contact'],
    ],
    ['cashier empty', body({}, undefined, { cashier: ' ' }), ['/cashier']],
    ['cashier not a string', body({}, undefined, { cashier: 7 }), ['/cashier']],
    ['cashier too long', body({}, undefined, { cashier: 'К'.repeat(65) }), ['/cashier']],
    ['pos_id not a string', body({}, undefined, { pos_id: 1 }), ['/pos_id']],
    ['unknown field', body({}, undefined, { foo: 1 }), ['/foo']],
    ['non-cash above the total', body({}, [{ type: 'card', amount: 300 }]), ['/payments']],
    [
      'non-cash above the total with cash too',
      body({}, [
        { type: 'prepaid', amount: 150 },
        { type: 'credit', amount: 60 },
        { type: 'cash', amount: 10 },
      ]),
      ['/payments'],
    ],
    ['payments short of the total', body({}, [{ type: 'cash', amount: 199.99 }]), ['/payments']],
    [
      'mixed payments short of the total',
      body({}, [
        { type: 'card', amount: 100 },
        { type: 'cash', amount: 50 },
      ]),
      ['/payments'],
    ],
    [
      'receipt total too large',
      {
        type: 'sale',
        items: [
          { name: 'a', price: '2814749767106.55', quantity: 1 },
          { name: 'b', price: 1, quantity: 1 },
        ],
        payments: [{ type: 'cash', amount: 1 }],
      },
      ['/items'],
    ],
    [
      'too many items',
      {
        type: 'sale',
        items: Array.from({ length: MAX_ITEMS + 1 }, () => ({ name: 'x', price: 1, quantity: 1 })),
        payments: [{ type: 'cash', amount: 1000 }],
      },
      ['/items'],
    ],
  ] as [string, unknown, string[]][])('%s', (_label, input, expected) => {
    expect(paths(validateReceipt(input, CTX))).toEqual(expected);
  });

  it.each([[null], [[]], ['{}'], [42], [undefined], [true]])('refuses a body that is not an object: %j', (input) => {
    expect(validateReceipt(input, CTX)).toEqual({
      ok: false,
      errors: [{ path: '', message: 'must be a JSON object' }],
    });
  });

  it('reports the expected round(price × quantity) on a total mismatch', () => {
    const r = validateReceipt(body({ price: 33.33, quantity: 0.333, total: 11.09 }), CTX);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors).toEqual([{ path: '/items/0/total', message: expect.stringContaining('11.10') }]);
  });

  it('reports every problem at once', () => {
    const r = validateReceipt(
      {
        type: 'sell',
        foo: 1,
        cashier: '',
        items: [
          { name: 'ok', price: 1, quantity: 1 },
          { name: '', price: -1, quantity: 0, vat_rate: 18, bar: true },
          'nope',
          { name: 'x', price: 1, quantity: 1, payment_method: 'cash' },
        ],
        payments: [
          { type: 'btc', amount: 'x' },
          { type: 'cash', amount: 0 },
        ],
      },
      CTX,
    );
    expect(paths(r).sort()).toEqual(
      [
        '/foo',
        '/type',
        '/cashier',
        '/items/1/bar',
        '/items/1/name',
        '/items/1/price',
        '/items/1/quantity',
        '/items/1/vat_rate',
        '/items/2',
        '/items/3/payment_method',
        '/payments/0/type',
        '/payments/0/amount',
        '/payments/1/amount',
      ].sort(),
    );
  });

  it('points at the right item index', () => {
    const items = [
      { name: 'a', price: 1, quantity: 1 },
      { name: 'b', price: 1, quantity: 1 },
      { name: 'c', price: 'x', quantity: 1 },
    ];
    expect(paths(validateReceipt({ type: 'sale', items, payments: [{ type: 'cash', amount: 3 }] }, CTX))).toEqual([
      '/items/2/price',
    ]);
  });

  it('refuses unpaired UTF-16 surrogates, which cannot be printed or signed', () => {
    // `"\ud800"` is valid JSON; RFC 8785 canonicalization (the fiscal sign) throws on it.
    const parsed = JSON.parse(
      '{"type":"sale","items":[{"name":"Lens\\ud800","price":1,"quantity":1}],"payments":[{"type":"cash","amount":1}],"cashier":"\\udc00K","customer_contact":"a\\ud800@b.ru"}',
    );
    expect(paths(validateReceipt(parsed, CTX)).sort()).toEqual(['/cashier', '/customer_contact', '/items/0/name']);
    // a proper surrogate pair is one character and fine
    ok(validateReceipt(body({ name: 'Яблоко 🍎' }, undefined, { cashier: '🧾 Кассир' }), CTX));
  });
});

// ---------------------------------------------------------------- properties

/** No unpaired surrogates (encodeURIComponent throws a URIError on them). */
function wellFormed(text: string): boolean {
  try {
    encodeURIComponent(text);
    return true;
  } catch {
    return false;
  }
}

/** What every accepted receipt must satisfy, whatever the input was. */
function checkInvariants(value: ReceiptInput): void {
  expect(value.items.length).toBeGreaterThan(0);
  expect(value.items.length).toBeLessThanOrEqual(MAX_ITEMS);
  let total = 0;
  for (const it of value.items) {
    expect(Number.isSafeInteger(it.price) && it.price > 0).toBe(true);
    expect(Number.isSafeInteger(it.quantityMicro) && it.quantityMicro > 0).toBe(true);
    expect(it.sum).toBeGreaterThan(0);
    expect(it.sum).toBe(lineSum(it.price, it.quantityMicro));
    expect(it.vatSum).toBe(vatAmount(it.sum, it.vatRate));
    expect(it.name).toBe(it.name.trim());
    expect([...it.name].length).toBeGreaterThan(0);
    expect([...it.name].length).toBeLessThanOrEqual(MAX_NAME_LENGTH);
    expect(wellFormed(it.name)).toBe(true);
    total += it.sum;
  }
  expect(total).toBeLessThanOrEqual(MAX_KOPECKS);
  const p = value.payments;
  for (const v of Object.values(p)) expect(Number.isSafeInteger(v) && v >= 0).toBe(true);
  const nonCash = p.card + p.prepaid + p.credit + p.other;
  expect(nonCash).toBeLessThanOrEqual(total);
  expect(nonCash + p.cash).toBeGreaterThanOrEqual(total);
  if (value.cashier !== undefined) expect(wellFormed(value.cashier)).toBe(true);
  if (value.customerContact !== undefined) expect(wellFormed(value.customerContact)).toBe(true);
}

function validateNeverThrows(input: unknown): ReceiptValidation {
  const r = validateReceipt(input, CTX);
  if (r.ok) checkInvariants(r.value);
  else {
    expect(r.errors.length).toBeGreaterThan(0);
    for (const e of r.errors) expect(e.path === '' || e.path.startsWith('/')).toBe(true);
  }
  return r;
}

/** One valid item: its body form and, computed independently, its sum in kopecks. */
const validItem = fc
  .record({
    name: fc.string({ minLength: 1, maxLength: 20 }).map((s) => `N${s}`),
    priceKop: fc.integer({ min: 1, max: 10_000_000 }),
    priceForm: fc.constantFrom('number', 'fixed', 'string'),
    milli: fc.integer({ min: 1, max: 100_000 }),
    vat: fc.option(fc.constantFrom<unknown>(...VAT_RATES, 0, 5, 7, 10, 20, 22), { nil: undefined }),
    method: fc.option(fc.constantFrom('full_payment', 'prepayment', 'advance', 'credit'), { nil: undefined }),
    object: fc.option(fc.constantFrom('commodity', 'service', 'job', 'payment'), { nil: undefined }),
    withTotal: fc.boolean(),
  })
  .map(({ name, priceKop, priceForm, milli, vat, method, object, withTotal }) => {
    const rub = priceKop / 100;
    // exact integer product, correctly rounded division: Math.round is half-up here
    const sum = Math.max(Math.round((priceKop * milli) / 1000), 0);
    const item: Record<string, unknown> = {
      name,
      price: priceForm === 'number' ? rub : priceForm === 'fixed' ? rub.toFixed(2) : String(rub),
      quantity: milli / 1000,
    };
    if (vat !== undefined) item.vat_rate = vat;
    if (method !== undefined) item.payment_method = method;
    if (object !== undefined) item.payment_object = object;
    if (withTotal) item.total = (sum / 100).toFixed(2);
    return { item, sum };
  })
  .filter(({ sum }) => sum > 0);

/** Valid bodies: items, then a card share of the total and cash covering the rest plus some change. */
const validBody = fc
  .record({
    type: fc.constantFrom('sale', 'refund', 'purchase', 'purchase_refund'),
    items: fc.array(validItem, { minLength: 1, maxLength: 5 }),
    cardShare: fc.double({ min: 0, max: 1, noNaN: true }),
    change: fc.integer({ min: 0, max: 100_000 }),
    cashier: fc.option(fc.constantFrom('Иванов И.И.', 'Кассир 1'), { nil: undefined }),
  })
  .map(({ type, items, cardShare, change, cashier }) => {
    const total = items.reduce((s, it) => s + it.sum, 0);
    const card = Math.floor(total * cardShare);
    const cash = total - card + change;
    const payments: unknown[] = [];
    if (card > 0) payments.push({ type: 'card', amount: card / 100 });
    if (cash > 0) payments.push({ type: 'cash', amount: cash / 100 });
    const b: Record<string, unknown> = { type, items: items.map((it) => it.item), payments };
    if (cashier !== undefined) b.cashier = cashier;
    return { body: b, total, card, cash };
  });

describe('validateReceipt: properties', () => {
  it('accepts every generated valid body with the right kopeck totals', () => {
    fc.assert(
      fc.property(validBody, ({ body: b, total, card, cash }) => {
        const r = validateNeverThrows(b);
        const { value } = ok(r);
        expect(value.items.reduce((s, it) => s + it.sum, 0)).toBe(total);
        expect(value.payments.card).toBe(card);
        expect(value.payments.cash).toBe(cash);
      }),
      { numRuns: 200 },
    );
  });

  it('never throws on arbitrary JSON, and whatever it accepts is consistent', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => void validateNeverThrows(v)),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(fc.anything({ withBoxedValues: true, withMap: true, withNullPrototype: true }), (v) => {
        void validateNeverThrows(v);
      }),
      { numRuns: 300 },
    );
  });

  it('never throws on mutated valid bodies, and whatever it accepts is consistent', () => {
    const anyValue = fc.oneof(
      fc.jsonValue({ maxDepth: 2 }),
      fc.string({ unit: 'binary', maxLength: 8 }),
      fc.constantFrom<unknown>(
        0,
        -1,
        0.001,
        1e21,
        '1e5',
        '',
        ' ',
        null,
        [],
        {},
        '2814749767106.55',
        '2814749767106.56',
        'cash',
        'card',
        'none',
        '20',
      ),
    );
    const mutation = fc.tuple(
      fc.constantFrom('top', 'item', 'payment'),
      fc.constantFrom(
        'type',
        'items',
        'payments',
        'cashier',
        'customer_contact',
        'taxation_type',
        'pos_id',
        'name',
        'price',
        'quantity',
        'total',
        'vat_rate',
        'payment_method',
        'payment_object',
        'amount',
        'extra',
      ),
      fc.option(anyValue, { nil: undefined }),
    );
    fc.assert(
      fc.property(validBody, fc.array(mutation, { minLength: 1, maxLength: 4 }), ({ body: b }, mutations) => {
        const mutated = structuredClone(b) as Record<string, unknown>;
        for (const [where, key, value] of mutations) {
          const list = where === 'item' ? mutated.items : where === 'payment' ? mutated.payments : undefined;
          const target =
            where === 'top' ? mutated : Array.isArray(list) && typeof list[0] === 'object' ? list[0] : undefined;
          if (target === null || typeof target !== 'object') continue;
          if (value === undefined) delete (target as Record<string, unknown>)[key];
          else (target as Record<string, unknown>)[key] = value;
        }
        void validateNeverThrows(mutated);
      }),
      { numRuns: 500 },
    );
  });

  it('reports an error exactly when something is wrong with a single payment amount', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 100_000 }), fc.integer({ min: 1, max: 200_000 }), (price, paid) => {
        const r = validateReceipt(
          body({ price: price / 100, quantity: 1 }, [{ type: 'cash', amount: paid / 100 }]),
          CTX,
        );
        expect(r.ok).toBe(paid >= price);
        const card = validateReceipt(
          body({ price: price / 100, quantity: 1 }, [{ type: 'card', amount: paid / 100 }]),
          CTX,
        );
        expect(card.ok).toBe(paid === price);
      }),
      { numRuns: 300 },
    );
  });
});
