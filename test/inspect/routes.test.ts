import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { createActor } from 'xstate';
import { buildApp } from '../../src/api/app.ts';
import type { AdapterContext } from '../../src/api/context.ts';
import { inspectRoutes } from '../../src/api/routes/inspect.ts';
import { InspectionHub } from '../../src/inspect/hub.ts';
import { parseSse, testCatalog, toggleMachine } from './fixtures.ts';

/** Reads an SSE response until `done` says the events so far are enough (bounded by a timeout). */
async function readEvents(
  body: ReadableStream<Uint8Array>,
  done: (events: { event: string; data: unknown }[]) => boolean,
  timeoutMs = 3000,
) {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  const deadline = Date.now() + timeoutMs;
  try {
    while (Date.now() < deadline) {
      const chunk = await Promise.race([
        reader.read(),
        new Promise<never>((_, reject) => setTimeout(() => reject(new Error('SSE read timed out')), timeoutMs)),
      ]);
      if (chunk.done) break;
      text += decoder.decode(chunk.value, { stream: true });
      const events = parseSse(text.slice(0, text.lastIndexOf('\n\n') + 2));
      if (done(events)) return { events, text };
    }
    throw new Error(`SSE stream did not deliver the expected events; got: ${text}`);
  } finally {
    await reader.cancel().catch(() => undefined);
  }
}

const until = async (check: () => boolean, timeoutMs = 2000) => {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe('inspector routes on a real fastify (127.0.0.1:0)', () => {
  let app: FastifyInstance | undefined;
  let hub: InspectionHub | undefined;

  afterEach(async () => {
    await app?.close();
    hub?.close();
    app = undefined;
    hub = undefined;
  });

  /**
   * `forceCloseConnections: true`: after an aborted streaming fetch, undici leaves a second,
   * never-used connection open that would hold `app.close()` for seconds.
   */
  async function start(forceCloseConnections: boolean | 'idle' = true): Promise<string> {
    hub = new InspectionHub({ catalog: testCatalog, flushIntervalMs: 5 });
    app = Fastify({ forceCloseConnections });
    await app.register(inspectRoutes, { hub });
    return app.listen({ host: '127.0.0.1', port: 0 });
  }

  it('serves the page and its local assets (no CDN)', async () => {
    const url = await start();
    const page = await fetch(`${url}/inspect`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    const html = await page.text();
    expect(html).toContain('<script type="module" src="/inspect/assets/inspector.js"></script>');
    expect(html).not.toMatch(/https?:\/\//);
    const js = await fetch(`${url}/inspect/assets/inspector.js`);
    expect(js.headers.get('content-type')).toContain('text/javascript');
    expect(await js.text()).toContain("new EventSource('/inspect/events')");
    const css = await fetch(`${url}/inspect/assets/inspector.css`);
    expect(css.headers.get('content-type')).toContain('text/css');
    // HEAD of the event stream would open a stream that sends nothing.
    expect((await fetch(`${url}/inspect/events`, { method: 'HEAD' })).status).toBe(404);
    const missing = await fetch(`${url}/inspect/assets/nope.js`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toContain('application/problem+json');
  });

  it('serves definitions with current states, and the diagrams', async () => {
    const url = await start();
    createActor(toggleMachine, { inspect: hub?.observe }).start().send({ type: 'flip' });
    const res = await fetch(`${url}/inspect/machines`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      machines: {
        id: string;
        svg: string;
        definition: { states: { id: string }[] };
        actor: { state: string } | null;
      }[];
    };
    expect(body.machines.map((m) => [m.id, m.svg, m.actor?.state ?? null])).toEqual([
      ['toggle', '/inspect/machines/toggle.svg', 'on'],
      ['regions', '/inspect/machines/regions.svg', null],
    ]);
    expect(body.machines[0]?.definition.states.map((s) => s.id)).toEqual(['toggle', 'toggle.off', 'toggle.on']);
    const svg = await fetch(`${url}${body.machines[0]?.svg}`);
    expect(svg.headers.get('content-type')).toContain('image/svg+xml');
    expect(await svg.text()).toContain('data-state-id="toggle.on"');
    expect((await fetch(`${url}/inspect/machines/nope.svg`)).status).toBe(404);
    expect((await fetch(`${url}/inspect/machines/toggle.png`)).status).toBe(404);
  });

  it('streams a snapshot, then updates, over SSE; a page that leaves is removed', async () => {
    const url = await start();
    const actor = createActor(toggleMachine, { inspect: hub?.observe }).start();
    const controller = new AbortController();
    const res = await fetch(`${url}/inspect/events`, { signal: controller.signal });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    await until(() => hub?.stats().clients === 1);
    actor.send({ type: 'flip' });
    const { events, text } = await readEvents(res.body as ReadableStream<Uint8Array>, (evs) =>
      evs.some((e) => e.event === 'state'),
    );
    expect(text.startsWith('retry: 2000\n\n')).toBe(true);
    expect(events[0]).toMatchObject({ event: 'snapshot', data: { states: [{ machine: 'toggle', state: 'off' }] } });
    expect(events.find((e) => e.event === 'state')?.data).toMatchObject([{ machine: 'toggle', state: 'on' }]);
    controller.abort();
    await until(() => hub?.stats().clients === 0);
  });

  it('closes with streams open: app.close() ends them instead of waiting forever', async () => {
    // As the adapter's app is configured: only idle connections are closed by fastify.
    const url = await start('idle');
    const res = await fetch(`${url}/inspect/events`);
    await until(() => hub?.stats().clients === 1);
    const reading = readEvents(res.body as ReadableStream<Uint8Array>, () => false, 5000).catch((e: Error) => e);
    const started = Date.now();
    await app?.close();
    app = undefined;
    expect(Date.now() - started).toBeLessThan(2000);
    expect(hub?.stats().clients).toBe(0);
    expect(String(await reading)).toContain('did not deliver');
  });

  it('buildApp registers the routes when the context carries an inspector', async () => {
    hub = new InspectionHub({ catalog: testCatalog });
    const settings = { timezone: 'Europe/Moscow' };
    app = await buildApp({ settings, inspector: hub } as unknown as AdapterContext);
    const res = await app.inject({ method: 'GET', url: '/inspect/machines' });
    expect(res.statusCode).toBe(200);
    expect(res.json().machines).toHaveLength(2);
    const without = await buildApp({ settings } as unknown as AdapterContext);
    expect((await without.inject({ method: 'GET', url: '/inspect' })).statusCode).toBe(404);
    await without.close();
  });
});
