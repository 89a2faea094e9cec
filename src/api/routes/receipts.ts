import type { FastifyPluginAsync } from 'fastify';
import type { AdapterContext } from '../context.ts';
import { sendProblem } from '../problem-reply.ts';
import { problemOf } from '../problems.ts';
import { IdempotencyHeaders, ProblemSchema, ReceiptRequestSchema, ReceiptResponseSchema } from '../schemas.ts';
import { receiptResponseView, storedReceiptView } from '../views.ts';

const PRINTABLE_KEY = /^[\x21-\x7e]{1,128}$/;

export const receiptRoutes: FastifyPluginAsync<{ ctx: AdapterContext }> = async (app, { ctx }) => {
  const tz = ctx.settings.timezone;
  app.post(
    '/v1/kkt/receipt',
    {
      // The body schema documents the contract; validateReceipt checks it (all errors at once).
      // Ajv must not run here: Fastify's defaults coerce types (`true` → 1, `["sale"]` → "sale"),
      // strip unknown fields and fill defaults, so a malformed body would be fiscalized.
      validatorCompiler: () => () => true,
      schema: {
        summary: 'Fiscalize a receipt (exactly once per Idempotency-Key)',
        tags: ['receipts'],
        headers: IdempotencyHeaders,
        body: ReceiptRequestSchema,
        response: { 200: ReceiptResponseSchema, '4xx': ProblemSchema, '5xx': ProblemSchema },
      },
    },
    async (request, reply) => {
      const key = request.headers['idempotency-key'];
      if (typeof key !== 'string' || !PRINTABLE_KEY.test(key))
        return sendProblem(reply, {
          status: 400,
          title: 'Invalid request',
          detail: 'header Idempotency-Key is required: 1–128 printable ASCII characters',
          code: 'IDEMPOTENCY_KEY_INVALID',
          errors: [{ path: 'header:Idempotency-Key', message: 'must be 1–128 printable ASCII characters' }],
        });
      const outcome = await ctx.receipts.receipt(key, request.body);
      if (!outcome.ok) return sendProblem(reply, problemOf(outcome.failure));
      if (outcome.replayed) reply.header('Idempotent-Replayed', 'true');
      return receiptResponseView(outcome.receipt, tz);
    },
  );

  app.get<{ Params: { receipt_id: string } }>(
    '/v1/kkt/receipt/:receipt_id',
    { schema: { summary: 'A stored receipt with its sync status', tags: ['receipts'] } },
    async (request, reply) => {
      const r = ctx.receipts.stored(request.params.receipt_id);
      if (!r)
        return sendProblem(reply, {
          status: 404,
          title: 'Not found',
          detail: `no receipt with id "${request.params.receipt_id}"`,
          code: 'RECEIPT_NOT_FOUND',
        });
      return storedReceiptView(r, tz);
    },
  );
};
