import type { FastifyInstance } from 'fastify';
import type { SseClient, SseSink } from '../../inspect/sse-client.ts';

/** What feeds a Server-Sent Events stream: the inspector's hub, the console's feed. */
interface StreamSource {
  addClient(sink: SseSink): SseClient;
  removeClient(client: SseClient): void;
}

/**
 * `GET path` as a Server-Sent Events stream written by `source` through its own bounded queue,
 * outside fastify's reply cycle. No HEAD route (it would open a stream that sends nothing); the
 * browser reconnects after 2 s if the stream ends (an adapter restart); open streams are ended
 * before `app.close()`, which would otherwise wait for them forever.
 */
export function eventStreamRoute(app: FastifyInstance, path: string, source: StreamSource): void {
  const streams = new Set<SseClient>();
  app.get(path, { schema: { hide: true }, exposeHeadRoute: false }, (_request, reply) => {
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.write('retry: 2000\n\n');
    const client = source.addClient(res);
    streams.add(client);
    const gone = () => {
      streams.delete(client);
      source.removeClient(client);
    };
    // 'close' on the response: the browser left or the socket failed (the request's own
    // 'close' only means its body was read).
    res.once('close', gone);
    res.once('error', gone);
  });
  app.addHook('preClose', async () => {
    for (const client of streams) source.removeClient(client);
    streams.clear();
  });
}
