import { afterEach, describe, expect, test } from 'vitest';
import { MockOfdServer } from '../../src/mocks/mock-ofd.ts';
import { type Json, problemShape, sampleReceipt, startTestAdapter, type TestAdapter } from '../helpers/adapter.ts';

const running: { close(): Promise<void> }[] = [];
async function start(env: Record<string, string> = {}): Promise<TestAdapter> {
  const t = await startTestAdapter(env);
  running.push(t);
  return t;
}
afterEach(async () => {
  await Promise.all(running.splice(0).map((t) => t.close()));
});

const TOKEN = 'console-token-0123456789';
const AUTH = { authorization: `Bearer ${TOKEN}` };
const COOKIE = { cookie: `kkt_api_token=${TOKEN}` };

/** One Server-Sent Events stream, read event by event. */
class SseStream {
  private readonly reader: ReadableStreamDefaultReader<Uint8Array>;
  private readonly decoder = new TextDecoder();
  private buffer = '';

  constructor(
    body: ReadableStream<Uint8Array>,
    private readonly abort: AbortController,
  ) {
    this.reader = body.getReader();
  }

  /** The next `event` whose data satisfies `check`; fails after `timeoutMs` (a bound, not a speed claim). */
  async next(event: string, check: (data: Json) => boolean = () => true, timeoutMs = 8000): Promise<Json> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      let end = this.buffer.indexOf('\n\n');
      while (end >= 0) {
        const block = this.buffer.slice(0, end);
        this.buffer = this.buffer.slice(end + 2);
        const name = /^event: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (name === event && data !== undefined) {
          const parsed = JSON.parse(data);
          if (check(parsed)) return parsed;
        }
        end = this.buffer.indexOf('\n\n');
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no "${event}" event as expected within ${timeoutMs} ms`);
      let timer: NodeJS.Timeout | undefined;
      const chunk = await Promise.race([
        this.reader.read(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no "${event}" event as expected`)), left);
        }),
      ]).finally(() => clearTimeout(timer));
      if (chunk.done) throw new Error('the stream ended');
      this.buffer += this.decoder.decode(chunk.value, { stream: true });
    }
  }

  close(): void {
    this.abort.abort();
  }
}

async function openStream(url: string, headers: Record<string, string> = {}): Promise<SseStream> {
  const abort = new AbortController();
  const res = await fetch(`${url}/console/events`, { headers, signal: abort.signal });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
  const stream = new SseStream(res.body as ReadableStream<Uint8Array>, abort);
  running.push({ close: async () => stream.close() });
  return stream;
}

describe('GET /console/events', () => {
  test("sends the health report's state at once, and again after a receipt", async () => {
    const t = await start();
    const stream = await openStream(t.url);
    const first = await stream.next('state');
    expect(first).toMatchObject({
      mode: 'mock',
      controls: { emulator: true, ofd_faults: false, inspector: true },
      shift_remaining_s: null,
      chart: expect.any(Array),
    });
    // The same report GET /v1/health answers (its device time aside, which the clock moves).
    const health = await t.get('/v1/health');
    expect(first.health.status).toBe(health.body.status);
    expect(Object.keys(first.health.components)).toEqual(Object.keys(health.body.components));
    expect(first.health.components.kkt.shift.state).toBe('closed');

    expect((await t.receipt('sse-1', sampleReceipt())).status).toBe(200);
    const after = await stream.next('state', (s) => s.health.components.kkt.shift.receipts === 1);
    expect(after.health.components.kkt.shift.state).toBe('opened');
    expect(after.health.components.buffer.pending).toBe(1);
    // The test clock is manual: a whole 24 hours are left.
    expect(after.shift_remaining_s).toBe(24 * 3600);
    expect(after.chart.reduce((n: number, m: { receipts: number }) => n + m.receipts, 0)).toBe(1);

    // A move of the clock through the emulator API is pushed too.
    expect((await t.post('/v1/_emulator/clock', { advance_seconds: 3600 })).status).toBe(200);
    const later = await stream.next('state', (s) => s.shift_remaining_s === 23 * 3600);
    expect(later.health.components.kkt.shift.state).toBe('opened');
  });

  test('has no HEAD route and is not in the OpenAPI document', async () => {
    const t = await start();
    expect((await t.request('HEAD', '/console/events')).status).toBe(404);
    const doc = await t.get('/docs/json');
    expect(Object.keys(doc.body.paths).filter((p) => p === '/' || p.startsWith('/console'))).toEqual([]);
  });

  test('in production mode: no controls, and the page is still served', async () => {
    const t = await start({ KKT_MODE: 'production' });
    expect((await t.get('/')).status).toBe(200);
    const stream = await openStream(t.url);
    const state = await stream.next('state');
    expect(state).toMatchObject({ mode: 'production', controls: { emulator: false, ofd_faults: false } });
  });
});

