import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { ActivityRing } from './console/activity.ts';
import { ConsoleFeed } from './console/feed.ts';
import { consoleState } from './console/state.ts';
import type { AdapterContext } from './context.ts';
import { installDocs } from './docs.ts';
import { installGuards } from './http-guards.ts';
import { installJsonBody } from './json-body.ts';
import { clientErrorHandler, frameworkErrors, installProblemHandlers } from './problem-reply.ts';
import { bufferRoutes } from './routes/buffer.ts';
import { cashRoutes } from './routes/cash.ts';
import { consoleRoutes } from './routes/console.ts';
import { deviceRoutes } from './routes/device.ts';
import { documentRoutes } from './routes/documents.ts';
import { emulatorRoutes } from './routes/emulator.ts';
import { healthRoutes } from './routes/health.ts';
import { inspectRoutes } from './routes/inspect.ts';
import { receiptRoutes } from './routes/receipts.ts';
import { slipRoutes } from './routes/slips.ts';
import { syncRoutes } from './routes/sync.ts';
import { strictValidatorCompiler } from './strict-validator.ts';

export const BODY_LIMIT = 256 * 1024;

export interface AppOptions {
  logger?: FastifyBaseLogger | boolean | { level: string; stream?: NodeJS.WritableStream };
  /** Seconds to receive a whole request, and its headers (KKT_HTTP_REQUEST_TIMEOUT, KKT_HTTP_HEADERS_TIMEOUT). */
  requestTimeoutS?: number;
  headersTimeoutS?: number;
  /** Open connections at once (KKT_HTTP_MAX_CONNECTIONS). */
  maxConnections?: number;
  /** Reports a 5xx's cause (rate-limited by the caller). */
  onInternalError?: (error: unknown) => void;
}

/** How long a shutdown lets open requests finish before it closes every connection. */
export const SHUTDOWN_GRACE_MS = 3000;

/** The adapter's HTTP face: routes of API.md, problem+json errors, OpenAPI at /docs. */
export async function buildApp(ctx: AdapterContext, options: AppOptions = {}): Promise<FastifyInstance> {
  const requestMs = (options.requestTimeoutS ?? 30) * 1000;
  const headersMs = Math.min(requestMs, (options.headersTimeoutS ?? 10) * 1000);
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: BODY_LIMIT,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    // A client sending a byte every few seconds is cut off: the whole request within requestMs.
    requestTimeout: requestMs,
    // Node checks those deadlines on this interval (30 s by default).
    http: { headersTimeout: headersMs, connectionsCheckingInterval: Math.min(1000, headersMs) },
    clientErrorHandler,
    frameworkErrors,
  });
  app.server.maxConnections = options.maxConnections ?? 256;
  installProblemHandlers(app, options.onInternalError ? { onInternalError: options.onInternalError } : {});
  // Shutdown ends idle connections at once and every other one after a grace period, so a
  // stalled client cannot hold SIGTERM.
  app.addHook('preClose', (done) => {
    const force = setTimeout(() => app.server.closeAllConnections(), SHUTDOWN_GRACE_MS);
    force.unref();
    app.server.once('close', () => clearTimeout(force));
    done();
  });
  app.setValidatorCompiler(strictValidatorCompiler);
  // Strict UTF-8 JSON is the only body type (an empty one is an absent body: what many generic
  // HTTP helpers send for /v1/kkt/shift/open).
  installJsonBody(app);
  installGuards(app, {
    httpHost: ctx.settings.httpHost ?? '127.0.0.1',
    allowedHosts: ctx.settings.allowedHosts ?? [],
    allowedOrigins: ctx.settings.allowedOrigins ?? [],
    ...(ctx.settings.apiToken ? { apiToken: ctx.settings.apiToken } : {}),
  });
  installDocs(app, {
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

  for (const routes of [
    receiptRoutes,
    cashRoutes,
    documentRoutes,
    slipRoutes,
    deviceRoutes,
    bufferRoutes,
    syncRoutes,
    healthRoutes,
    emulatorRoutes,
  ])
    await app.register(routes, { ctx });
  if (ctx.inspector) await app.register(inspectRoutes, { hub: ctx.inspector, send: ctx.emulator !== undefined });
  await installConsole(app, ctx);
  return app;
}

/** The console at `/` and its live feed, which every state-changing /v1 request pokes. */
async function installConsole(app: FastifyInstance, ctx: AdapterContext): Promise<void> {
  const feed = new ConsoleFeed({
    compute: () => consoleState(ctx),
    counts: () => {
      const b = ctx.buffer.state();
      return { total: b.pending + b.synced + b.failed, pending: b.pending };
    },
    ring: new ActivityRing(),
    onError: (err) => app.log.warn({ err }, 'console feed error (ignored)'),
  });
  app.addHook('onResponse', async (request) => {
    if (request.method !== 'GET' && request.method !== 'HEAD' && request.url.startsWith('/v1/')) feed.poke();
  });
  app.addHook('onClose', async () => feed.close());
  await app.register(consoleRoutes, { feed });
}
