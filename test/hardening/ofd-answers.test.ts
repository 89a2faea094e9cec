import { execFile } from 'node:child_process';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { afterEach, describe, expect, test } from 'vitest';
import { OfdClient } from '../../src/io/http/ofd-client.ts';
import { startTestAdapter, type TestAdapter } from '../helpers/adapter.ts';
import { REPO_ROOT } from '../helpers/adapter-child.ts';
import { sampleReceipt } from '../helpers/sample-receipt.ts';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;
const servers: Server[] = [];
const adapters: TestAdapter[] = [];
afterEach(async () => {
  await Promise.all(adapters.splice(0).map((a) => a.close()));
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

/** A stand-in for the ОФД (or a proxy in front of it) answering whatever `handler` says. */
async function fakeOfd(handler: { current: Handler }): Promise<string> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => handler.current(req, res));
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address();
  return `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
}

const answer =
  (status: number, body: string, headers: Record<string, string> = {}): Handler =>
  (_req, res) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(body);
  };

describe('the ОФД answer is bounded', () => {
  test('a 300 MB answer: the client reads a few KB, memory stays flat, and it is a transient failure', async () => {
    const TOTAL = 300 * 1024 * 1024;
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    let sent = 0;
    const url = await fakeOfd({
      current: (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        // Generated as a stream, never held: written while the socket takes it.
        const pump = () => {
          while (sent < TOTAL) {
            sent += chunk.length;
            if (!res.write(chunk)) return void res.once('drain', pump);
          }
          res.end();
        };
        res.on('error', () => undefined);
        pump();
      },
    });
    const out = await new Promise<string>((resolve, reject) =>
      execFile(
        process.execPath,
        ['--import', 'tsx', 'test/helpers/ofd-answer-child.ts', url],
        { cwd: REPO_ROOT, env: { ...process.env, NODE_OPTIONS: '' }, timeout: 25_000 },
        (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout)),
      ),
    );
    const r = JSON.parse(out) as {
      result: { ok: boolean; kind: string; code: string };
      rssBefore: number;
      rssPeak: number;
    };
    expect(r.result).toMatchObject({ ok: false, kind: 'transient', code: 'OFD_BAD_ANSWER' });
    expect(r.rssPeak - r.rssBefore, 'RSS growth while reading the answer').toBeLessThan(40 * 1024 * 1024);
    expect(sent, 'the server was cut off long before 300 MB').toBeLessThan(TOTAL);
  });

  test('a declared Content-Length above the bound is refused without reading', async () => {
    // A success that would be believed, were it read: padded past the bound.
    const url = await fakeOfd({
      current: answer(200, JSON.stringify({ status: 'accepted', ofd_id: 'OFD-1', pad: 'x'.repeat(20_000) })),
    });
    const client = new OfdClient({ baseUrl: url, timeoutMs: 5000 });
    try {
      expect(await client.send({ fn_number: '1', fiscal_doc_number: 1 } as never)).toMatchObject({
        ok: false,
        kind: 'transient',
        code: 'OFD_BAD_ANSWER',
      });
    } finally {
      await client.close();
    }
  });
});

describe('only the ОФД verdict fails a receipt', () => {
  test('a proxy 400 page, 413, 429 and a bodiless 4xx leave it pending; a JSON verdict fails it; requeue sends it again', async () => {
    const handler: { current: Handler } = { current: answer(200, '{}') };
    const url = await fakeOfd(handler);
    const t = await startTestAdapter({
      KKT_OFD_API_URL: url,
      KKT_HLC_SYNC_INTERVAL: '600',
      KKT_OFD_RETRY_ATTEMPTS: '1',
    });
    adapters.push(t);
    const printed = await t.receipt('verdict-1', sampleReceipt());
    expect(printed.status).toBe(200);
    const id = printed.body.receipt_id;
    const status = async () => (await t.get(`/v1/kkt/receipt/${id}`)).body.sync_status;

    const transient: Handler[] = [
      answer(400, '<html><body><h1>400 Bad Request</h1>nginx</body></html>', { 'content-type': 'text/html' }),
      answer(413, '<html>413 Request Entity Too Large</html>', { 'content-type': 'text/html' }),
      answer(429, '{"error":"slow down"}', { 'retry-after': '0' }),
      answer(422, ''),
      answer(400, '{"message":"bad gateway config"}'),
    ];
    for (const h of transient) {
      handler.current = h;
      const s = await t.post('/v1/kkt/buffer/sync');
      expect(s.status).toBe(202);
      expect(await status(), String(h)).toBe('pending');
      // The breaker must not stay open for the next case.
      t.running.sync?.breaker.reset();
    }
    handler.current = answer(422, '{"error":"receipt refused: invalid INN"}');
    await t.post('/v1/kkt/buffer/sync');
    const failed = (await t.get(`/v1/kkt/receipt/${id}`)).body;
    expect(failed.sync_status).toBe('failed');

    handler.current = answer(200, '{"status":"accepted","ofd_id":"OFD-42"}');
    const requeued = await t.post('/v1/kkt/buffer/retry');
    expect(requeued.status).toBe(200);
    expect(requeued.body).toEqual({ requeued: 1 });
    await t.post('/v1/kkt/buffer/sync');
    const synced = (await t.get(`/v1/kkt/receipt/${id}`)).body;
    expect(synced.sync_status).toBe('synced');
    expect(synced.ofd_id).toBe('OFD-42');
    expect((await t.post('/v1/kkt/buffer/retry')).body).toEqual({ requeued: 0 });
    const openapi = await t.get('/docs/json');
    expect(openapi.body.paths['/v1/kkt/buffer/retry']).toBeDefined();
  });

  test('a manual sync answers within KKT_SYNC_WAIT while the ОФД hangs; the pass goes on', async () => {
    const url = await fakeOfd({ current: () => undefined });
    const t = await startTestAdapter({
      KKT_OFD_API_URL: url,
      KKT_HLC_SYNC_INTERVAL: '600',
      KKT_OFD_TIMEOUT: '30',
      KKT_SYNC_WAIT: '0.3',
    });
    adapters.push(t);
    expect((await t.receipt('hang-1', sampleReceipt())).status).toBe(200);
    const s = await t.post('/v1/kkt/buffer/sync');
    expect(s.status).toBe(202);
    expect(s.body).toMatchObject({ status: 'in_progress', synced: 0, failed: 0, skipped: 1 });
    expect((await t.get('/v1/kkt/worker/status')).body.state).toBe('syncing');
  });
});
