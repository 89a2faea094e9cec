import type { FastifyError, FastifyInstance } from 'fastify';

/**
 * Fault injection shared by the mock ОФД and the mock Odoo. Tests drive outages through these
 * knobs instead of stopping servers, so an adapter's retry, breaker and buffer paths can be hit
 * deterministically: "fail exactly 3 times", "fail every 4th call", "answer slowly".
 */
export interface MockFaults {
  /** Fail this many calls, then succeed. */
  failure_count: number;
  /** Fail every call until the faults are replaced. */
  permanent_failure: boolean;
  /** Delay every answer of the working routes (not the `_test` ones) by this many milliseconds. */
  latency_ms: number;
  /** Fail calls number n, 2n, 3n… (counted from when the faults were set). */
  fail_every_n: number;
  /** Answer this many calls with a permanent rejection (422); the mock ОФД only. */
  reject_count: number;
  /**
   * Accept receipts and corrections that fail the mock ОФД's tag checks (a test of what the
   * adapter does with a document the ОФД should have refused); the mock ОФД only.
   */
  accept_invalid: boolean;
}

export const NO_FAULTS: Readonly<MockFaults> = Object.freeze({
  failure_count: 0,
  permanent_failure: false,
  latency_ms: 0,
  fail_every_n: 0,
  reject_count: 0,
  accept_invalid: false,
});

/** One bound for every count, so a typo like `1e12` ms is refused instead of hanging a test run. */
const MAX_FAULT_VALUE = 2 ** 31 - 1;
const BOOLEAN_FIELDS = new Set<keyof MockFaults>(['permanent_failure', 'accept_invalid']);

export type MockErrorCode = 'INVALID_FAULTS' | 'ALREADY_STARTED' | 'NOT_STARTED';

export class MockServerError extends Error {
  override readonly name = 'MockServerError';
  readonly code: MockErrorCode;
  readonly problems: string[];

  constructor(code: MockErrorCode, message: string, problems: string[] = []) {
    super(message);
    this.code = code;
    this.problems = problems;
  }
}

export type FaultDecision = { kind: 'ok' } | { kind: 'fail'; reason: string } | { kind: 'reject'; reason: string };

/**
 * Reads a whole faults object (PUT semantics: omitted fields are 0/false). `fields` lists what
 * this mock understands, so `reject_count` sent to the mock Odoo is refused, not silently ignored.
 */
export function parseFaults(
  body: unknown,
  fields: readonly (keyof MockFaults)[],
): { ok: true; value: MockFaults } | { ok: false; problems: string[] } {
  if (body === undefined || body === null) return { ok: true, value: { ...NO_FAULTS } };
  if (typeof body !== 'object' || Array.isArray(body)) {
    return { ok: false, problems: ['faults must be a JSON object'] };
  }
  const known = new Set<string>(fields);
  const value: MockFaults = { ...NO_FAULTS };
  const problems: string[] = [];
  for (const [key, v] of Object.entries(body)) {
    if (!known.has(key)) {
      problems.push(`${key}: is not a fault of this mock (known: ${fields.join(', ')})`);
      continue;
    }
    const field = key as keyof MockFaults;
    if (BOOLEAN_FIELDS.has(field)) {
      if (typeof v !== 'boolean') problems.push(`${key}: must be true or false`);
      else (value as unknown as Record<string, boolean>)[key] = v;
    } else if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > MAX_FAULT_VALUE) {
      problems.push(`${key}: must be a whole number from 0 to ${MAX_FAULT_VALUE}`);
    } else {
      (value as unknown as Record<string, number>)[key] = v;
    }
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, value };
}

export class FaultInjector {
  #faults: MockFaults = { ...NO_FAULTS };
  /** Calls decided since the faults were last set: the clock `fail_every_n` counts on. */
  #calls = 0;

  constructor(readonly fields: readonly (keyof MockFaults)[]) {}

