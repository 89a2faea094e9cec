import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { BODY_LIMIT } from '../../src/api/app.ts';
import {
  type HttpAnswer,
  problemShape,
  sampleReceipt,
  startTestAdapter,
  type TestAdapter,
} from '../helpers/adapter.ts';

let t: TestAdapter;
beforeAll(async () => {
  t = await startTestAdapter();
});
afterAll(async () => {
  await t?.close();
});

/** One malformed request: a JSON value, or raw text with a content type. */
type BadRequest =
  | { kind: 'json'; label: string; value: unknown }
  | { kind: 'raw'; label: string; text: string; contentType: string };

const RECEIPT_FIELDS = ['pos_id', 'type', 'items', 'payments', 'taxation_type', 'cashier', 'customer_contact'];
const ITEM_FIELDS = ['name', 'price', 'quantity', 'total', 'vat_rate', 'payment_method', 'payment_object'];
const PAYMENT_FIELDS = ['type', 'amount'];

const json = (label: string, value: unknown): BadRequest => ({ kind: 'json', label, value });

/** Wrong values for one field of the sample receipt, each of which alone makes it invalid. */
const wrongValues: Record<string, fc.Arbitrary<unknown>> = {
  type: fc.constantFrom('sell', 'SALE', '', 1, null, true, ['sale'], { sale: true }),
  items: fc.constantFrom([], {}, 'Lens', null, 0, [null], [[]], ['Lens']),
  'items.0.name': fc.constantFrom('', '   ', 123, null, ['Lens'], true, 'x'.repeat(129)),
  'items.0.price': fc.constantFrom(0, -100, 100.001, 1.005, 'abc', '', '1e2', true, null, [100], {}, -0.01),
  'items.0.quantity': fc.constantFrom(0, -2, 2.0001, true, '2x', null, [2], 'two'),
  'items.0.vat_rate': fc.constantFrom(18, 21, '21', 'ten', true, {}, [], -1, '20/100'),
  'items.0.payment_method': fc.constantFrom('cash', 'FULL_PAYMENT', 1, '', null, true),
  'items.0.payment_object': fc.constantFrom('thing', 1, '', null, ['commodity']),
  'items.0.total': fc.constantFrom(199.99, 200.01, 'abc', -200, true, 200.001),
  payments: fc.constantFrom(
    [],
    null,
    {},
    'cash',
    [{ type: 'bitcoin', amount: 200 }],
    [{ type: 'cash', amount: -200 }],
    [{ type: 'cash', amount: 0 }],
    [{ type: 'cash', amount: 100 }],
    [{ type: 'card', amount: 300 }],
    [{ type: 'cash' }],
    [{ amount: 200 }],
    [{ type: 'cash', amount: 200.001 }],
    [{ type: 'cash', amount: '200,00' }],
    [null],
  ),
  taxation_type: fc.constantFrom('vat', 'OSN', 1, null, true),
  cashier: fc.constantFrom(5, '', '  ', ['Иванов'], 'x'.repeat(65)),
  customer_contact: fc.constantFrom('not a contact', '123', 79161234567, 'a@b', ''),
  pos_id: fc.constantFrom(123, '', 'x'.repeat(65), { id: 1 }),
};

function setPath(target: Record<string, unknown>, path: string, value: unknown) {
  const parts = path.split('.');
  let node: Record<string, unknown> = target;
  for (const p of parts.slice(0, -1)) node = node[p] as Record<string, unknown>;
  node[parts[parts.length - 1] as string] = value;
}

const mutatedField: fc.Arbitrary<BadRequest> = fc
  .constantFrom(...Object.keys(wrongValues))
  .chain((path) => (wrongValues[path] as fc.Arbitrary<unknown>).map((value) => ({ path, value })))
  .map(({ path, value }) => {
    const body = sampleReceipt() as Record<string, unknown>;
    setPath(body, path, value);
    return json(`${path} = ${JSON.stringify(value)?.slice(0, 60)}`, body);
  });

const missingField: fc.Arbitrary<BadRequest> = fc
  .constantFrom('type', 'items', 'payments', 'items.0.name', 'items.0.price', 'items.0.quantity', 'payments.0.amount')
  .map((path) => {
    const body = sampleReceipt() as Record<string, unknown>;
    const parts = path.split('.');
    let node = body;
    for (const p of parts.slice(0, -1)) node = node[p] as Record<string, unknown>;
    delete node[parts[parts.length - 1] as string];
    return json(`without ${path}`, body);
  });

