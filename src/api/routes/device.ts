import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { FiscalError } from '../../fiscal/errors.ts';
import { unprintableReason } from '../../fiscal/printable-text.ts';
import type { AdapterContext } from '../context.ts';
import { CashierSchema } from '../schemas.ts';
import { deviceStatusView, settlementReportView, shiftDocumentView, xReportView } from '../views.ts';

type CashierBody = { cashier?: string } | undefined;

/** The cashier body is optional: a POST with no body at all must pass the schema (an empty object). */
async function emptyBodyIsObject(request: FastifyRequest) {
  if (request.body === undefined || request.body === null) request.body = {};
}

export const deviceRoutes: FastifyPluginAsync<{ ctx: AdapterContext }> = async (app, { ctx }) => {
  const tz = ctx.settings.timezone;
  app.get('/v1/kkt/status', { schema: { summary: 'Device, shift and ФН state', tags: ['device'] } }, async () =>
    deviceStatusView(await ctx.driver.status()),
  );
  app.post<{ Body: CashierBody }>(
    '/v1/kkt/shift/open',
    {
      preValidation: emptyBodyIsObject,
      schema: { summary: 'Open a shift (shift-open report)', tags: ['device'], body: CashierSchema },
    },
    async (request) => shiftDocumentView(await ctx.driver.openShift(cashier(request.body)), tz),
  );
  app.post<{ Body: CashierBody }>(
    '/v1/kkt/shift/close',
    {
      preValidation: emptyBodyIsObject,
      schema: { summary: 'Close the shift (Z report with counters)', tags: ['device'], body: CashierSchema },
    },
    async (request) => shiftDocumentView(await ctx.driver.closeShift(cashier(request.body)), tz),
  );
  app.post<{ Body: CashierBody }>(
    '/v1/kkt/report/settlement',
    {
      preValidation: emptyBodyIsObject,
      schema: {
        summary: 'Report on the current state of settlements (form 21)',
        description: 'Unsent documents, the first unsent number and date, the ФН warnings; open or closed shift.',
        tags: ['device'],
        body: CashierSchema,
      },
    },
    async (request) => settlementReportView(await ctx.driver.settlementReport(cashier(request.body)), tz),
  );
  app.post(
    '/v1/kkt/report/x',
    { schema: { summary: 'X report (counters, no fiscal document)', tags: ['device'] } },
    async () => xReportView(await ctx.driver.xReport(), tz),
  );
};

/** The cashier is printed on the report: the same text rules as a receipt's (fiscal/printable-text.ts). */
function cashier(body: CashierBody): { cashier?: string } {
  if (!body?.cashier) return {};
  const text = body.cashier.trim();
  const problem = unprintableReason(text);
  if (problem !== undefined)
    throw new FiscalError('VALIDATION_FAILED', `/cashier ${problem}`, [{ path: '/cashier', message: problem }]);
  return { cashier: text };
}
