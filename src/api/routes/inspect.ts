import type { FastifyInstance, FastifyReply } from 'fastify';
import type { InspectionHub } from '../../inspect/hub.ts';
import { loadPageAssets } from '../../inspect/page-assets.ts';
import type { SseClient } from '../../inspect/sse-client.ts';
import { machineSvg } from '../../inspect/svg.ts';
import { sendProblem } from '../problem-reply.ts';

export interface InspectRoutesOptions {
  hub: InspectionHub;
}

/** Not API routes: kept out of the OpenAPI document. */
const HIDDEN = { schema: { hide: true } };

/**
 * The live statechart inspector (API.md, "Inspector"): `GET /inspect` (page), `GET
 * /inspect/machines` (definitions and current states), `GET /inspect/machines/<id>.svg`
 * (diagrams) and `GET /inspect/events` (Server-Sent Events). Everything is served from this
 * process: no CDN, works offline. Register with `app.register(inspectRoutes, { hub })`.
 */
export async function inspectRoutes(app: FastifyInstance, options: InspectRoutesOptions): Promise<void> {
  const { hub } = options;
  const assets = await loadPageAssets();
  const streams = new Set<SseClient>();

  app.get('/inspect', HIDDEN, async (_request, reply) => {
    reply.header('cache-control', 'no-cache').type('text/html; charset=utf-8');
    return assets.html;
  });

  app.get<{ Params: { name: string } }>('/inspect/assets/:name', HIDDEN, async (request, reply) => {
    const asset = assets.files.get(request.params.name);
    if (!asset) return notFound(reply, `no inspector asset "${request.params.name}"`);
    reply.header('cache-control', 'no-cache').type(asset.type);
    return asset.body;
  });

  app.get('/inspect/machines', HIDDEN, async () => ({ machines: hub.machines(), stats: hub.stats() }));

  app.get<{ Params: { file: string } }>('/inspect/machines/:file', HIDDEN, async (request, reply) => {
    const file = request.params.file;
    const entry = file.endsWith('.svg') ? hub.machine(file.slice(0, -'.svg'.length)) : undefined;
    if (!entry) return notFound(reply, `no diagram "${file}"; see GET /inspect/machines`);
    const svg = await machineSvg(entry.machine);
    reply.header('cache-control', 'no-cache').type('image/svg+xml; charset=utf-8');
    return svg;
  });

  // No automatic HEAD route: a HEAD request would otherwise open a stream that sends nothing.
  app.get('/inspect/events', { ...HIDDEN, exposeHeadRoute: false }, (_request, reply) => {
    // The stream is written by the hub through a bounded queue, outside fastify's reply cycle.
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    // The browser reconnects after 2 s if the stream ends (e.g. an adapter restart).
    res.write('retry: 2000\n\n');
    const client = hub.addClient(res);
    streams.add(client);
    const gone = () => {
      streams.delete(client);
      hub.removeClient(client);
    };
    // 'close' on the response: the browser left or the socket failed (the request's own
    // 'close' only means its body was read).
    res.once('close', gone);
    res.once('error', gone);
  });

  // Open streams would keep `app.close()` waiting forever: end them first.
  app.addHook('preClose', async () => {
    for (const client of streams) hub.removeClient(client);
    streams.clear();
  });
}

function notFound(reply: FastifyReply, detail: string) {
  return sendProblem(reply, { status: 404, title: 'Not Found', detail, code: 'NOT_FOUND' });
}
