import type { SwaggerOptions } from '@fastify/swagger';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest, type RouteOptions } from 'fastify';

/** Request and answer headers that describe one connection, not the document. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length', 'date', 'host']);

/** What @fastify/swagger reads of a route (lib/util/add-hook.js, lib/spec/openapi/utils.js). */
type RecordedRoute = Pick<RouteOptions, 'method' | 'url' | 'schema' | 'config'>;

/**
 * OpenAPI at /docs (JSON at /docs/json, YAML at /docs/yaml, the Swagger UI), made on the first
 * request for it. Registering @fastify/swagger and @fastify/swagger-ui loads yaml,
 * json-schema-resolver and @fastify/static: about 140 ms of the ~900 ms `kkt-emu up` took to
 * serve on a 2-core VM (bench/RESULTS.md), for a page few requests ever ask for.
 *
 * The adapter's routes are recorded as they are added (what @fastify/swagger's own onRoute hook
 * records) and replayed, with their schemas and without handlers, on a private Fastify instance
 * that has both plugins; /docs requests are answered from it through `inject`. The document is
 * the one the plugins made before; the adapter's guards (token, Host, cross-site) still run
 * first, since /docs are the adapter's own routes.
 */
export function installDocs(app: FastifyInstance, openapi: SwaggerOptions): void {
  const routes: RecordedRoute[] = [];
  app.addHook('onRoute', (route) => {
    if (route.url === '/docs' || route.url.startsWith('/docs/')) return;
    routes.push(route);
  });
  let docs: Promise<FastifyInstance> | undefined;
  const built = () => {
    docs ??= buildDocs(routes, openapi).catch((e: unknown) => {
      docs = undefined; // a failed build is tried again by the next request
      throw e;
    });
    return docs;
  };
  const forward = async (request: FastifyRequest, reply: FastifyReply) => {
    const inner = await built();
    const headers: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(request.headers))
      if (value !== undefined && !HOP_BY_HOP.has(name)) headers[name] = value;
    const answer = await inner.inject({ method: request.method as 'GET' | 'HEAD', url: request.url, headers });
    // The adapter's own problem+json for what the plugins do not serve or fail at.
    if (answer.statusCode === 404) return reply.callNotFound();
    if (answer.statusCode >= 400)
      throw Object.assign(new Error(`the OpenAPI page answered ${answer.statusCode}`), {
        statusCode: answer.statusCode,
      });
    reply.code(answer.statusCode);
    for (const [name, value] of Object.entries(answer.headers))
      if (value !== undefined && !HOP_BY_HOP.has(name)) reply.header(name, value);
    // A redirect has no body and no type: send none rather than an empty octet-stream.
    return reply.send(answer.rawPayload.length > 0 ? answer.rawPayload : undefined);
  };
  app.get('/docs', forward);
  app.get('/docs/*', forward);
  app.addHook('onClose', async () => {
    const inner = await docs?.catch(() => undefined);
    await inner?.close();
  });
}

async function buildDocs(routes: readonly RecordedRoute[], openapi: SwaggerOptions): Promise<FastifyInstance> {
  const [{ default: swagger }, { default: swaggerUi }] = await Promise.all([
    import('@fastify/swagger'),
    import('@fastify/swagger-ui'),
  ]);
  const inner = Fastify({ logger: false });
  // Only documented here, never validated or serialized: skip compiling the schemas.
  inner.setValidatorCompiler(() => () => true);
  inner.setSerializerCompiler(() => (data) => JSON.stringify(data));
  await inner.register(swagger, openapi);
  await inner.register(swaggerUi, { routePrefix: '/docs' });
  const noAnswer = async () => undefined;
  for (const r of routes) {
    inner.route({
      method: r.method,
      url: r.url,
      handler: noAnswer,
      // The adapter's automatic HEAD routes were recorded too: replayed as they are.
      exposeHeadRoute: false,
      ...(r.schema !== undefined ? { schema: r.schema } : {}),
      ...(r.config !== undefined ? { config: r.config } : {}),
    });
  }
  await inner.ready();
  return inner;
}
