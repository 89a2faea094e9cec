import type { FastifyPluginAsync } from 'fastify';
import type { AdapterContext } from '../context.ts';
import { bufferView } from '../views.ts';

/** The buffer as GET /v1/kkt/buffer/status and health show it. */
export function bufferStatus(ctx: AdapterContext) {
  return bufferView(ctx.buffer.state(), ctx.sync?.networkStatus() ?? 'unknown', ctx.settings.timezone);
}

export const bufferRoutes: FastifyPluginAsync<{ ctx: AdapterContext }> = async (app, { ctx }) => {
  app.get('/v1/kkt/buffer/status', { schema: { summary: 'Receipt buffer counts', tags: ['buffer'] } }, async () =>
    bufferStatus(ctx),
  );
};
