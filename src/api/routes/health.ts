import type { FastifyPluginAsync } from 'fastify';
import { localIsoWithOffset } from '../../fiscal/local-time.ts';
import type { AdapterContext } from '../context.ts';
import { breakerView, bufferView, deviceStatusView, heartbeatView, syncView } from '../views.ts';

const DAY_MS = 24 * 60 * 60 * 1000;

function ofdComponent(ctx: AdapterContext) {
  if (!ctx.sync) return { url: null, status: 'unknown', worker: 'disabled' };
  const worker = syncView(ctx.sync.snapshot(), ctx.settings.timezone);
  return {
    url: ctx.settings.ofdUrl ?? null,
    status: ctx.sync.networkStatus(),
    worker: worker.state,
    last_success_at: worker.last_success_at,
    last_error: worker.last_error,
  };
}

/**
 * The health report of GET /v1/health, as one function: the console's live feed shows exactly
 * what the route answers (one set of rules).
 */
export async function healthReport(ctx: AdapterContext) {
  const tz = ctx.settings.timezone;
  const device = await ctx.driver.status();
  const bufferState = ctx.buffer.state();
  const buffer = bufferView(bufferState, ctx.sync?.networkStatus() ?? 'unknown', tz);
  const warnings: string[] = [];
  if (device.fn.validUntil - device.now < 30 * DAY_MS) warnings.push('ФН keys expire within 30 days');
  if (device.fn.lastFiscalDocNumber > 0.9 * device.fn.capacity) warnings.push('ФН memory is over 90 % full');
  if (device.fn.oldestUnsentAt !== null && device.now - device.fn.oldestUnsentAt > 2 * DAY_MS)
    warnings.push('the oldest unsent document is older than 2 days');
  if (device.faults.paperOut) warnings.push('the printer is out of paper');
  if (device.faults.coverOpen) warnings.push('the printer cover is open');
  const atBlock = bufferState.blocked;
  const pastAlert = bufferState.alert;
  const breaker = ctx.sync ? breakerView(ctx.sync.breakerSnapshot(), tz) : null;
  const heartbeat = ctx.heartbeat ? heartbeatView(ctx.heartbeat.snapshot(), tz) : null;
  const atol = ctx.atol ? { url: ctx.atol.url, ...ctx.atol.snapshot() } : null;
  if (atol?.blocked) warnings.push(`the ATOL queue is blocked on request ${atol.blockedUuid}`);
  const linkTrouble = (breaker !== null && breaker.state !== 'CLOSED') || heartbeat?.state === 'offline';
  const storage = ctx.storage?.snapshot();
  const storageFailing = storage?.status === 'failing';
  const status =
    device.state === 'blocked' || atBlock || storageFailing
      ? 'unhealthy'
      : pastAlert || linkTrouble || warnings.length > 0
        ? 'degraded'
        : 'healthy';
  return {
    status,
    warnings,
    components: {
      kkt: deviceStatusView(device),
      circuit_breaker: breaker ?? { state: 'CLOSED', failure_count: 0, enabled: false },
      buffer: { ...buffer, alert: pastAlert, blocked: atBlock },
      ofd: ofdComponent(ctx),
      heartbeat: heartbeat ?? { state: 'disabled' },
      storage: storage
        ? {
            status: storage.status,
            cause: storage.cause,
            detail: storage.detail,
            since: storage.since === null ? null : localIsoWithOffset(storage.since, tz),
            failures: storage.failures,
          }
        : { status: 'ok', cause: null, detail: null, since: null, failures: 0 },
      ...(atol
        ? {
            atol: {
              url: atol.url,
              status: atol.blocked ? 'blocked' : 'listening',
              waiting: atol.waiting,
              blocked_uuid: atol.blockedUuid,
            },
          }
        : {}),
    },
  };
}

export const healthRoutes: FastifyPluginAsync<{ ctx: AdapterContext }> = async (app, { ctx }) => {
  app.get('/v1/health', { schema: { summary: 'Adapter health', tags: ['health'] } }, async (_request, reply) => {
    const report = await healthReport(ctx);
    reply.code(report.status === 'unhealthy' ? 503 : 200);
    return report;
  });
};
