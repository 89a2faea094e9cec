import Fastify, { type FastifyInstance } from 'fastify';
import {
  FaultInjector,
  installMockBasics,
  type MockFaults,
  MockListener,
  MockServerError,
  type MockServerOptions,
} from './faults.ts';

/** Odoo has no permanent rejection to simulate: a heartbeat either arrives or it does not. */
export type MockOdooFaults = Omit<MockFaults, 'reject_count' | 'accept_invalid'>;
const ODOO_FAULTS: readonly (keyof MockFaults)[] = ['failure_count', 'permanent_failure', 'latency_ms', 'fail_every_n'];

export type MockOdooOptions = MockServerOptions;

/** A heartbeat as received: the posted fields plus the mock's own arrival time. */
export type Heartbeat = Record<string, unknown> & { received_at: string };

export interface MockOdooHealth extends MockOdooFaults {
  status: 'healthy';
  call_count: number;
  heartbeats_received: number;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The Odoo side of the adapter's heartbeat: records every heartbeat, fails or stalls on demand. */
export class MockOdooServer {
  readonly #faults = new FaultInjector(ODOO_FAULTS);
  readonly #listener: MockListener;
  readonly #logger: MockServerOptions['logger'];
  #heartbeats: Heartbeat[] = [];
  #callCount = 0;

  constructor(options: MockOdooOptions = {}) {
    this.#logger = options.logger ?? false;
    this.#listener = new MockListener('mock Odoo', options, () => this.#buildApp());
  }

  /** Listens and returns the base URL, e.g. `http://127.0.0.1:8069`. */
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

  get faults(): Readonly<MockOdooFaults> {
    const { reject_count: _, accept_invalid: __, ...rest } = this.#faults.faults;
    return rest;
  }

  /** Replaces all faults, as `PUT /api/v1/_test/faults` does: omitted fields become 0/false. */
  setFaults(faults: Partial<MockOdooFaults>): void {
    this.#faults.set(faults);
  }

  reset(): void {
    this.#faults.reset();
    this.#heartbeats = [];
    this.#callCount = 0;
  }

  /** Heartbeats that were answered `200`, in arrival order. */
  heartbeats(): Heartbeat[] {
    return [...this.#heartbeats];
  }

  /** Every `POST /api/v1/kkt/heartbeat`, failed or not. */
  get callCount(): number {
    return this.#callCount;
  }

  health(): MockOdooHealth {
    return {
      status: 'healthy',
      call_count: this.#callCount,
      heartbeats_received: this.#heartbeats.length,
      ...this.faults,
    };
  }

  #buildApp(): FastifyInstance {
    const app = Fastify({
      logger: this.#logger ?? false,
      bodyLimit: 64 * 1024,
      return503OnClosing: true,
      forceCloseConnections: 'idle',
    });
    installMockBasics(app, 'mock Odoo');

    app.post(
      '/api/v1/kkt/heartbeat',
      {
        // Counted before the body is parsed, so a heartbeat with bad JSON still counts.
        onRequest: async () => {
          this.#callCount += 1;
        },
        onSend: async () => {
          const ms = this.#faults.latencyMs;
          if (ms > 0) await this.#listener.delay(ms);
        },
      },
      async (request, reply) => {
        const decision = this.#faults.decide();
        if (decision.kind !== 'ok') return reply.code(503).send({ error: decision.reason });
        if (!isRecord(request.body)) return reply.code(400).send({ error: 'heartbeat must be a JSON object' });
        this.#heartbeats.push({ ...request.body, received_at: new Date().toISOString() });
        return { status: 'ok' };
      },
    );

    app.get('/health', async () => this.health());
    app.put('/api/v1/_test/faults', async (request, reply) => {
      try {
        this.#faults.set(request.body);
        return { status: 'ok', faults: this.faults };
      } catch (e) {
        if (e instanceof MockServerError) return reply.code(400).send({ error: e.message, problems: e.problems });
        throw e;
      }
    });
    app.get('/api/v1/_test/heartbeats', async () => ({ heartbeats: this.#heartbeats, call_count: this.#callCount }));
    app.post('/api/v1/_test/reset', async () => {
      this.reset();
      return { status: 'reset' };
    });
    return app;
  }
}