describe('the console with KKT_API_TOKEN', () => {
  test('the page and its assets are open; the stream needs the token, as a header or the page cookie', async () => {
    const t = await start({ KKT_API_TOKEN: TOKEN });
    for (const path of ['/', '/console/assets/console.js', '/console/assets/console.css'])
      expect((await t.get(path)).status, path).toBe(200);
    for (const headers of [{}, { cookie: 'kkt_api_token=wrong' }, { authorization: 'Bearer wrong' }] as Record<
      string,
      string
    >[]) {
      const a = await t.get('/console/events', headers);
      expect(a.status, JSON.stringify(headers)).toBe(401);
      expect(problemShape(a).code).toBe('UNAUTHORIZED');
    }
    await (await openStream(t.url, COOKIE)).next('state');
    await (await openStream(t.url, AUTH)).next('state');
    // The cookie opens only what a browser loads by itself: never a /v1 route.
    expect((await t.get('/v1/kkt/status', COOKIE)).status).toBe(401);
    expect((await t.put('/v1/_emulator/faults', { paper_out: true }, COOKIE)).status).toBe(401);
  });

  test("the inspector's send-event route needs the header: a cookie does not authorise a POST", async () => {
    const t = await start({ KKT_API_TOKEN: TOKEN });
    const path = '/inspect/machines/circuitBreaker/events';
    // No ОФД URL here, so no breaker: the header passes the guard and the route answers 409.
    expect((await t.post(path, { type: 'reset' }, COOKIE)).status).toBe(401);
    expect((await t.post(path, { type: 'reset' }, AUTH)).status).toBe(409);
  });
});

describe("the controls' routes outside mock mode", () => {
  test('the ОФД relay and sending events are 404 in production', async () => {
    const ofd = new MockOfdServer({ port: 0, host: '127.0.0.1' });
    const ofdUrl = await ofd.start();
    running.push({ close: () => ofd.stop() });
    const t = await start({ KKT_MODE: 'production', KKT_OFD_API_URL: ofdUrl });
    for (const [method, path, json] of [
      ['PUT', '/v1/_emulator/ofd/faults', { permanent_failure: true }],
      ['GET', '/v1/_emulator/ofd', undefined],
      ['POST', '/inspect/machines/kkt/events', { type: 'fault.set', faults: { paperOut: true } }],
      ['POST', '/inspect/machines/circuitBreaker/events', { type: 'reset' }],
    ] as const) {
      const a = await t.request(method, path, json === undefined ? {} : { json });
      expect(a.status, `${method} ${path}`).toBe(404);
    }
    expect(ofd.health().permanent_failure).toBe(false);
    expect((await t.get('/inspect/machines')).body.sending).toBe(false);
  });
});

describe('the mock ОФД through the adapter (mock mode)', () => {
  test('relays PUT faults to the mock ОФД, and its refusal as problem+json', async () => {
    const ofd = new MockOfdServer({ port: 0, host: '127.0.0.1' });
    const ofdUrl = await ofd.start();
    running.push({ close: () => ofd.stop() });
    const t = await start({ KKT_OFD_API_URL: ofdUrl });
    const set = await t.put('/v1/_emulator/ofd/faults', { permanent_failure: true, latency_ms: 5 });
    expect(set.status, set.text).toBe(200);
    expect(set.body).toMatchObject({ ofd_url: ofdUrl, faults: { permanent_failure: true, latency_ms: 5 } });
    expect(ofd.health().permanent_failure).toBe(true);
    const health = await t.get('/v1/_emulator/ofd');
    expect(health.body).toMatchObject({ ofd_url: ofdUrl, permanent_failure: true });
    const bad = await t.put('/v1/_emulator/ofd/faults', { failure_count: -1, surprise: true });
    expect(bad.status).toBe(400);
    expect(problemShape(bad).code).toBe('VALIDATION_FAILED');
    expect(bad.body.errors.length).toBe(2);
    expect(ofd.health().permanent_failure).toBe(true);
    expect((await t.put('/v1/_emulator/ofd/faults', {})).status).toBe(200);
    expect(ofd.health().permanent_failure).toBe(false);
    const stream = await openStream(t.url);
    expect((await stream.next('state')).controls.ofd_faults).toBe(true);
  });

  test('an ОФД that is not the mock, or is down, is a 502 problem', async () => {
    const t = await start({ KKT_OFD_API_URL: 'http://127.0.0.1:9' });
    const down = await t.put('/v1/_emulator/ofd/faults', {});
    expect(down.status).toBe(502);
    expect(problemShape(down).code).toBe('OFD_UNREACHABLE');
    // The adapter itself is an HTTP server without the mock's routes.
    const other = await start();
    const t2 = await start({ KKT_OFD_API_URL: other.url });
    const notMock = await t2.put('/v1/_emulator/ofd/faults', {});
    expect(notMock.status).toBe(502);
    expect(problemShape(notMock).code).toBe('OFD_NOT_MOCK');
  });
});

