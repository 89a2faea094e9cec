import type { FastifyInstance } from 'fastify';
import { localIsoWithOffset } from '../../fiscal/local-time.ts';
import type { AdapterContext } from '../context.ts';

export function bufferStatus(ctx: AdapterContext) {
  const counts = ctx.store.bufferCounts();
  const oldest = ctx.store.oldestPendingAt();
  const capacity = ctx.config.bufferMaxSize;
  return {
    capacity,
    pending: counts.pending,
    synced: counts.synced,
    failed: counts.failed,
    total_receipts: counts.pending + counts.synced + counts.failed,
    percent_full: Math.round((10000 * counts.pending) / capacity) / 100,
    oldest_pending_at: oldest === null ? null : localIsoWithOffset(oldest, ctx.timezone),
    // The ОФД link and its breaker arrive with the sync worker; until then nothing is known.
    network_status: 'unknown',
  };
}

export function bufferRoutes(app: FastifyInstance, ctx: AdapterContext) {
  app.get('/v1/kkt/buffer/status', { schema: { summary: 'Receipt buffer counts', tags: ['buffer'] } }, async () =>
    bufferStatus(ctx),
  );
}
