import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import type { FiscalDocument } from '../../fiscal/document.ts';
import { MAX_WIDTH, MIN_WIDTH } from '../../slips/layout.ts';
import { qrPng, qrSvg } from '../../slips/qr-image.ts';
import { isSlipWidth, renderSlipText, type SlipOptions, slipQrData } from '../../slips/slip.ts';
import { renderSlipHtml } from '../../slips/slip-html.ts';
import type { AdapterContext } from '../context.ts';
import { sendProblem } from '../problem-reply.ts';

// Query values are strings: the validator does not coerce (strict-validator.ts), the handler does.
const SlipQuery = Type.Object(
  {
    width: Type.Optional(
      Type.String({
        pattern: '^[0-9]{1,4}$',
        description: `characters per line, ${MIN_WIDTH}..${MAX_WIDTH} (default 48)`,
      }),
    ),
    format: Type.Optional(
      Type.Union([Type.Literal('text'), Type.Literal('html')], { description: 'text (default) or html' }),
    ),
  },
  { additionalProperties: false },
);

const NumberParam = Type.Object({ number: Type.String({ description: 'the document number (ФД, 1040)' }) });

const problemResponse = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: Type.Object({}, { additionalProperties: true }) } },
});

/**
 * Printed forms of the ФН archive (API.md: `/slip`, `/qr.svg`, `/qr.png`): every document as the
 * register prints it, and the receipt's QR code as an image. Read-only; the same document
 * always gives the same bytes.
 */
export const slipRoutes: FastifyPluginAsync<{ ctx: AdapterContext }> = async (app, { ctx }) => {
  const tz = ctx.settings.timezone;

  /** The document, or a 404 sent exactly as GET /v1/kkt/documents/{number} sends it. */
  async function documentOr404(raw: string, reply: FastifyReply): Promise<FiscalDocument | undefined> {
    const doc = /^\d{1,10}$/.test(raw) ? await ctx.driver.getDocument(Number(raw)) : undefined;
    if (!doc)
      sendProblem(reply, {
        status: 404,
        title: 'Not found',
        detail: `the ФН has no document number "${raw}"`,
        code: 'DOCUMENT_NOT_FOUND',
      });
    return doc;
  }

  async function qrDataOr404(raw: string, reply: FastifyReply): Promise<string | undefined> {
    const doc = await documentOr404(raw, reply);
    if (!doc) return undefined;
    const data = slipQrData(doc, tz);
    if (data === undefined)
      sendProblem(reply, {
        status: 404,
        title: 'Not found',
        detail: `document ${doc.number} is not a receipt or a correction receipt and has no QR code`,
        code: 'QR_CODE_NOT_FOUND',
      });
    return data;
  }

  app.get<{ Params: { number: string }; Querystring: { width?: string; format?: 'text' | 'html' } }>(
    '/v1/kkt/documents/:number/slip',
    {
      schema: {
        summary: 'The document as the register prints it',
        description:
          'Every document type of the ФН archive as a receipt printer prints it: text/plain (UTF-8), or a self-contained HTML page with the QR code inline (`format=html`).',
        tags: ['documents'],
        params: NumberParam,
        querystring: SlipQuery,
        response: {
          200: {
            description: 'the printed slip',
            content: { 'text/plain': { schema: Type.String() }, 'text/html': { schema: Type.String() } },
          },
          400: problemResponse('width outside 32..64'),
          404: problemResponse('DOCUMENT_NOT_FOUND'),
        },
      },
    },
    async (request, reply) => {
      const width = Number(request.query.width ?? 48);
      if (!isSlipWidth(width))
        return sendProblem(reply, {
          status: 400,
          title: 'Invalid request',
          detail: `width must be from ${MIN_WIDTH} to ${MAX_WIDTH}`,
          code: 'VALIDATION_FAILED',
          errors: [{ path: 'query:width', message: `must be from ${MIN_WIDTH} to ${MAX_WIDTH}` }],
        });
      const doc = await documentOr404(request.params.number, reply);
      if (!doc) return reply;
      const kkt = (await ctx.driver.status()).kkt;
      const options: SlipOptions = {
        timezone: tz,
        width,
        kktSerial: kkt.serial,
        user: { name: kkt.userName, address: kkt.address, ...(kkt.place !== null ? { place: kkt.place } : {}) },
      };
      if (request.query.format === 'html')
        return reply.type('text/html; charset=utf-8').send(await renderSlipHtml(doc, options));
      return reply.type('text/plain; charset=utf-8').send(renderSlipText(doc, options));
    },
  );

  const qrSchema = (type: string, summary: string) => ({
    schema: {
      summary,
      tags: ['documents'],
      params: NumberParam,
      response: {
        200: { description: 'the QR code of `qr_code_data`', content: { [type]: { schema: Type.String() } } },
        404: problemResponse('DOCUMENT_NOT_FOUND, or QR_CODE_NOT_FOUND for a document that is not a receipt'),
      },
    },
  });

  app.get<{ Params: { number: string } }>(
    '/v1/kkt/documents/:number/qr.svg',
    qrSchema('image/svg+xml', "The receipt's QR code as SVG"),
    async (request, reply) => {
      const data = await qrDataOr404(request.params.number, reply);
      if (data === undefined) return reply;
      return reply.type('image/svg+xml; charset=utf-8').send(await qrSvg(data));
    },
  );

  app.get<{ Params: { number: string } }>(
    '/v1/kkt/documents/:number/qr.png',
    qrSchema('image/png', "The receipt's QR code as PNG"),
    async (request, reply) => {
      const data = await qrDataOr404(request.params.number, reply);
      if (data === undefined) return reply;
      return reply.type('image/png').send(await qrPng(data));
    },
  );
};
