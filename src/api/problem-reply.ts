import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { FieldError } from '../fiscal/errors.ts';
import { FiscalError } from '../fiscal/errors.ts';
import { failureOf } from '../service/errors.ts';
import type { Problem } from './problems.ts';
import { problemOf } from './problems.ts';

const TYPE_BASE = 'https://kkt-emu.dev/problems/';

/** A request the HTTP layer refuses before any route sees it (body encoding, JSON, limits). */
export class BodyProblem extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly errors?: FieldError[],
  ) {
    super(message);
  }
}

function problemBody(p: Problem) {
  return {
    type: `${TYPE_BASE}${p.code.toLowerCase().replace(/_/g, '-')}`,
    title: p.title,
    status: p.status,
    detail: p.detail,
    code: p.code,
    ...(p.errors ? { errors: p.errors } : {}),
  };
}

/** Sends an RFC 9457 problem+json body. */
export function sendProblem(reply: FastifyReply, p: Problem) {
  return reply.code(p.status).type('application/problem+json').send(problemBody(p));
}

const TITLES: Record<number, string> = {
  400: 'Bad request',
  404: 'Not found',
  405: 'Method not allowed',
  406: 'Not acceptable',
  408: 'Request timeout',
  413: 'Body too large',
  414: 'URI too long',
  415: 'Unsupported media type',
  431: 'Request headers too large',
};

/**
 * Fastify's own errors as our codes and words: no library message (they name internals, and a
 * JSON parser's message quotes the body back) and no file path ever reaches a client.
 */
function frameworkProblem(error: FastifyError): Problem {
  const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 400;
  const p = (code: string, detail: string): Problem => ({
    status,
    title: TITLES[status] ?? 'Bad request',
    detail,
    code,
  });
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return p('BODY_TOO_LARGE', 'the body is larger than this adapter accepts (256 KiB)');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return p('UNSUPPORTED_MEDIA_TYPE', 'send the body as Content-Type: application/json');
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return p('MALFORMED_REQUEST', 'Content-Length does not match the body');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return p('MALFORMED_REQUEST', 'the body is not valid JSON');
    case 'FST_ERR_BAD_URL':
      return p('MALFORMED_REQUEST', 'the URL is not valid (a bad percent-encoding)');
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return {
        ...p('URI_TOO_LONG', 'a path segment of the URL is too long'),
        status: 414,
        title: TITLES[414] as string,
      };
    default:
      return p(error.code?.startsWith('FST_ERR_CTP') ? 'MALFORMED_REQUEST' : 'BAD_REQUEST', 'the request is malformed');
  }
}

export interface ProblemHandlerOptions {
  /** Where 5xx causes are reported: once per interval per distinct cause (see RepeatLimiter). */
  onInternalError?: (error: unknown, request: FastifyRequest) => void;
}

/** Every error that escapes a route, and every 404, leaves as problem+json with a code. */
export function installProblemHandlers(app: FastifyInstance, options: ProblemHandlerOptions = {}) {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof FiscalError) return sendProblem(reply, problemOf(failureOf(error)));
    if (error instanceof BodyProblem)
      return sendProblem(reply, {
        status: error.status,
        title: TITLES[error.status] ?? 'Bad request',
        detail: error.message,
        code: error.code,
        ...(error.errors ? { errors: error.errors } : {}),
      });
    if (error.validation) {
      const errors = error.validation.map((v) => ({
        path: `${v.instancePath || ''}${v.params && 'missingProperty' in v.params ? `/${String(v.params.missingProperty)}` : ''}`,
        message: v.message ?? 'is invalid',
      }));
      const first = errors[0];
      return sendProblem(reply, {
        status: 400,
        title: 'Bad request',
        detail: first ? `${first.path || 'body'} ${first.message}` : 'the body is invalid',
        code: 'MALFORMED_REQUEST',
        errors,
      });
    }
    const status = error.statusCode ?? 500;
    if (status < 500) return sendProblem(reply, frameworkProblem(error));
    options.onInternalError?.(error, request);
    return sendProblem(reply, {
      status: 500,
      title: 'Internal error',
      detail:
        'the adapter failed while processing the request; its outcome is unknown: retry with the same Idempotency-Key',
      code: 'INTERNAL_ERROR',
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

/** Answers for requests Node's HTTP parser refuses before fastify sees them (`clientErrorHandler`). */
export function clientErrorProblem(err: NodeJS.ErrnoException): Problem {
  switch (err.code) {
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return {
        status: 408,
        title: TITLES[408] as string,
        detail: 'the request was not received in time',
        code: 'REQUEST_TIMEOUT',
      };
    case 'HPE_HEADER_OVERFLOW':
      return {
        status: 431,
        title: TITLES[431] as string,
        detail: 'the request line and headers are too large',
        code: 'HEADERS_TOO_LARGE',
      };
    case 'HPE_URI_TOO_LONG':
      return { status: 414, title: TITLES[414] as string, detail: 'the URL is too long', code: 'URI_TOO_LONG' };
    default:
      return { status: 400, title: 'Bad request', detail: 'the request is not valid HTTP', code: 'MALFORMED_REQUEST' };
  }
}

/** fastify's `clientErrorHandler`: the same problem+json, written on the raw socket. */
export function clientErrorHandler(err: NodeJS.ErrnoException, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  if (socket.writable) {
    const p = clientErrorProblem(err);
    const body = JSON.stringify(problemBody(p));
    socket.write(
      `HTTP/1.1 ${p.status} ${p.title}\r\nContent-Type: application/problem+json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}

/** fastify's `frameworkErrors`: a malformed URL is answered like any other bad request. */
export function frameworkErrors(error: FastifyError, _request: FastifyRequest, reply: FastifyReply) {
  return sendProblem(reply, frameworkProblem(error));
}
