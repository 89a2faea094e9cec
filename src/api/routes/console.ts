import type { FastifyInstance, FastifyReply } from 'fastify';
import { loadPageAssets } from '../../inspect/page-assets.ts';
import type { ConsoleFeed } from '../console/feed.ts';
import { sendProblem } from '../problem-reply.ts';
import { eventStreamRoute } from './event-stream.ts';

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

  // The token, when one is set, comes in the page's SameSite=Strict cookie (EventSource cannot send a header).
  eventStreamRoute(app, '/console/events', feed);
}

function notFound(reply: FastifyReply, detail: string) {
  return sendProblem(reply, { status: 404, title: 'Not Found', detail, code: 'NOT_FOUND' });
}
