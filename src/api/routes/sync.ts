import type { FastifyPluginAsync } from 'fastify';
import type { AdapterContext } from '../context.ts';
import { sendProblem } from '../problem-reply.ts';
import { breakerView, syncView } from '../views.ts';

const NOT_CONFIGURED = {
  status: 503,
  title: 'ОФД not configured',
  detail: 'this adapter has no ОФД to sync with; set KKT_OFD_API_URL (kkt-emu up starts a mock ОФД itself)',
  code: 'OFD_NOT_CONFIGURED',
} as const;

export const syncRoutes: FastifyPluginAsync<{ ctx: AdapterContext }> = async (app, { ctx }) => {
  const tz = ctx.settings.timezone;
  app.post(
    '/v1/kkt/buffer/sync',
    {
      schema: {
        summary: 'Run one sync pass now',
        description:
          'Answers 202 after one pass: `synced` and `failed` count receipts the ОФД accepted or rejected in it, `skipped` the receipts still pending. While the breaker is open, this pass is the half-open probe.',
        tags: ['buffer'],
      },
    },
    async (_request, reply) => {
      const sync = ctx.sync;
      if (!sync) return sendProblem(reply, NOT_CONFIGURED);
      const result = await sync.syncNow();
      reply.code(202);
      return {
        status: result.breakerOpen ? 'breaker_open' : result.errors > 0 ? 'partial' : 'completed',
        synced: result.synced,
        failed: result.failed,
        skipped: result.skipped,
        documents: result.documents,
        circuit_breaker: sync.breakerSnapshot().state,
        last_error: result.lastError,
      };
    },
  );

  app.get('/v1/kkt/worker/status', { schema: { summary: 'Sync worker state', tags: ['buffer'] } }, async () => {
    const sync = ctx.sync;
    if (!sync) return { state: 'disabled', reason: 'KKT_OFD_API_URL is not set', circuit_breaker: null };
    return {
      ...syncView(sync.snapshot(), tz),
      ofd_url: ctx.settings.ofdUrl ?? null,
      circuit_breaker: breakerView(sync.breakerSnapshot(), tz),
    };
  });
};
