import { timingSafeEqual } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { OfdPayload } from '../fiscal/ofd-payload.ts';
import {
  type FaultDecision,
  FaultInjector,
  installMockBasics,
  type MockFaults,
  MockListener,
  MockServerError,
  type MockServerOptions,
} from './faults.ts';
import { checkOfdPayload, type OfdRoute } from './ofd-check.ts';
import { flkProblem } from './ofd-flk.ts';

export const MOCK_OFD_BODY_LIMIT = 1024 * 1024;
const OFD_FAULTS: readonly (keyof MockFaults)[] = [
  'failure_count',
  'permanent_failure',
  'latency_ms',
  'fail_every_n',
  'reject_count',
  'accept_invalid',
];

export interface MockOfdOptions extends MockServerOptions {
  /** When set, the document routes require `Authorization: Bearer <token>`. */
  token?: string;
  /**
   * How many receipts (and, separately, other documents) the mock keeps for `receipts()`:
   * a ring, the oldest dropped first, so a long run cannot grow it without bound. Counters
   * keep counting everything. Default 10 000.
   */
  maxStored?: number;
}

export const MOCK_OFD_MAX_STORED = 10_000;

export interface MockOfdHealth {
  status: 'healthy';
  permanent_failure: boolean;
  failure_count: number;
  latency_ms: number;
  fail_every_n: number;
  reject_count: number;
  accept_invalid: boolean;
  call_count: number;
  receipts_received: number;
  documents_received: number;
}

interface Accepted {
  ofdId: string;
  timestamp: number;
}

