import { sseMessage } from '../../inspect/hub.ts';
import { SseClient, type SseSink } from '../../inspect/sse-client.ts';
import type { ActivityRing } from './activity.ts';

export interface ConsoleFeedOptions {
  /** The state the page shows (GET /v1/health's report plus the console's extras). */
  compute: () => Promise<unknown>;
  /** Reads the buffer's counts for the chart: cheap, no device call. */
  counts: () => { total: number; pending: number };
  ring: ActivityRing;
  /** A fresh state is pushed at least this often while a page is open (default 2 s). */
  tickMs?: number;
  /** The chart's counts are sampled this often, page or not (default 5 s). */
  sampleMs?: number;
  /** A change announced by `poke` is pushed after this delay, coalescing bursts (default 50 ms). */
  pokeMs?: number;
  /** Wall clock of the chart (default Date.now). */
  now?: () => number;
  onError?: (error: unknown) => void;
}

/**
 * The console's live feed (`GET /console/events`): every open page gets the whole state as one
 * `state` event, on connect, after every state-changing API request (`poke`, called by an
 * onResponse hook) and on a periodic tick that catches what no request announced (the ATOL API,
 * the sync worker, the 24-hour timer). Each page has the inspector's bounded queue (SseClient):
 * a stuck browser costs bounded memory and never slows the register.
 */
export class ConsoleFeed {
  private readonly clients = new Set<SseClient>();
  private readonly tickMs: number;
  private readonly pokeMs: number;
  private readonly now: () => number;
  private tickTimer: NodeJS.Timeout | undefined;
  private pokeTimer: NodeJS.Timeout | undefined;
  private readonly sampleTimer: NodeJS.Timeout;
  private nextId = 1;
  private running: Promise<void> | undefined;
  private again = false;
  private closed = false;
  private lastReport = Number.NEGATIVE_INFINITY;

  constructor(private readonly options: ConsoleFeedOptions) {
    this.tickMs = options.tickMs ?? 2000;
    this.pokeMs = options.pokeMs ?? 50;
    this.now = options.now ?? Date.now;
    this.sampleTimer = setInterval(() => this.sample(), options.sampleMs ?? 5000);
    this.sampleTimer.unref();
    this.sample();
  }

  get clientCount(): number {
    return this.clients.size;
  }

  addClient(sink: SseSink): SseClient {
    const client = new SseClient(sink, { maxMessages: 50, maxBytes: 1024 * 1024 }, this.nextId++);
    if (this.closed) {
      client.close();
      return client;
    }
    client.onClose = () => this.removeClient(client);
    this.clients.add(client);
    if (this.tickTimer === undefined) {
      this.tickTimer = setInterval(() => this.push(), this.tickMs);
      this.tickTimer.unref();
    }
    this.push();
    return client;
  }

  removeClient(client: SseClient): void {
    if (!this.clients.delete(client)) return;
    client.close();
    if (this.clients.size === 0) this.stopTicking();
  }

  /** Something changed (a POST or PUT went through): push soon, once for a burst. */
  poke(): void {
    if (this.closed || this.clients.size === 0 || this.pokeTimer !== undefined) return;
    this.pokeTimer = setTimeout(() => {
      this.pokeTimer = undefined;
      this.push();
    }, this.pokeMs);
    this.pokeTimer.unref();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.sampleTimer);
    this.stopTicking();
    for (const client of [...this.clients]) this.removeClient(client);
  }

  /** One computation at a time; a push asked for meanwhile runs once after it. */
  private push(): void {
    if (this.closed || this.clients.size === 0) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.send().finally(() => {
      this.running = undefined;
      if (this.again) {
        this.again = false;
        this.push();
      }
    });
  }

  private async send(): Promise<void> {
    let message: string;
    try {
      this.sample();
      const state = await this.options.compute();
      message = sseMessage('state', { ...(state as object), chart: this.options.ring.minutesSince(this.now()) });
    } catch (e) {
      this.report(e);
      message = sseMessage('failure', { detail: e instanceof Error ? e.message : String(e) });
    }
    for (const client of [...this.clients]) {
      if (client.closed) this.removeClient(client);
      else client.send(message);
    }
  }

  private sample(): void {
    try {
      const { total, pending } = this.options.counts();
      this.options.ring.sample(total, pending, this.now());
    } catch (e) {
      this.report(e);
    }
  }

  private stopTicking(): void {
    if (this.tickTimer !== undefined) clearInterval(this.tickTimer);
    if (this.pokeTimer !== undefined) clearTimeout(this.pokeTimer);
    this.tickTimer = undefined;
    this.pokeTimer = undefined;
  }

  /** At most one report per 30 s: a failing disk would otherwise log every sample. */
  private report(error: unknown): void {
    const now = Date.now();
    if (now - this.lastReport < 30_000) return;
    this.lastReport = now;
    try {
      this.options.onError?.(error);
    } catch {
      // A failing logger must not stop the feed.
    }
  }
}