  get faults(): Readonly<MockFaults> {
    return { ...this.#faults };
  }

  get latencyMs(): number {
    return this.#faults.latency_ms;
  }

  /** Replaces every fault; throws a MockServerError (`INVALID_FAULTS`) naming each bad field. */
  set(faults: unknown): Readonly<MockFaults> {
    const parsed = parseFaults(faults, this.fields);
    if (!parsed.ok)
      throw new MockServerError('INVALID_FAULTS', `invalid faults: ${parsed.problems.join('; ')}`, parsed.problems);
    this.#faults = parsed.value;
    this.#calls = 0;
    return this.faults;
  }

  reset(): void {
    this.#faults = { ...NO_FAULTS };
    this.#calls = 0;
  }

  /** Decides the fate of one incoming call and consumes any counted fault it uses. */
  decide(): FaultDecision {
    const f = this.#faults;
    this.#calls += 1;
    if (f.permanent_failure) return { kind: 'fail', reason: 'service unavailable (injected fault: permanent_failure)' };
    if (f.failure_count > 0) {
      f.failure_count -= 1;
      return {
        kind: 'fail',
        reason: `service unavailable (injected fault: failure_count, ${f.failure_count} left)`,
      };
    }
    if (f.fail_every_n > 0 && this.#calls % f.fail_every_n === 0) {
      return {
        kind: 'fail',
        reason: `service unavailable (injected fault: fail_every_n=${f.fail_every_n}, call ${this.#calls})`,
      };
    }
    if (f.reject_count > 0) {
      f.reject_count -= 1;
      return {
        kind: 'reject',
        reason: `document rejected (injected fault: reject_count, ${f.reject_count} left)`,
      };
    }
    return { kind: 'ok' };
  }
}

/**
 * JSON parsing and error answers of both mocks. Every error leaves as `{"error": ...}`, never
 * fastify's default shape, so clients see one error format whatever went wrong.
 */
export function installMockBasics(app: FastifyInstance, name: string): void {
  // An empty JSON body (what fetch helpers send for a bare PUT or POST) is an absent body:
  // `PUT /_test/faults` then means "no faults", and a document route reports a missing document.
  const jsonParser = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (typeof body === 'string' && body.trim() === '') return done(null, undefined);
    return jsonParser(request, body as string, done);
  });
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const status = error.statusCode ?? 500;
    if (status >= 500) request.log.error({ err: error }, 'mock request failed');
    const message =
      error instanceof SyntaxError || error.code === 'FST_ERR_CTP_INVALID_JSON_BODY'
        ? `invalid JSON: ${error.message}`
        : error.code === 'FST_ERR_CTP_BODY_TOO_LARGE'
          ? 'body too large'
          : error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE'
            ? 'unsupported media type: send application/json'
            : status >= 500
              ? `${name} failed: ${error.message}`
              : error.message;
    return reply.code(status).send({ error: message });
  });
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send({ error: `${request.method} ${request.url.split('?')[0]} is not a route of the ${name}` }),
  );
}

export interface MockServerOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  host?: string;
  logger?: boolean | { level: string; stream?: NodeJS.WritableStream };
}

/**
 * Start/stop for a mock whose fastify app is rebuilt on every start: a stopped mock can be
 * started again (on the port it had), which is how tests simulate the peer going away and
 * coming back while the mock's recorded state survives.
 */
export class MockListener {
  #app: FastifyInstance | undefined;
  #url: string | undefined;
  #port: number;
  readonly #host: string;
  readonly #delays = new Set<() => void>();

  constructor(
    private readonly name: string,
    options: MockServerOptions,
    private readonly build: () => FastifyInstance,
  ) {
    this.#port = options.port ?? 0;
    this.#host = options.host ?? '127.0.0.1';
  }

  get running(): boolean {
    return this.#app !== undefined;
  }

  get url(): string {
    if (this.#url === undefined) throw new MockServerError('NOT_STARTED', `the ${this.name} is not running`);
    return this.#url;
  }

  async start(): Promise<string> {
    if (this.#app) throw new MockServerError('ALREADY_STARTED', `the ${this.name} is already running at ${this.#url}`);
    const app = this.build();
    this.#app = app;
    try {
      await app.listen({ port: this.#port, host: this.#host });
    } catch (e) {
      this.#app = undefined;
      await app.close().catch(() => {});
      throw e;
    }
    const address = app.server.address();
    if (address !== null && typeof address === 'object') this.#port = address.port;
    const host = this.#host.includes(':') ? `[${this.#host}]` : this.#host;
    this.#url = `http://${host}:${this.#port}`;
    return this.#url;
  }

  /**
   * Waits `ms` for an injected latency. `stop` ends every pending wait at once: a test that
   * set a long latency must still be able to shut the mock down without waiting it out.
   */
  delay(ms: number): Promise<void> {
    if (!this.#app) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#delays.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#delays.add(done);
    });
  }

  async stop(): Promise<void> {
    const app = this.#app;
    if (!app) return;
    this.#app = undefined;
    this.#url = undefined;
    const closing = app.close();
    for (const done of [...this.#delays]) done();
    await closing;
  }
}