function tokenMatches(header: string | undefined, token: string): boolean {
  if (!header?.startsWith('Bearer ')) return false;
  const given = Buffer.from(header.slice(7));
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/**
 * The operator of fiscal data (ОФД) as the adapter sees it: accepts receipts and other fiscal
 * documents, answers a resend with the first answer, and fails or stalls on demand. Everything
 * it received stays inspectable through `/ofd/v1/_test/*` and the methods of this class.
 */
export class MockOfdServer {
  readonly #faults = new FaultInjector(OFD_FAULTS);
  readonly #listener: MockListener;
  readonly #logger: MockServerOptions['logger'];
  readonly #token: string | undefined;
  /** `${fn_number}:${fiscal_doc_number}` → first answer; the dedup key an ОФД uses. */
  #accepted = new Map<string, Accepted>();
  #receipts: OfdPayload[] = [];
  #documents: OfdPayload[] = [];
  /** Every unique document, both routes, in arrival order. */
  #arrivals: OfdPayload[] = [];
  #flkRejections = 0;
  #nextId = 1;
  #callCount = 0;
  #documentCallCount = 0;
  #duplicates = 0;
  #receiptsReceived = 0;
  #documentsReceived = 0;
  readonly #maxStored: number;

  constructor(options: MockOfdOptions = {}) {
    this.#maxStored = Math.max(1, options.maxStored ?? MOCK_OFD_MAX_STORED);
    this.#logger = options.logger ?? false;
    this.#token = options.token || undefined;
    this.#listener = new MockListener('mock ОФД', options, () => this.#buildApp());
  }

  /** Listens and returns the base URL, e.g. `http://127.0.0.1:9000`. */
  start(): Promise<string> {
    return this.#listener.start();
  }

  /** Stops listening; in-flight requests finish. Recorded state is kept (see `reset`). */
  stop(): Promise<void> {
    return this.#listener.stop();
  }

  get url(): string {
    return this.#listener.url;
  }

  get faults(): Readonly<MockFaults> {
    return this.#faults.faults;
  }

  /** Replaces all faults, as `PUT /ofd/v1/_test/faults` does: omitted fields become 0/false. */
  setFaults(faults: Partial<MockFaults>): void {
    this.#faults.set(faults);
  }

  /** Empty state, no faults, ОФД ids from 1 again. */
  reset(): void {
    this.#faults.reset();
    this.#accepted = new Map();
    this.#receipts = [];
    this.#documents = [];
    this.#arrivals = [];
    this.#flkRejections = 0;
    this.#nextId = 1;
    this.#callCount = 0;
    this.#documentCallCount = 0;
    this.#duplicates = 0;
    this.#receiptsReceived = 0;
    this.#documentsReceived = 0;
  }

  /** Unique receipts in arrival order. */
  receipts(): OfdPayload[] {
    return [...this.#receipts];
  }

  /** Unique non-receipt documents (registration, shift reports) in arrival order. */
  documents(): OfdPayload[] {
    return [...this.#documents];
  }

  /** Every unique document of both routes in arrival order: what the ОФД got, in its order. */
  arrivals(): OfdPayload[] {
    return [...this.#arrivals];
  }

  /** Receipts and corrections refused with 422 by the tag checks (ФЛК). */
  get flkRejections(): number {
    return this.#flkRejections;
  }

  /** Every `POST /ofd/v1/receipt`, failed or not. */
  get callCount(): number {
    return this.#callCount;
  }

  /** Every `POST /ofd/v1/document`, failed or not. */
  get documentCallCount(): number {
    return this.#documentCallCount;
  }

  /** Resends of an already accepted (fn_number, fiscal_doc_number). */
  get duplicates(): number {
    return this.#duplicates;
  }

  health(): MockOfdHealth {
    return {
      status: 'healthy',
      ...this.#faults.faults,
      call_count: this.#callCount,
      receipts_received: this.#receiptsReceived,
      documents_received: this.#documentsReceived,
    };
  }

  #accept(route: OfdRoute, payload: OfdPayload): Accepted {
    const key = `${payload.fn_number}:${payload.fiscal_doc_number}`;
    const first = this.#accepted.get(key);
    if (first) {
      this.#duplicates += 1;
      return first;
    }
    const answer: Accepted = {
      ofdId: `OFD-${String(this.#nextId++).padStart(6, '0')}`,
      timestamp: Math.floor(Date.now() / 1000),
    };
    this.#accepted.set(key, answer);
    // The dedup memory is bounded too (a few times the ring: its entries are small).
    if (this.#accepted.size > 4 * this.#maxStored) this.#accepted.delete(this.#accepted.keys().next().value as string);
    const list = route === 'receipt' ? this.#receipts : this.#documents;
    list.push(payload);
    if (list.length > this.#maxStored) list.shift();
    if (route === 'receipt') this.#receiptsReceived++;
    else this.#documentsReceived++;
    this.#arrivals.push(payload);
    if (this.#arrivals.length > this.#maxStored) this.#arrivals.shift();
    return answer;
  }

  #answer(route: OfdRoute, decision: FaultDecision, body: unknown, reply: FastifyReply) {
    if (decision.kind === 'fail') return reply.code(503).send({ error: decision.reason });
    if (decision.kind === 'reject') return reply.code(422).send({ error: decision.reason });
    const problems = checkOfdPayload(body, route);
    if (problems.length > 0) return reply.code(400).send({ error: 'invalid document', problems });
    const payload = body as OfdPayload;
    const kind = payload.document_type;
    if ((kind === 'receipt' || kind === 'correction') && !this.#faults.faults.accept_invalid) {
      const flk = flkProblem(payload.document, kind);
      if (flk) {
        this.#flkRejections += 1;
        return reply.code(422).send({ error: `ФЛК: ${flk.message}`, tag: flk.tag });
      }
    }
    const { ofdId, timestamp } = this.#accept(route, body as OfdPayload);
    return reply.code(200).send({ status: 'accepted', ofd_id: ofdId, timestamp });
  }

  #buildApp(): FastifyInstance {
    const app = Fastify({
      logger: this.#logger ?? false,
      bodyLimit: MOCK_OFD_BODY_LIMIT,
      return503OnClosing: true,
      forceCloseConnections: 'idle',
    });
    installMockBasics(app, 'mock ОФД');

    const token = this.#token;
    const documentRoute = (route: OfdRoute) => ({
      // Counted before the body is parsed, so a call that fails on bad JSON or auth still counts.
      onRequest: async (request: FastifyRequest, reply: FastifyReply) => {
        if (route === 'receipt') this.#callCount += 1;
        else this.#documentCallCount += 1;
        if (token && !tokenMatches(request.headers.authorization, token)) {
          reply.header('WWW-Authenticate', 'Bearer realm="mock-ofd"');
          return reply.code(401).send({ error: 'unauthorized' });
        }
      },
      // Here, not in the handler, so auth and parse errors are delayed as well.
      onSend: async () => {
        const ms = this.#faults.latencyMs;
        if (ms > 0) await this.#listener.delay(ms);
      },
    });

    app.post('/ofd/v1/receipt', documentRoute('receipt'), async (request, reply) =>
      this.#answer('receipt', this.#faults.decide(), request.body, reply),
    );
    app.post('/ofd/v1/document', documentRoute('document'), async (request, reply) =>
      this.#answer('document', this.#faults.decide(), request.body, reply),
    );

    app.get('/ofd/v1/health', async () => this.health());
    app.post('/ofd/v1/_test/reset', async () => {
      this.reset();
      return { status: 'reset' };
    });
    app.put('/ofd/v1/_test/faults', async (request, reply) => {
      try {
        return { status: 'ok', faults: this.#faults.set(request.body) };
      } catch (e) {
        if (e instanceof MockServerError) return reply.code(400).send({ error: e.message, problems: e.problems });
        throw e;
      }
    });
    app.get('/ofd/v1/_test/receipts', async () => ({
      receipts: this.#receipts,
      documents: this.#documents,
      call_count: this.#callCount,
      document_call_count: this.#documentCallCount,
      duplicates: this.#duplicates,
    }));
    return app;
  }
}