const unknownKey = (known: string[]) =>
  fc
    .oneof(fc.string({ minLength: 1, maxLength: 12 }), fc.constantFrom('extra', 'discount', 'Type', 'vatRate'))
    .filter((k) => !known.includes(k) && k !== '__proto__');

const extraField: fc.Arbitrary<BadRequest> = fc
  .tuple(fc.constantFrom('body', 'item', 'payment'), fc.jsonValue({ maxDepth: 2 }))
  .chain(([where, value]) =>
    unknownKey(where === 'body' ? RECEIPT_FIELDS : where === 'item' ? ITEM_FIELDS : PAYMENT_FIELDS).map((key) => ({
      where,
      key,
      value,
    })),
  )
  .map(({ where, key, value }) => {
    const body = sampleReceipt() as { items: Record<string, unknown>[]; payments: Record<string, unknown>[] };
    const target: Record<string, unknown> =
      where === 'body'
        ? body
        : where === 'item'
          ? (body.items[0] as Record<string, unknown>)
          : (body.payments[0] as Record<string, unknown>);
    target[key] = value;
    return json(`extra ${where} field ${JSON.stringify(key)}`, body);
  });

const tooManyItems: fc.Arbitrary<BadRequest> = fc.integer({ min: 101, max: 150 }).map((n) => {
  const item = { name: 'A', price: 1, quantity: 1 };
  return json(
    `${n} items`,
    sampleReceipt({ items: Array.from({ length: n }, () => item), payments: [{ type: 'cash', amount: n }] }),
  );
});

/** Any JSON value that is not an object cannot be a receipt; random objects lack the required fields. */
const randomJson: fc.Arbitrary<BadRequest> = fc
  .jsonValue({ maxDepth: 3 })
  .filter((v) => !(typeof v === 'object' && v !== null && !Array.isArray(v) && 'items' in v && 'payments' in v))
  .map((v) => json('random JSON', v));

const notJson: fc.Arbitrary<BadRequest> = fc
  .oneof(
    fc.string({ minLength: 1, maxLength: 200 }),
    fc.constantFrom('{', '{"type":"sale",', "{'type':'sale'}", 'undefined', 'NaN', '[1,2,', '{"a":1}}', '\u0000'),
  )
  .filter((s) => {
    if (s.trim() === '') return false;
    try {
      JSON.parse(s);
      return false;
    } catch {
      return true;
    }
  })
  .map((text) => ({ kind: 'raw', label: 'not JSON', text, contentType: 'application/json' }) as const);

const wrongMediaType: fc.Arbitrary<BadRequest> = fc
  .constantFrom('text/plain', 'application/x-www-form-urlencoded', 'application/xml')
  .map(
    (contentType) => ({ kind: 'raw', label: contentType, text: JSON.stringify(sampleReceipt()), contentType }) as const,
  );

const oversize: fc.Arbitrary<BadRequest> = fc.integer({ min: BODY_LIMIT + 1, max: BODY_LIMIT + 50_000 }).map(
  (size) =>
    ({
      kind: 'raw',
      label: `${size} bytes`,
      text: JSON.stringify({ ...sampleReceipt(), pos_id: 'x'.repeat(size) }),
      contentType: 'application/json',
    }) as const,
);

const badRequest: fc.Arbitrary<BadRequest> = fc.oneof(
  { arbitrary: mutatedField, weight: 6 },
  { arbitrary: missingField, weight: 2 },
  { arbitrary: extraField, weight: 3 },
  { arbitrary: randomJson, weight: 3 },
  { arbitrary: notJson, weight: 2 },
  { arbitrary: tooManyItems, weight: 1 },
  { arbitrary: wrongMediaType, weight: 1 },
  { arbitrary: oversize, weight: 1 },
);

let keySeq = 0;
function send(r: BadRequest): Promise<HttpAnswer> {
  const headers = { 'idempotency-key': `bad-${++keySeq}` };
  if (r.kind === 'json') return t.request('POST', '/v1/kkt/receipt', { json: r.value, headers });
  return t.request('POST', '/v1/kkt/receipt', { raw: r.text, headers: { ...headers, 'content-type': r.contentType } });
}

