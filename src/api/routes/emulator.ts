import type { FastifyPluginAsync } from 'fastify';
import { localIsoWithOffset } from '../../fiscal/local-time.ts';
import type { AdapterContext } from '../context.ts';
import { ClockSchema, FaultsSchema } from '../schemas.ts';
import { deviceStatusView } from '../views.ts';

/** Registered only in mock mode, so production answers 404 for all of these. */
export const emulatorRoutes: FastifyPluginAsync<{ ctx: AdapterContext }> = async (app, { ctx }) => {
  const emu = ctx.emulator;
  if (!emu) return;
  app.put<{ Body: { paper_out?: boolean; cover_open?: boolean } }>(
    '/v1/_emulator/faults',
    { schema: { summary: 'Set device faults', tags: ['emulator'], body: FaultsSchema } },
    async (request) => {
      const faults: { paperOut?: boolean; coverOpen?: boolean } = {};
      if (request.body.paper_out !== undefined) faults.paperOut = request.body.paper_out;
      if (request.body.cover_open !== undefined) faults.coverOpen = request.body.cover_open;
      await emu.setFaults(faults);
      return deviceStatusView(await ctx.driver.status());
    },
  );
  app.post<{ Body: { advance_seconds: number } }>(
    '/v1/_emulator/clock',
    { schema: { summary: 'Move the virtual clock forward', tags: ['emulator'], body: ClockSchema } },
    async (request) => {
      const now = await emu.advanceClock(request.body.advance_seconds * 1000);
      return {
        now: localIsoWithOffset(now, ctx.settings.timezone),
        device: deviceStatusView(await ctx.driver.status()),
      };
    },
  );
  app.post(
    '/v1/_emulator/reset',
    { schema: { summary: 'Fresh ФН and empty buffer', tags: ['emulator'] } },
    async () => {
      await emu.reset();
      return { status: 'reset', device: deviceStatusView(await ctx.driver.status()) };
    },
  );
};
