import type { AdapterContext } from '../context.ts';
import { healthReport } from '../routes/health.ts';

/**
 * What the console shows, computed by the same function as GET /v1/health (which carries
 * /v1/kkt/status as `components.kkt` and /v1/kkt/buffer/status as `components.buffer`), plus what
 * the page needs to know about this adapter: whether the emulator's controls exist (mock mode),
 * and how long the open shift has left on the device's clock.
 */
export async function consoleState(ctx: AdapterContext) {
  const health = await healthReport(ctx);
  const kkt = health.components.kkt;
  const expires = kkt.shift.expires_at === null ? Number.NaN : Date.parse(kkt.shift.expires_at);
  const deviceNow = Date.parse(kkt.datetime);
  return {
    mode: ctx.emulator ? 'mock' : 'production',
    controls: {
      emulator: ctx.emulator !== undefined,
      ofd_faults: ctx.emulator?.ofd !== undefined,
      inspector: ctx.inspector !== undefined,
    },
    /** Seconds until the 24-hour limit, by the device's clock; null without an open shift. */
    shift_remaining_s:
      kkt.shift.state === 'opened' && Number.isFinite(expires) ? Math.max(0, (expires - deviceNow) / 1000) : null,
    health,
  };
}
