import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { localIsoWithOffset } from '../../fiscal/local-time.ts';
import type { AdapterContext, RelayedAnswer } from '../context.ts';
import { sendProblem } from '../problem-reply.ts';
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
  const ofd = emu.ofd;
  if (ofd) {
    app.get(
      '/v1/_emulator/ofd',
      { schema: { summary: 'The mock ОФД: its URL and health', tags: ['emulator'] } },
      (_r, reply) => ofd.health().then((answer) => relay(reply, ofd.url, answer)),
    );
    app.put<{ Body: unknown }>(
      '/v1/_emulator/ofd/faults',
      {
        schema: {
          summary: "Set the mock ОФД's faults (relayed to its PUT /ofd/v1/_test/faults)",
          description:
            'Body as the mock ОФД takes it: failure_count, permanent_failure, latency_ms, fail_every_n, ' +
            'reject_count, accept_invalid; omitted fields reset (so {} = all succeed). The mock checks the body.',
          tags: ['emulator'],
          body: Type.Object({}, { additionalProperties: true }),
        },
      },
      (request, reply) => ofd.setFaults(request.body).then((answer) => relay(reply, ofd.url, answer)),
    );
  }
  app.post(
    '/v1/_emulator/reset',
    { schema: { summary: 'Fresh ФН and empty buffer', tags: ['emulator'] } },
    async () => {
      await emu.reset();
      return { status: 'reset', device: deviceStatusView(await ctx.driver.status()) };
    },
  );
};

/** The mock ОФД's answer as the adapter's: its JSON on success, problem+json otherwise. */
function relay(reply: FastifyReply, url: string, answer: RelayedAnswer) {
  if (answer.kind === 'unreachable')
    return sendProblem(reply, {
      status: 502,
      title: 'ОФД unreachable',
      detail: `the ОФД at ${url} did not answer: ${answer.reason}`,
      code: 'OFD_UNREACHABLE',
    });
  const body = answer.body as { error?: unknown; problems?: unknown } | null;
  if (answer.status >= 200 && answer.status < 300)
    return { ofd_url: url, ...(body !== null && typeof body === 'object' ? body : { answer: body }) };
  if (answer.status === 400) {
    const problems = Array.isArray(body?.problems) ? body.problems.map(String) : [];
    return sendProblem(reply, {
      status: 400,
      title: 'Invalid request',
      detail: `the mock ОФД refused the faults: ${typeof body?.error === 'string' ? body.error : 'invalid'}`,
      code: 'VALIDATION_FAILED',
      errors: problems.map((message) => ({ path: '/', message })),
    });
  }
  return sendProblem(reply, {
    status: 502,
    title: 'Unexpected ОФД answer',
    detail: `the ОФД at ${url} answered ${answer.status}; its test routes exist only on the mock ОФД`,
    code: 'OFD_NOT_MOCK',
  });
}
