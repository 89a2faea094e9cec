import { timingSafeEqual } from 'node:crypto';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyRequest } from 'fastify';
import type { AdapterContext } from './context.ts';
import { installProblemHandlers, sendProblem } from './problem-reply.ts';
import { bufferRoutes } from './routes/buffer.ts';
import { cashRoutes } from './routes/cash.ts';
import { deviceRoutes } from './routes/device.ts';
import { documentRoutes } from './routes/documents.ts';
import { emulatorRoutes } from './routes/emulator.ts';
import { healthRoutes } from './routes/health.ts';
import { inspectRoutes } from './routes/inspect.ts';
import { receiptRoutes } from './routes/receipts.ts';
import { syncRoutes } from './routes/sync.ts';
import { strictValidatorCompiler } from './strict-validator.ts';

export const BODY_LIMIT = 256 * 1024;

export interface AppOptions {
  logger?: FastifyBaseLogger | boolean | { level: string; stream?: NodeJS.WritableStream };
}

/**
 * The path a request is routed by: the matched route's pattern, else the percent-decoded path.
 * The router decodes `%76` to `v`, so checking the raw `request.url` would let `/%761/kkt/...`
 * reach a `/v1/` route without a token.
 */
function routedPath(request: FastifyRequest): string {
  const route = request.routeOptions.url;
  if (route) return route;
  const path = request.url.split('?')[0] ?? '';
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

function tokenMatches(header: string | undefined, token: string): boolean {
  if (!header?.startsWith('Bearer ')) return false;
  const given = Buffer.from(header.slice(7));
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** The adapter's HTTP face: routes of API.md, problem+json errors, OpenAPI at /docs. */
export async function buildApp(ctx: AdapterContext, options: AppOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: BODY_LIMIT,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
  });
  installProblemHandlers(app);
  app.setValidatorCompiler(strictValidatorCompiler);
  // A POST without a body but with `Content-Type: application/json` (what many generic HTTP
  // helpers send for /v1/kkt/shift/open) is an absent body, not a malformed one.
  const jsonParser = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (typeof body === 'string' && body.trim() === '') return done(null, undefined);
    return jsonParser(request, body as string, done);
  });
  await app.register(swagger, {
    openapi: {
      info: {
        title: 'kkt-emu adapter',
        version: '0.1.0',
        description: 'Fiscal adapter for Russian online cash registers (54-ФЗ). Errors are RFC 9457 problem+json.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      ...(ctx.settings.apiToken ? { security: [{ bearer: [] }] } : {}),
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  const token = ctx.settings.apiToken;
  if (token) {
    app.addHook('onRequest', async (request, reply) => {
      if (!routedPath(request).startsWith('/v1/')) return;
      if (tokenMatches(request.headers.authorization, token)) return;
      reply.header('WWW-Authenticate', 'Bearer realm="kkt-emu"');
      return sendProblem(reply, {
        status: 401,
        title: 'Unauthorized',
        detail: 'this adapter needs Authorization: Bearer <KKT_API_TOKEN>',
        code: 'UNAUTHORIZED',
      });
    });
  }

  for (const routes of [
    receiptRoutes,
    cashRoutes,
    documentRoutes,
    deviceRoutes,
    bufferRoutes,
    syncRoutes,
    healthRoutes,
    emulatorRoutes,
  ])
    await app.register(routes, { ctx });
  if (ctx.inspector) await app.register(inspectRoutes, { hub: ctx.inspector });
  return app;
}
