import type { FastifyInstance } from 'fastify';
import { localIsoWithOffset } from '../../fiscal/local-time.ts';
import type { AdapterContext } from '../context.ts';
import { networkStatus } from './sync.ts';

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
    network_status: networkStatus(ctx),
  };
}

export function bufferRoutes(app: FastifyInstance, ctx: AdapterContext) {
  app.get('/v1/kkt/buffer/status', { schema: { summary: 'Receipt buffer counts', tags: ['buffer'] } }, async () =>
    bufferStatus(ctx),
  );
}
