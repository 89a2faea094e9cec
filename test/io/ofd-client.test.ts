import { createServer } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { HttpClientError, OfdClient } from '../../src/io/http/ofd-client.ts';
import { MockOfdServer } from '../../src/mocks/mock-ofd.ts';
import { FnSim, payloadOf, receiptPayload } from '../mocks/ofd-fixtures.ts';

const ofd = new MockOfdServer();
let client: OfdClient;

beforeAll(async () => {
  client = new OfdClient({ baseUrl: await ofd.start(), timeoutMs: 2_000 });
});
afterAll(async () => {
  await client.close();
  await ofd.stop();
});
beforeEach(() => ofd.reset());

/** A port nothing listens on: bound by the OS, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address !== 'object') throw new Error('no port');
  return address.port;
}

describe('OfdClient against the mock ОФД', () => {
  it('sends a receipt and returns its ofd_id; a resend gets the same id', async () => {
    const p = receiptPayload();
    expect(await client.send(p)).toEqual({ ok: true, ofdId: 'OFD-000001' });
    expect(await client.send(p)).toEqual({ ok: true, ofdId: 'OFD-000001' });
    expect(ofd.receipts()).toEqual([p]);
    expect(ofd.duplicates).toBe(1);
  });

  it('sends other documents to /ofd/v1/document', async () => {
    const fn = new FnSim();
    const registration = payloadOf(fn.registration);
    const open = payloadOf(fn.openShift());
    expect(await client.send(registration)).toEqual({ ok: true, ofdId: 'OFD-000001' });
    expect(await client.send(open)).toEqual({ ok: true, ofdId: 'OFD-000002' });
    expect(ofd.documents()).toEqual([registration, open]);
    expect(ofd.documentCallCount).toBe(2);
    expect(ofd.callCount).toBe(0);
  });

  it('drains many documents concurrently over the pool', async () => {
    const fn = new FnSim();
    const payloads = Array.from({ length: 300 }, () => receiptPayload(fn));
    const results = await Promise.all(payloads.map((p) => client.send(p)));
    expect(results.every((r) => r.ok)).toBe(true);
    expect(new Set(results.map((r) => (r.ok ? r.ofdId : ''))).size).toBe(300);
    expect(ofd.receipts()).toHaveLength(300);
  });

  it('reports a 503 as a transient server error with the ОФД text', async () => {
    ofd.setFaults({ failure_count: 1 });
    const r = await client.send(receiptPayload());
    expect(r).toMatchObject({ ok: false, kind: 'transient', code: 'OFD_SERVER_ERROR', status: 503 });
    expect(!r.ok && r.reason).toMatch(/ОФД failed \(503\): service unavailable \(injected fault: failure_count/);
  });

  it('reports a 422 rejection as permanent', async () => {
    ofd.setFaults({ reject_count: 1 });
    const r = await client.send(receiptPayload());
    expect(r).toMatchObject({ ok: false, kind: 'permanent', code: 'OFD_REJECTED', status: 422 });
  });

  it('reports a malformed document (400) as permanent, naming the problems', async () => {
    const p = receiptPayload();
    const r = await client.send({ ...p, qr_code_data: p.qr_code_data!.replace(/fp=\d+/, 'fp=1') });
    expect(r).toMatchObject({ ok: false, kind: 'permanent', code: 'OFD_REJECTED', status: 400 });
    expect(!r.ok && r.reason).toMatch(/invalid document: qr_code_data: fp=1 does not match/);
  });

  it('times out a slow ОФД as transient OFD_TIMEOUT', async () => {
    const slow = new OfdClient({ baseUrl: ofd.url, timeoutMs: 60 });
    try {
      ofd.setFaults({ latency_ms: 250 });
      const t = performance.now();
      const r = await slow.send(receiptPayload());
      expect(r).toMatchObject({ ok: false, kind: 'transient', code: 'OFD_TIMEOUT' });
      expect(performance.now() - t).toBeGreaterThanOrEqual(50);
      // the pool recovers once the ОФД is fast again
      ofd.setFaults({});
      expect((await slow.send(receiptPayload())).ok).toBe(true);
    } finally {
      await slow.close();
    }
  });

  it('rejects with the caller abort reason, before and during a request', async () => {
    const before = new AbortController();
    before.abort(new Error('shutting down'));
    await expect(client.send(receiptPayload(), before.signal)).rejects.toThrow('shutting down');

    ofd.setFaults({ latency_ms: 300 });
    const during = new AbortController();
    const sent = client.send(receiptPayload(), during.signal);
    setTimeout(() => during.abort(new Error('stop now')), 30);
    await expect(sent).rejects.toThrow('stop now');
  });

  it('reports a refused connection as transient OFD_UNREACHABLE', async () => {
    const down = new OfdClient({ baseUrl: `http://127.0.0.1:${await closedPort()}`, timeoutMs: 1_000 });
    try {
      const r = await down.send(receiptPayload());
      expect(r).toMatchObject({ ok: false, kind: 'transient', code: 'OFD_UNREACHABLE' });
      expect(!r.ok && r.reason).toMatch(/ECONNREFUSED/);
      expect(r).not.toHaveProperty('status');
    } finally {
      await down.close();
    }
  });

  it('returns a value, not an exception, after close', async () => {
    const closed = new OfdClient({ baseUrl: ofd.url, timeoutMs: 1_000 });
    await closed.close();
    expect(await closed.send(receiptPayload())).toMatchObject({ ok: false, code: 'OFD_UNREACHABLE' });
  });

  it('refuses a base URL that is not http(s) with a coded error', () => {
    expect(() => new OfdClient({ baseUrl: 'not a url', timeoutMs: 1 })).toThrow(HttpClientError);
    expect(() => new OfdClient({ baseUrl: 'ftp://h/x', timeoutMs: 1 })).toThrow(
      expect.objectContaining({ code: 'INVALID_BASE_URL' }),
    );
  });
});

describe('OfdClient with a bearer token', () => {
  const secured = new MockOfdServer({ token: 'tok-1' });
  let url = '';
  beforeAll(async () => {
    url = await secured.start();
  });
  afterAll(() => secured.stop());

  it('sends Authorization: Bearer, and reports a refused token as transient', async () => {
    const good = new OfdClient({ baseUrl: url, token: 'tok-1', timeoutMs: 1_000 });
    const bad = new OfdClient({ baseUrl: url, token: 'tok-2', timeoutMs: 1_000 });
    const none = new OfdClient({ baseUrl: url, timeoutMs: 1_000 });
    try {
      expect(await good.send(receiptPayload())).toEqual({ ok: true, ofdId: 'OFD-000001' });
      for (const c of [bad, none]) {
        expect(await c.send(receiptPayload())).toMatchObject({
          ok: false,
          kind: 'transient',
          code: 'OFD_UNAUTHORIZED',
          status: 401,
        });
      }
    } finally {
      await Promise.all([good.close(), bad.close(), none.close()]);
    }
  });
});

describe('OfdClient against an ОФД behind a path prefix', () => {
  let app: FastifyInstance;
  let origin = '';
  const seen: { url: string; auth: string | undefined; body: unknown }[] = [];
  let answer: { status: number; body: string; type?: string } = { status: 200, body: '' };

  beforeAll(async () => {
    app = Fastify({ forceCloseConnections: 'idle' });
    app.all('/*', async (request, reply) => {
      seen.push({ url: request.url, auth: request.headers.authorization, body: request.body });
      return reply
        .code(answer.status)
        .type(answer.type ?? 'application/json')
        .send(answer.body);
    });
    origin = await app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(() => app.close());
  beforeEach(() => {
    seen.length = 0;
  });

  const send = async (baseUrl: string, payload = receiptPayload()) => {
    const c = new OfdClient({ baseUrl, token: 'abc', timeoutMs: 1_000 });
    try {
      return await c.send(payload);
    } finally {
      await c.close();
    }
  };

  it('posts under the prefix, with or without a trailing slash', async () => {
    answer = { status: 200, body: JSON.stringify({ status: 'accepted', ofd_id: 'X-1', timestamp: 1 }) };
    const p = receiptPayload();
    expect(await send(`${origin}/prefix`, p)).toEqual({ ok: true, ofdId: 'X-1' });
    expect(await send(`${origin}/a/b/`)).toEqual({ ok: true, ofdId: 'X-1' });
    const fn = new FnSim();
    expect(await send(origin, payloadOf(fn.registration))).toEqual({ ok: true, ofdId: 'X-1' });
    expect(seen.map((s) => s.url)).toEqual(['/prefix/ofd/v1/receipt', '/a/b/ofd/v1/receipt', '/ofd/v1/document']);
    expect(seen[0]!.auth).toBe('Bearer abc');
    expect(seen[0]!.body).toEqual(p);
  });

  it('classifies odd answers', async () => {
    answer = { status: 200, body: JSON.stringify({ status: 'accepted' }) };
    expect(await send(origin)).toMatchObject({ ok: false, kind: 'transient', code: 'OFD_BAD_ANSWER', status: 200 });
    answer = { status: 200, body: '<html>ok</html>', type: 'text/html' };
    expect(await send(origin)).toMatchObject({ ok: false, kind: 'transient', code: 'OFD_BAD_ANSWER' });
    answer = { status: 502, body: '<html>Bad Gateway</html>', type: 'text/html' };
    const gateway = await send(origin);
    expect(gateway).toMatchObject({ ok: false, kind: 'transient', code: 'OFD_SERVER_ERROR', status: 502 });
    expect(!gateway.ok && gateway.reason).toContain('<html>Bad Gateway</html>');
    answer = { status: 429, body: '{"error":"slow down"}' };
    expect(await send(origin)).toMatchObject({ kind: 'transient', code: 'OFD_SERVER_ERROR', status: 429 });
    answer = { status: 408, body: '' };
    expect(await send(origin)).toMatchObject({ kind: 'transient', code: 'OFD_SERVER_ERROR', status: 408 });
    answer = { status: 404, body: '{"error":"no such route"}' };
    expect(await send(origin)).toMatchObject({ kind: 'transient', code: 'OFD_NOT_FOUND', status: 404 });
    answer = { status: 409, body: '{"error":"conflict"}' };
    expect(await send(origin)).toMatchObject({ kind: 'permanent', code: 'OFD_REJECTED', status: 409 });
    answer = { status: 302, body: '' };
    expect(await send(origin)).toMatchObject({ kind: 'transient', code: 'OFD_BAD_ANSWER', status: 302 });
  });
});

describe('OfdClient pipelining', () => {
  /**
   * A raw HTTP/1.1 peer that answers nothing until `expect` requests are on its one connection,
   * then answers them all in order: a client that waits for each answer before writing the next
   * request (undici's default for a POST) never gets an answer and times out.
   */
  async function holdingPeer(expect: number) {
    const seen: string[] = [];
    let connections = 0;
    const server = createServer((socket) => {
      connections++;
      let data = '';
      socket.on('data', (chunk) => {
        data += chunk.toString('latin1');
        // Each request: headers, then a content-length body.
        for (;;) {
          const head = data.indexOf('\r\n\r\n');
          if (head < 0) break;
          const length = Number(/content-length: (\d+)/i.exec(data.slice(0, head))?.[1] ?? 0);
          if (data.length < head + 4 + length) break;
          const body = JSON.parse(data.slice(head + 4, head + 4 + length)) as { fiscal_doc_number: number };
          seen.push(String(body.fiscal_doc_number));
          data = data.slice(head + 4 + length);
        }
        if (seen.length === expect) {
          const answers = seen.map((n) => {
            const json = JSON.stringify({ ofd_id: `OFD-${n}` });
            return `HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${json.length}\r\n\r\n${json}`;
          });
          socket.write(answers.join(''));
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    if (address === null || typeof address !== 'object') throw new Error('no port');
    return { url: `http://127.0.0.1:${address.port}`, seen, connections: () => connections, server };
  }

  it('puts several calls on the one connection before any answer arrives', async () => {
    const peer = await holdingPeer(4);
    const pipelined = new OfdClient({ baseUrl: peer.url, timeoutMs: 1_500, pipelining: 4 });
    try {
      const fn = new FnSim();
      const payloads = Array.from({ length: 4 }, () => receiptPayload(fn));
      const results = await Promise.all(payloads.map((p) => pipelined.send(p)));
      expect(results).toEqual(payloads.map((p) => ({ ok: true, ofdId: `OFD-${p.fiscal_doc_number}` })));
      // In number order, on one connection.
      expect(peer.seen).toEqual(payloads.map((p) => String(p.fiscal_doc_number)));
      expect(peer.connections()).toBe(1);
    } finally {
      await pipelined.close();
      peer.server.close();
    }
  });
});
