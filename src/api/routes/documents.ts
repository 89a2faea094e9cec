import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { DOCUMENT_TYPES } from '../../fiscal/codes.ts';
import type { FiscalDocument } from '../../fiscal/document.ts';
import { toFnsJson } from '../../fiscal/fns-json.ts';
import type { AdapterContext } from '../context.ts';
import { sendProblem } from '../problem-reply.ts';

const MAX_LIMIT = 1000;

// Query values are strings; the routes' validator does not coerce (strict-validator.ts), so
// the schema says digits and the handler converts.
const ListQuery = Type.Object(
  {
    from: Type.Optional(
      Type.String({ pattern: '^[1-9][0-9]{0,9}$', description: 'the first document number (default 1)' }),
    ),
    limit: Type.Optional(
      Type.String({ pattern: '^[1-9][0-9]{0,3}$', description: `at most ${MAX_LIMIT} (default 100)` }),
    ),
  },
  { additionalProperties: false },
);

/**
 * The ФН archive (API.md "the fiscal archive"): every document type in number order, each in the
 * field names of the tax service's receipt-check JSON (`fns`), with whether the ОФД confirmed it.
 */
export const documentRoutes: FastifyPluginAsync<{ ctx: AdapterContext }> = async (app, { ctx }) => {
  const tz = ctx.settings.timezone;

  /** The ФН confirms in number order: everything before the first unconfirmed document is confirmed. */
  const view = (doc: FiscalDocument, firstUnsent: number | null) => ({
    number: doc.number,
    type: DOCUMENT_TYPES[doc.kind],
    fns: toFnsJson(doc, tz),
    ofd_confirmed: firstUnsent === null || doc.number < firstUnsent,
  });

  app.get<{ Querystring: { from?: string; limit?: string } }>(
    '/v1/kkt/documents',
    {
      schema: {
        summary: 'The ФН archive, every document in number order',
        tags: ['documents'],
        querystring: ListQuery,
      },
    },
    async (request, reply) => {
      const from = Number(request.query.from ?? 1);
      const limit = Number(request.query.limit ?? 100);
      if (limit > MAX_LIMIT)
        return sendProblem(reply, {
          status: 400,
          title: 'Invalid request',
          detail: `limit must be at most ${MAX_LIMIT}`,
          code: 'VALIDATION_FAILED',
          errors: [{ path: 'query:limit', message: `must be at most ${MAX_LIMIT}` }],
        });
      const status = await ctx.driver.status();
      const docs = await ctx.driver.documents(from, limit);
      const last = docs[docs.length - 1];
      const next =
        last !== undefined && last.number < status.fn.lastFiscalDocNumber && docs.length === limit
          ? last.number + 1
          : null;
      return { documents: docs.map((d) => view(d, status.fn.firstUnsentNumber)), next };
    },
  );

  app.get<{ Params: { number: string } }>(
    '/v1/kkt/documents/:number',
    { schema: { summary: 'One document of the ФН archive', tags: ['documents'] } },
    async (request, reply) => {
      const number = Number(request.params.number);
      const doc = /^\d{1,10}$/.test(request.params.number) ? await ctx.driver.getDocument(number) : undefined;
      if (!doc)
        return sendProblem(reply, {
          status: 404,
          title: 'Not found',
          detail: `the ФН has no document number "${request.params.number}"`,
          code: 'DOCUMENT_NOT_FOUND',
        });
      const status = await ctx.driver.status();
      return view(doc, status.fn.firstUnsentNumber);
    },
  );
};
