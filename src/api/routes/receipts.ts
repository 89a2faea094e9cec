import type { FastifyInstance } from 'fastify';
import type { AdapterContext } from '../context.ts';
import { sendProblem } from '../problem-reply.ts';
import { IdempotencyHeaders, ProblemSchema, ReceiptRequestSchema, ReceiptResponseSchema } from '../schemas.ts';

const PRINTABLE_KEY = /^[\x21-\x7e]{1,128}$/;

export function receiptRoutes(app: FastifyInstance, ctx: AdapterContext) {
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
      const outcome = await ctx.fiscalizer.receipt(key, request.body);
      if (!outcome.ok) return sendProblem(reply, outcome.problem);
      if (outcome.replayed) reply.header('Idempotent-Replayed', 'true');
      return outcome.response;
    },
  );

  app.get<{ Params: { receipt_id: string } }>(
    '/v1/kkt/receipt/:receipt_id',
    { schema: { summary: 'A stored receipt with its sync status', tags: ['receipts'] } },
    async (request, reply) => {
      const r = ctx.store.getReceipt(request.params.receipt_id);
      if (!r)
        return sendProblem(reply, {
          status: 404,
          title: 'Not found',
          detail: `no receipt with id "${request.params.receipt_id}"`,
          code: 'RECEIPT_NOT_FOUND',
        });
      return {
        receipt_id: r.receipt_id,
        idempotency_key: r.idempotency_key,
        request: JSON.parse(r.request),
        fiscal_doc: JSON.parse(r.fiscal_doc),
        sync_status: r.sync_status,
        ofd_id: r.ofd_id,
        retry_count: r.retry_count,
        last_error: r.last_error,
        hlc: r.hlc,
        created_at: new Date(r.created_at).toISOString(),
        synced_at: r.synced_at === null ? null : new Date(r.synced_at).toISOString(),
      };
    },
  );
}
