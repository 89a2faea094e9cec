import type { FastifyInstance, FastifyReply } from 'fastify';
import { loadPageAssets } from '../../inspect/page-assets.ts';
import type { SseClient } from '../../inspect/sse-client.ts';
import type { ConsoleFeed } from '../console/feed.ts';
import { sendProblem } from '../problem-reply.ts';

export interface ConsoleRoutesOptions {
  feed: ConsoleFeed;
}

/** Not API routes: kept out of the OpenAPI document. */
const HIDDEN = { schema: { hide: true } };

/**
 * The console (API.md "Console", docs/console.md): `GET /` (page), `GET /console/assets/<file>`
 * (its script and styles, from static/console: no CDN, works offline) and `GET /console/events`
 * (Server-Sent Events with the live state). Everything else the page does goes through the
 * /v1 routes, as any client's requests would.
 */
export async function consoleRoutes(app: FastifyInstance, options: ConsoleRoutesOptions): Promise<void> {
  const { feed } = options;
  const assets = await loadPageAssets('console');
  const streams = new Set<SseClient>();

  app.get('/', HIDDEN, async (_request, reply) => {
    reply.header('cache-control', 'no-cache').type('text/html; charset=utf-8');
    return assets.html;
  });

  app.get<{ Params: { name: string } }>('/console/assets/:name', HIDDEN, async (request, reply) => {
    const asset = assets.files.get(request.params.name);
    if (!asset) return notFound(reply, `no console asset "${request.params.name}"`);
    reply.header('cache-control', 'no-cache').type(asset.type);
    return asset.body;
  });

  // As /inspect/events: no HEAD route (it would open a stream that sends nothing); the token, when
  // one is set, comes in the page's SameSite=Strict cookie (EventSource cannot send a header).
  app.get('/console/events', { ...HIDDEN, exposeHeadRoute: false }, (_request, reply) => {
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.write('retry: 2000\n\n');
    const client = feed.addClient(res);
    streams.add(client);
    const gone = () => {
      streams.delete(client);
      feed.removeClient(client);
    };
    res.once('close', gone);
    res.once('error', gone);
  });

  app.addHook('preClose', async () => {
    for (const client of streams) feed.removeClient(client);
    streams.clear();
  });
}

function notFound(reply: FastifyReply, detail: string) {
  return sendProblem(reply, { status: 404, title: 'Not Found', detail, code: 'NOT_FOUND' });
}
