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
      const pass = sync.syncNow();
      // The answer waits at most KKT_SYNC_WAIT: a hanging ОФД must not hold the POS. The pass
      // goes on; the answer says what it did so far.
      let timer: ReturnType<typeof setTimeout> | undefined;
      const waited = new Promise<'waiting'>((resolve) => {
        timer = setTimeout(() => resolve('waiting'), ctx.settings.syncWaitMs ?? 5000);
      });
      const result = await Promise.race([pass, waited]).finally(() => clearTimeout(timer));
      reply.code(202);
      if (result === 'waiting') {
        pass.catch(() => undefined);
        const progress = sync.progress() ?? { synced: 0, failed: 0 };
        return {
          status: 'in_progress',
          synced: progress.synced,
          failed: progress.failed,
          skipped: ctx.buffer.state().pending,
          documents: 0,
          circuit_breaker: sync.breakerSnapshot().state,
          last_error: sync.snapshot().lastError?.message ?? null,
        };
      }
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

  app.post(
    '/v1/kkt/buffer/retry',
    {
      schema: {
        summary: 'Requeue failed receipts',
        description:
          'Moves every receipt the ОФД refused (`failed`) back to `pending` and wakes the sync worker; answers `{"requeued": n}`. For after the cause was fixed (a proxy that answered for the ОФД, a corrected registration). `kkt-emu requeue` calls it.',
        tags: ['buffer'],
      },
    },
    async () => ({ requeued: ctx.buffer.requeueFailed() }),
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