describe('POST /inspect/machines/<id>/events (mock mode)', () => {
  test("sends the device's and the breaker's documented events, and refuses every other with 400", async () => {
    const ofd = new MockOfdServer({ port: 0, host: '127.0.0.1' });
    const ofdUrl = await ofd.start();
    running.push({ close: () => ofd.stop() });
    const t = await start({ KKT_OFD_API_URL: ofdUrl });
    const send = (id: string, body: unknown) => t.post(`/inspect/machines/${id}/events`, body);

    const machines = await t.get('/inspect/machines');
    expect(machines.body.sending).toBe(true);
    const offered = Object.fromEntries(
      machines.body.machines.map((m: { id: string; events: { type: string }[] }) => [
        m.id,
        m.events.map((e) => e.type),
      ]),
    );
    expect(offered).toEqual({
      kkt: ['fault.set', 'fn.changed'],
      circuitBreaker: ['call.succeeded', 'call.failed', 'probe.start', 'probe.force', 'reset'],
      syncWorker: [],
      heartbeat: [],
    });

    const paper = await send('kkt', { type: 'fault.set', faults: { paperOut: true } });
    expect(paper.status, paper.text).toBe(200);
    expect(paper.body.actor.state).toContain('printer.fault.paperOut');
    expect((await t.get('/v1/kkt/status')).body.faults.paper_out).toBe(true);
    expect((await send('kkt', { type: 'fault.set', faults: { paperOut: false } })).status).toBe(200);
    expect((await send('kkt', { type: 'fn.changed' })).status).toBe(200);

    const failed = await send('circuitBreaker', { type: 'call.failed', reason: 'from the test' });
    expect(failed.status).toBe(200);
    expect((await t.get('/v1/health')).body.components.circuit_breaker.failure_count).toBe(1);
    expect((await send('circuitBreaker', { type: 'reset' })).status).toBe(200);
    expect((await t.get('/v1/health')).body.components.circuit_breaker.failure_count).toBe(0);

    const refused: [string, unknown, RegExp][] = [
      ['kkt', { type: 'job.submit', jobs: [{ id: 1, op: { kind: 'xReport' } }] }, /POST \/v1\/kkt\/receipt/],
      ['kkt', { type: 'paper.out' }, /not an event of kkt/],
      ['kkt', { type: 'xstate.init' }, /not an event of kkt/],
      ['kkt', { type: 'fault.set', faults: { paperOut: 'yes' } }, /paperOut: must be true or false/],
      ['kkt', { type: 'fault.set', faults: { jammed: true } }, /jammed/],
      ['kkt', { type: 'fault.set', faults: {} }, /paperOut and\/or coverOpen/],
      ['kkt', { type: 'fn.changed', fn: { lastNumber: 1 } }, /fn: is not a field/],
      ['kkt', { faults: {} }, /type/],
      ['kkt', [], /JSON object/],
      ['circuitBreaker', { type: 'call.failed', reason: '' }, /reason/],
      ['circuitBreaker', { type: 'reset', extra: 1 }, /extra/],
      ['syncWorker', { type: 'tick' }, /only the device's/],
    ];
    for (const [id, body, detail] of refused) {
      const a = await send(id, body);
      expect(a.status, JSON.stringify(body)).toBe(400);
      expect(problemShape(a).code).toBe('INVALID_EVENT');
      expect(a.body.detail).toMatch(detail);
    }
    expect((await send('nope', { type: 'reset' })).status).toBe(404);
    // Nothing refused changed the device.
    expect((await t.get('/v1/kkt/status')).body.state).toBe('ready');
  });
});

describe('GET /inspect/machines', () => {
  test("shows each actor's context as plain JSON", async () => {
    const t = await start();
    const machines = await t.get('/inspect/machines');
    const kkt = machines.body.machines.find((m: { id: string }) => m.id === 'kkt');
    expect(kkt.actor.context).toMatchObject({ faults: { paperOut: false, coverOpen: false }, queue: [] });
    expect(JSON.stringify(kkt.actor.context).length).toBeLessThan(200_000);
  });
});
