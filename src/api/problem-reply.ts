import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import { FiscalError } from '../fiscal/errors.ts';
import { failureOf } from '../service/errors.ts';
import type { Problem } from './problems.ts';
import { problemOf } from './problems.ts';

const TYPE_BASE = 'https://kkt-emu.dev/problems/';

/** Sends an RFC 9457 problem+json body. */
export function sendProblem(reply: FastifyReply, p: Problem) {
  return reply
    .code(p.status)
    .type('application/problem+json')
    .send({
      type: `${TYPE_BASE}${p.code.toLowerCase().replace(/_/g, '-')}`,
      title: p.title,
      status: p.status,
      detail: p.detail,
      code: p.code,
      ...(p.errors ? { errors: p.errors } : {}),
    });
}

/** Every error that escapes a route, and every 404, leaves as problem+json with a code. */
export function installProblemHandlers(app: FastifyInstance) {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof FiscalError) return sendProblem(reply, problemOf(failureOf(error)));
    const status = error.statusCode ?? 500;
    if (status >= 500) request.log.error({ err: error }, 'request failed');
    const code =
      error.code === 'FST_ERR_CTP_BODY_TOO_LARGE'
        ? 'BODY_TOO_LARGE'
        : error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE'
          ? 'UNSUPPORTED_MEDIA_TYPE'
          : error.code?.startsWith('FST_ERR_CTP') || error.validation || error instanceof SyntaxError
            ? 'MALFORMED_REQUEST'
            : status >= 500
              ? 'INTERNAL_ERROR'
              : 'BAD_REQUEST';
    const errors = error.validation?.map((v) => ({
      path: `${v.instancePath || ''}${v.params && 'missingProperty' in v.params ? `/${String(v.params.missingProperty)}` : ''}`,
      message: v.message ?? 'is invalid',
    }));
    return sendProblem(reply, {
      status,
      title: status >= 500 ? 'Internal error' : 'Bad request',
      detail: status >= 500 ? 'the adapter failed to process the request; nothing was lost' : error.message,
      code,
      ...(errors ? { errors } : {}),
    });
  });
  app.setNotFoundHandler((request, reply) =>
    sendProblem(reply, {
      status: 404,
      title: 'Not found',
      detail: `${request.method} ${request.url.split('?')[0]} is not a route of this adapter`,
      code: 'NOT_FOUND',
    }),
  );
}
