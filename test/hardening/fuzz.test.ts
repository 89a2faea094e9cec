import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { MockOfdServer } from '../../src/mocks/mock-ofd.ts';
import { problemShape, sampleReceipt, startTestAdapter, type TestAdapter } from '../helpers/adapter.ts';

/**
 * Every route against arbitrary JSON values and arbitrary bytes: never a 5xx, a refused request
 * never leaves a document, and the adapter is healthy afterwards. Bounded in `npm test`;
 * `npm run bench:fuzz` runs it longer (FUZZ_RUNS).
 */
const RUNS = Number(process.env.FUZZ_RUNS ?? 150);

let t: TestAdapter;
let ofd: MockOfdServer;
beforeAll(async () => {
  ofd = new MockOfdServer({ port: 0, host: '127.0.0.1' });
  await ofd.start();
  t = await startTestAdapter({ KKT_OFD_API_URL: ofd.url, KKT_HLC_SYNC_INTERVAL: '600', KKT_SYNC_WAIT: '1' });
});
afterAll(async () => {
  await t?.close();
  await ofd?.stop();
});

const ROUTES: [string, string][] = [
  ['POST', '/v1/kkt/receipt'],
  ['POST', '/v1/kkt/shift/open'],
  ['POST', '/v1/kkt/shift/close'],
  ['POST', '/v1/kkt/report/x'],
  ['POST', '/v1/kkt/buffer/sync'],
  ['POST', '/v1/kkt/buffer/retry'],
  ['PUT', '/v1/_emulator/faults'],
  ['POST', '/v1/_emulator/clock'],
  ['POST', '/v1/_emulator/reset'],
  ['GET', '/v1/kkt/status'],
  ['GET', '/v1/health'],
  ['GET', '/v1/kkt/buffer/status'],
  ['GET', '/v1/kkt/worker/status'],
  ['GET', '/v1/kkt/receipt/x'],
];

const special = fc.constantFrom('"\\ud800"', '"\\udfff"', '1e309', '-1e400', '"\\u0000"', '"a\\u202eb"', '"\\u200b"');
const body: fc.Arbitrary<{ label: string; bytes: Buffer; type: string }> = fc.oneof(
  fc
    .jsonValue()
    .map((v) => ({ label: 'json', bytes: Buffer.from(JSON.stringify(v) ?? 'null'), type: 'application/json' })),
  fc.tuple(fc.jsonValue(), special).map(([v, s]) => ({
    label: 'special',
    bytes: Buffer.from(`{"cashier":${s},"x":${JSON.stringify(v) ?? 'null'}}`),
    type: 'application/json',
  })),
  fc.uint8Array({ maxLength: 300 }).map((b) => ({ label: 'bytes', bytes: Buffer.from(b), type: 'application/json' })),
  fc
    .tuple(
      fc.jsonValue(),
      fc.constantFrom(
        'text/plain',
        'application/json; charset=windows-1251',
        'application/x-www-form-urlencoded',
        'application/json; charset=utf-8',
      ),
    )
    .map(([v, type]) => ({ label: type, bytes: Buffer.from(JSON.stringify(v) ?? 'null'), type })),
);

let seq = 0;
describe('fuzz: every route, arbitrary bodies', () => {
  test('no 5xx, no document from a refused request, healthy afterwards', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...ROUTES), body, async ([method, path], b) => {
        const before = await t.lastDocNumber();
        // fetch sends no body with GET: those get the headers only.
        const a = await t.request(method, path, {
          ...(method === 'GET' ? {} : { raw: b.bytes as unknown as string }),
          headers: { 'content-type': b.type, 'idempotency-key': `fuzz-${++seq}` },
        });
        const what = `${method} ${path} ${b.label} ${b.bytes.toString('hex').slice(0, 120)}: ${a.status} ${a.text.slice(0, 200)}`;
        expect(a.status, what).toBeLessThan(500);
        if (a.status >= 400) {
          problemShape(a);
          expect(await t.lastDocNumber(), what).toBe(before);
        }
      }),
      { numRuns: RUNS, interruptAfterTimeLimit: 60_000 },
    );
    // Whatever the fuzz did (closed shifts, faults it could not set), the adapter still works.
    await t.put('/v1/_emulator/faults', {});
    const health = await t.get('/v1/health');
    expect(health.status, health.text).toBe(200);
    const r = await t.receipt('after-fuzz', sampleReceipt());
    expect(r.status, r.text).toBe(200);
  }, 120_000);
});
