import type { FastifyPluginAsync } from 'fastify';
import { localIsoWithOffset } from '../../fiscal/local-time.ts';
import { toRublesNumber } from '../../fiscal/money.ts';
import type { AdapterContext } from '../context.ts';
import { sendProblem } from '../problem-reply.ts';
import { problemOf } from '../problems.ts';
import { CashRequestSchema, CashResponseSchema, IdempotencyHeaders, ProblemSchema } from '../schemas.ts';
import { INVALID_KEY, idempotencyKey } from './receipts.ts';

/**
 * POST /v1/kkt/cash/in and /cash/out: non-fiscal movements of the drawer, exactly once per
 * Idempotency-Key (a retried cash-out never pays twice), answered with the balance after it.
 */
export const cashRoutes: FastifyPluginAsync<{ ctx: AdapterContext }> = async (app, { ctx }) => {
  const tz = ctx.settings.timezone;
  for (const kind of ['in', 'out'] as const)
    app.post(
      `/v1/kkt/cash/${kind}`,
      {
        validatorCompiler: () => () => true,
        schema: {
          summary: kind === 'in' ? 'Cash into the drawer (внесение)' : 'Cash out of the drawer (выплата)',
          description:
            kind === 'out'
              ? 'Beyond the drawer balance with KKT_CASH_CONTROL: 409 INSUFFICIENT_CASH, nothing paid out.'
              : 'Non-fiscal: no fiscal document; needs an open shift (auto-open applies).',
          tags: ['cash'],
          headers: IdempotencyHeaders,
          body: CashRequestSchema,
          response: { 200: CashResponseSchema, '4xx': ProblemSchema, '5xx': ProblemSchema },
        },
      },
      async (request, reply) => {
        const key = idempotencyKey(request.headers['idempotency-key']);
        if (key === undefined) return sendProblem(reply, INVALID_KEY);
        const outcome = await ctx.cash.move(kind, key, request.body);
        if (!outcome.ok) return sendProblem(reply, problemOf(outcome.failure));
        if (outcome.replayed) reply.header('Idempotent-Replayed', 'true');
        const m = outcome.movement;
        return {
          status: 'done',
          kind: m.kind,
          amount: toRublesNumber(m.amount),
          cash_balance: toRublesNumber(m.balance),
          datetime: localIsoWithOffset(m.at, tz),
          idempotency_key: key,
        };
      },
    );
};
