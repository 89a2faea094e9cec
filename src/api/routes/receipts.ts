import type { FastifyPluginAsync } from 'fastify';
import type { AdapterContext } from '../context.ts';
import { sendProblem } from '../problem-reply.ts';
import { problemOf } from '../problems.ts';
import {
  CorrectionRequestSchema,
  IdempotencyHeaders,
  ProblemSchema,
  ReceiptRequestSchema,
  ReceiptResponseSchema,
} from '../schemas.ts';
import { receiptResponseView, storedReceiptView } from '../views.ts';

const PRINTABLE_KEY = /^[\x21-\x7e]{1,128}$/;

/** The Idempotency-Key header when it is 1–128 printable ASCII characters. */
export function idempotencyKey(header: unknown): string | undefined {
  return typeof header === 'string' && PRINTABLE_KEY.test(header) ? header : undefined;
}

export const INVALID_KEY = {
  status: 400,
  title: 'Invalid request',
  detail: 'header Idempotency-Key is required: 1–128 printable ASCII characters',
  code: 'IDEMPOTENCY_KEY_INVALID',
  errors: [{ path: 'header:Idempotency-Key', message: 'must be 1–128 printable ASCII characters' }],
};

export const receiptRoutes: FastifyPluginAsync<{ ctx: AdapterContext }> = async (app, { ctx }) => {
  const tz = ctx.settings.timezone;
  const settlementRoute = (path: '/v1/kkt/receipt' | '/v1/kkt/correction') =>
    app.post(
      path,
      {
        // The body schema documents the contract; the domain validator checks it (all errors at
        // once). Ajv must not run here: Fastify's defaults coerce types (`true` → 1, `["sale"]` →
        // "sale"), strip unknown fields and fill defaults, so a malformed body would be fiscalized.
        validatorCompiler: () => () => true,
        schema: {
          summary:
            path === '/v1/kkt/receipt'
              ? 'Fiscalize a receipt (exactly once per Idempotency-Key)'
              : 'Fiscalize a correction receipt, form 31 (exactly once per Idempotency-Key)',
          tags: ['receipts'],
          headers: IdempotencyHeaders,
          body: path === '/v1/kkt/receipt' ? ReceiptRequestSchema : CorrectionRequestSchema,
          response: { 200: ReceiptResponseSchema, '4xx': ProblemSchema, '5xx': ProblemSchema },
        },
      },
      async (request, reply) => {
        const key = idempotencyKey(request.headers['idempotency-key']);
        if (key === undefined) return sendProblem(reply, INVALID_KEY);
        const outcome =
          path === '/v1/kkt/receipt'
            ? await ctx.receipts.receipt(key, request.body)
            : await ctx.receipts.correction(key, request.body);
        if (!outcome.ok) return sendProblem(reply, problemOf(outcome.failure));
        if (outcome.replayed) reply.header('Idempotent-Replayed', 'true');
        return receiptResponseView(outcome.receipt, tz);
      },
    );
  settlementRoute('/v1/kkt/receipt');
  settlementRoute('/v1/kkt/correction');

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
