import type { FastifyInstance, FastifyReply } from 'fastify';
import { describeMachine } from '../../inspect/definition.ts';
import type { InspectionHub } from '../../inspect/hub.ts';
import { loadPageAssets } from '../../inspect/page-assets.ts';
import { canSendTo, prepareEvent, sendableEvents } from '../../inspect/sendable-events.ts';
import { machineSvg } from '../../inspect/svg.ts';
import { sendProblem } from '../problem-reply.ts';
import { eventStreamRoute } from './event-stream.ts';

export interface InspectRoutesOptions {
  hub: InspectionHub;
  /** Mock mode: the page may send the device's and the breaker's events (POST /inspect/machines/<id>/events). */
  send?: boolean;
  /** The clock of the events' own timestamps (`call.failed`'s `at`; default Date.now). */
  now?: () => number;
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

  const send = options.send === true;
  const now = options.now ?? Date.now;
  app.get('/inspect/machines', HIDDEN, async () => ({
    sending: send,
    machines: hub.machines().map((m) => ({ ...m, events: send ? sendableEvents(m.id) : [] })),
    stats: hub.stats(),
  }));

  // Absent outside mock mode, as the emulator's controls are (404).
  if (send)
    app.post<{ Params: { id: string }; Body: unknown }>(
      '/inspect/machines/:id/events',
      HIDDEN,
      async (request, reply) => {
        const id = request.params.id;
        const entry = hub.machine(id);
        if (!entry) return notFound(reply, `no machine "${id}"; see GET /inspect/machines`);
        if (!canSendTo(id))
          return badEvent(reply, [`only the device's (kkt) and the breaker's (circuitBreaker) events can be sent`]);
        const prepared = prepareEvent(id, describeMachine(entry.machine), request.body, now());
        if (!prepared.ok) return badEvent(reply, prepared.problems);
        if (!hub.send(id, prepared.build))
          return sendProblem(reply, {
            status: 409,
            title: 'No running actor',
            detail: `${id} has no running actor to receive the event`,
            code: 'NO_ACTOR',
          });
        return { sent: true, actor: hub.actor(id) };
      },
    );

  app.get<{ Params: { file: string } }>('/inspect/machines/:file', HIDDEN, async (request, reply) => {
    const file = request.params.file;
    const entry = file.endsWith('.svg') ? hub.machine(file.slice(0, -'.svg'.length)) : undefined;
    if (!entry) return notFound(reply, `no diagram "${file}"; see GET /inspect/machines`);
    const svg = await machineSvg(entry.machine);
    reply.header('cache-control', 'no-cache').type('image/svg+xml; charset=utf-8');
    return svg;
  });

  // The token, when one is set, comes in the page's SameSite=Strict cookie (EventSource cannot send a header).
  eventStreamRoute(app, '/inspect/events', hub);
}

function notFound(reply: FastifyReply, detail: string) {
  return sendProblem(reply, { status: 404, title: 'Not Found', detail, code: 'NOT_FOUND' });
}

function badEvent(reply: FastifyReply, problems: string[]) {
  return sendProblem(reply, {
    status: 400,
    title: 'Invalid event',
    detail: problems[0] ?? 'invalid event',
    code: 'INVALID_EVENT',
    errors: problems.map((message) => ({
      path: message.startsWith('/') ? (message.split(':')[0] as string) : '/',
      message,
    })),
  });
}