describe('malformed receipts', () => {
  test('every malformed request gets a 4xx problem+json and no fiscal document', async () => {
    const before = await t.lastDocNumber();
    await fc.assert(
      fc.asyncProperty(badRequest, async (r) => {
        const a = await send(r);
        expect(a.status, `${r.label}: ${a.text.slice(0, 300)}`).toBeGreaterThanOrEqual(400);
        expect(a.status, `${r.label}: ${a.text.slice(0, 300)}`).toBeLessThan(500);
        const p = problemShape(a);
        if (p.code === 'VALIDATION_FAILED') {
          expect(p.errors?.length).toBeGreaterThan(0);
          for (const e of p.errors ?? []) {
            expect(typeof e.path).toBe('string');
            expect(typeof e.message).toBe('string');
          }
        }
        expect(await t.lastDocNumber(), r.label).toBe(before);
      }),
      {
        numRuns: Number(process.env.BAD_INPUT_RUNS ?? 100),
        interruptAfterTimeLimit: 25_000,
        markInterruptAsFailure: true,
      },
    );
    expect((await t.get('/v1/kkt/buffer/status')).body.total_receipts).toBe(0);
  });

  test('each malformed kind has its status and code', async () => {
    const cases: [BadRequest, number, string][] = [
      [{ kind: 'raw', label: 'broken', text: '{"type":', contentType: 'application/json' }, 400, 'MALFORMED_REQUEST'],
      [json('extra field', { ...sampleReceipt(), discount: 5 }), 400, 'VALIDATION_FAILED'],
      [json('empty items', sampleReceipt({ items: [] })), 400, 'VALIDATION_FAILED'],
      [json('3 decimals', sampleReceipt({ payments: [{ type: 'cash', amount: 200.001 }] })), 400, 'VALIDATION_FAILED'],
      [
        json('boolean quantity', sampleReceipt({ items: [{ name: 'A', price: 200, quantity: true }] })),
        400,
        'VALIDATION_FAILED',
      ],
      [json('array type', sampleReceipt({ type: ['sale'] })), 400, 'VALIDATION_FAILED'],
      [json('array', [sampleReceipt()]), 400, 'VALIDATION_FAILED'],
      // Only application/json is read: a text/plain body (what a cross-site form or no-cors fetch sends) is 415.
      [{ kind: 'raw', label: 'text/plain', text: '{}', contentType: 'text/plain' }, 415, 'UNSUPPORTED_MEDIA_TYPE'],
      [
        { kind: 'raw', label: 'xml', text: '<receipt/>', contentType: 'application/xml' },
        415,
        'UNSUPPORTED_MEDIA_TYPE',
      ],
      [
        {
          kind: 'raw',
          label: 'oversize',
          text: JSON.stringify({ ...sampleReceipt(), pos_id: 'x'.repeat(BODY_LIMIT) }),
          contentType: 'application/json',
        },
        413,
        'BODY_TOO_LARGE',
      ],
    ];
    const before = await t.lastDocNumber();
    for (const [r, status, code] of cases) {
      const a = await send(r);
      expect(a.status, `${r.label}: ${a.text.slice(0, 300)}`).toBe(status);
      expect(problemShape(a).code, r.label).toBe(code);
    }
    expect(await t.lastDocNumber()).toBe(before);
  });

  test('validation reports every problem at once with JSON pointers', async () => {
    const a = await t.receipt(
      'all-at-once',
      sampleReceipt({ type: 'sell', items: [{ name: '', price: -1, quantity: 0 }], payments: [] }),
    );
    expect(a.status).toBe(400);
    const p = problemShape(a);
    const paths = (p.errors ?? []).map((e) => e.path);
    expect(paths).toEqual(
      expect.arrayContaining(['/type', '/items/0/name', '/items/0/price', '/items/0/quantity', '/payments']),
    );
  });

  test('the unmutated sample is accepted (the mutations are what the adapter refuses)', async () => {
    const a = await t.receipt('control', sampleReceipt());
    expect(a.status, a.text).toBe(200);
  });
});

describe('unknown routes', () => {
  test.each([
    ['GET', '/v1/nope'],
    ['POST', '/nope'],
    ['DELETE', '/v1/kkt/receipt'],
    ['GET', '/v1/kkt/receipt'],
    ['PUT', '/v1/kkt/status'],
  ])('%s %s is 404 problem+json', async (method, path) => {
    const a = await t.request(method, path);
    expect(a.status).toBe(404);
    expect(problemShape(a).code).toBe('NOT_FOUND');
  });
});
