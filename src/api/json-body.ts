import type { FastifyInstance } from 'fastify';
import type { FieldError } from '../fiscal/errors.ts';
import { BodyProblem } from './problem-reply.ts';

/** Deeper than any request of the API nests (a receipt is 3 levels): refused before any recursion. */
const MAX_DEPTH = 32;
const LONE_SURROGATE = /\p{Surrogate}/u;
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });
const lenientUtf8 = new TextDecoder('utf-8');

function pointer(path: readonly (string | number)[]): string {
  return path.map((p) => `/${String(p).replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');
}

/**
 * Everything JSON.parse accepts that a request must not carry, each with its JSON pointer:
 * unpaired surrogates (in values or names), numbers out of range (`1e309` parses to Infinity),
 * nesting deeper than MAX_DEPTH. Iterative, so no body can exhaust the stack.
 */
function problemsIn(value: unknown): FieldError[] {
  const errors: FieldError[] = [];
  const stack: { v: unknown; path: (string | number)[] }[] = [{ v: value, path: [] }];
  while (stack.length > 0 && errors.length < 20) {
    const { v, path } = stack.pop() as { v: unknown; path: (string | number)[] };
    if (typeof v === 'string') {
      if (LONE_SURROGATE.test(v))
        errors.push({
          path: pointer(path),
          message: 'contains an unpaired UTF-16 surrogate (not a Unicode character)',
        });
    } else if (typeof v === 'number') {
      if (!Number.isFinite(v)) errors.push({ path: pointer(path), message: 'is a number out of range' });
    } else if (typeof v === 'object' && v !== null) {
      if (path.length >= MAX_DEPTH) {
        errors.push({ path: pointer(path), message: `nests deeper than ${MAX_DEPTH} levels` });
        continue;
      }
      if (Array.isArray(v)) for (let i = 0; i < v.length; i++) stack.push({ v: v[i], path: [...path, i] });
      else
        for (const [k, item] of Object.entries(v)) {
          if (LONE_SURROGATE.test(k))
            errors.push({ path: pointer(path), message: 'has a field name with an unpaired UTF-16 surrogate' });
          else if (k === '__proto__') errors.push({ path: pointer([...path, k]), message: 'is not an allowed name' });
          else stack.push({ v: item, path: [...path, k] });
        }
    }
  }
  return errors;
}

/** The first string field holding U+FFFD once the body is decoded leniently: where invalid bytes were. */
function invalidUtf8Path(raw: Buffer): string {
  try {
    const stack: { v: unknown; path: (string | number)[] }[] = [{ v: JSON.parse(lenientUtf8.decode(raw)), path: [] }];
    while (stack.length > 0) {
      const { v, path } = stack.shift() as { v: unknown; path: (string | number)[] };
      if (typeof v === 'string' && v.includes('\ufffd')) return pointer(path);
      if (typeof v === 'object' && v !== null && path.length < MAX_DEPTH)
        for (const [k, item] of Object.entries(v)) stack.push({ v: item, path: [...path, k] });
    }
  } catch {
    // not JSON either: the body as a whole
  }
  return '';
}

function charsetOf(contentType: string | undefined): string | undefined {
  const m = /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(contentType ?? '');
  return m?.[1]?.toLowerCase();
}

/** Parses a JSON body strictly as UTF-8 (RFC 8259 §8.1); anything else is a coded 4xx, never a 500. */
export function parseJsonBody(raw: Buffer, contentType: string | undefined): unknown {
  const charset = charsetOf(contentType);
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8')
    throw new BodyProblem(
      415,
      'UNSUPPORTED_CHARSET',
      `JSON bodies must be UTF-8; this one is declared ${charset}. Send Content-Type: application/json (UTF-8)`,
    );
  if (raw.length === 0) return undefined;
  let text: string;
  try {
    text = strictUtf8.decode(raw);
  } catch {
    const path = invalidUtf8Path(raw);
    throw new BodyProblem(400, 'INVALID_UTF8', `the body is not valid UTF-8${path ? ` (at ${path})` : ''}`, [
      { path, message: 'is not valid UTF-8' },
    ]);
  }
  if (text.trim() === '') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new BodyProblem(400, 'MALFORMED_REQUEST', 'the body is not valid JSON');
  }
  const errors = problemsIn(value);
  if (errors.length > 0) {
    const first = errors[0] as FieldError;
    throw new BodyProblem(400, 'MALFORMED_REQUEST', `${first.path || 'body'} ${first.message}`, errors);
  }
  return value;
}

/**
 * `application/json` is the only body type the adapter reads: fastify's text/plain parser goes,
 * so a cross-site form or `fetch(…, {mode: 'no-cors'})` (which can only send text/plain,
 * urlencoded or multipart without a preflight) gets 415 and reaches no route.
 */
export function installJsonBody(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    try {
      done(null, parseJsonBody(body as Buffer, request.headers['content-type']));
    } catch (e) {
      done(e as Error, undefined);
    }
  });
}
