import type { AnyActorRef, AnyStateMachine, InspectionEvent, StateValue, Subscription } from 'xstate';
import { MACHINE_CATALOG } from '../machines/catalog.ts';
import { StateResolver } from './active-states.ts';
import { describeMachine, type MachineDefinition } from './definition.ts';
import { toDisplayJson } from './display-json.ts';
import { EventLog, type LogEntry } from './event-log.ts';
import { SseClient, type SseSink } from './sse-client.ts';

export type CatalogEntry = { id: string; title: string; machine: AnyStateMachine };

export interface InspectionHubOptions {
  /** The machines to show (default: MACHINE_CATALOG). */
  catalog?: ReadonlyArray<CatalogEntry>;
  /** Events kept for the log (default 1000). */
  logSize?: number;
  /** Log entries a newly connected page receives (default 200). */
  initialLogEntries?: number;
  /** Most log entries sent per flush; older ones in between are counted as skipped (default 200). */
  maxLogPerFlush?: number;
  /** Updates are coalesced and sent at most this often, per actor (default 50 ms). */
  flushIntervalMs?: number;
  /** An SSE comment keeps idle connections (and proxies) alive (default 15 s). */
  heartbeatMs?: number;
  /** Per-client queue bounds (defaults 500 messages, 1 MiB). */
  clientMaxMessages?: number;
  clientMaxBytes?: number;
  /** Wall clock for log times (default Date.now). */
  now?: () => number;
  /** Told about an error inside the inspector (which is swallowed); at most once per 10 s. */
  onError?: (error: unknown) => void;
}

/** One actor as the page sees it. */
export interface ActorView {
  machine: string;
  sessionId: string;
  status: string;
  value: StateValue | null;
  /** Active leaves, space-separated: the page's `data-state`. */
  state: string;
  /** Ids of every active state node (ancestors included): what the diagram highlights. */
  active: string[];
  /** The event that produced this snapshot. */
  event: string;
  at: number;
  /** The actor's context, bounded for display (display-json.ts). */
  context: ReturnType<typeof toDisplayJson>;
}

export interface MachineView {
  id: string;
  title: string;
  svg: string;
  definition: MachineDefinition;
  actor: ActorView | null;
}

export interface HubStats {
  clients: number;
  events: number;
  logged: number;
  dropped: number;
  errors: number;
}

interface ActorSlot {
  entry: CatalogEntry;
  resolver: StateResolver;
  sessionId: string;
  value: StateValue | undefined;
  /** The snapshot's context, by reference: formatted only when a page reads it. */
  context: unknown;
  status: string;
  event: string;
  at: number;
  dirty: boolean;
}

/** The fields of an actor ref the hub reads; all optional because inspection hands out `ActorRefLike`. */
interface ActorRefFields {
  sessionId?: string;
  systemId?: string;
  logic?: { id?: unknown; root?: unknown; config?: { id?: unknown } };
}

const ERROR_REPORT_INTERVAL_MS = 10_000;

export const sseMessage = (event: string, data: unknown): string =>
  `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;

/**
 * Receives XState inspection events from every actor system of the adapter (`observe` is passed
 * as the `inspect` option of each root actor) and serves them to inspector pages.
 *
 * XState calls `observe` synchronously inside `actor.send()`, and an exception there would
 * propagate out of `send()` (XState reference §1.8). So `observe` catches everything and does
 * O(1) work per snapshot event (other event types are ignored): it looks the actor up in a
 * WeakMap, stores the snapshot's value by reference, writes one slot of a ring buffer and, only
 * while a page is connected, arms one timer. All
 * formatting and I/O happen in `flush`, at most every `flushIntervalMs`, coalescing the updates
 * of each actor; every page has a bounded queue (see SseClient).
 */
export class InspectionHub {
  private readonly catalog: ReadonlyArray<CatalogEntry>;
  private readonly byId = new Map<string, CatalogEntry>();
  private readonly resolvers = new Map<string, StateResolver>();
  /** Per actor ref: its slot, or null for actors that are not catalogued machines. */
  private readonly byActor = new WeakMap<object, ActorSlot | null>();
  /** Per catalogued machine: its newest actor. */
  private readonly current = new Map<string, ActorSlot>();
  private readonly log: EventLog;
  private readonly clients = new Set<SseClient>();
  private readonly options: Required<Omit<InspectionHubOptions, 'catalog' | 'onError'>>;
  private readonly onError: ((error: unknown) => void) | undefined;
  private flushTimer: NodeJS.Timeout | undefined;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private flushedSeq = 0;
  private nextClientId = 1;
  private closed = false;
  private events = 0;
  private errors = 0;
  private droppedByGoneClients = 0;
  private lastErrorReport = Number.NEGATIVE_INFINITY;
  /** Root actors given to `attach`, by catalog id (the newest per machine). */
  private readonly roots = new Map<string, AnyActorRef>();
  /** Inspection subscriptions, held only while a page is connected. */
  private readonly attached = new Map<AnyActorRef, Subscription>();

  constructor(options: InspectionHubOptions = {}) {
    this.catalog = options.catalog ?? MACHINE_CATALOG;
    for (const entry of this.catalog) {
      this.byId.set(entry.id, entry);
      this.resolvers.set(entry.id, new StateResolver(entry.machine));
    }
    this.options = {
      logSize: options.logSize ?? 1000,
      initialLogEntries: options.initialLogEntries ?? 200,
      maxLogPerFlush: options.maxLogPerFlush ?? 200,
      flushIntervalMs: options.flushIntervalMs ?? 50,
      heartbeatMs: options.heartbeatMs ?? 15_000,
      clientMaxMessages: options.clientMaxMessages ?? 500,
      clientMaxBytes: options.clientMaxBytes ?? 1024 * 1024,
      now: options.now ?? Date.now,
    };
    this.onError = options.onError;
    this.log = new EventLog(this.options.logSize);
  }

  /** The `inspect` option for `createActor`. Never throws. */
  readonly observe = (event: InspectionEvent): void => {
    if (this.closed) return;
    try {
      this.events++;
      // Only snapshots matter. Actors are matched on their first snapshot rather than on
      // `@xstate.actor`, which XState sends before it has set the actor's `systemId`.
      if (event.type !== '@xstate.snapshot') return;
      const slot = this.slotOf(event.actorRef);
      if (slot) this.record(slot, event.snapshot, event.event);
    } catch (e) {
      this.report(e);
    }
  };

  /**
   * Follows a root actor (its whole actor system) — lazily: XState's inspection costs on every
   * transition, so the hub subscribes (`system.inspect`) only while a page is connected and
   * reads the actor's snapshot directly otherwise. A newer actor of the same machine replaces
   * the older one (the device after a ФН replacement).
   */
  attach(actor: AnyActorRef): void {
    if (this.closed) return;
    this.safely(() => {
      const slot = this.slotOf(actor);
      if (!slot) return;
      const previous = this.roots.get(slot.entry.id);
      if (previous && previous !== actor) this.unsubscribe(previous);
      this.roots.set(slot.entry.id, actor);
      this.refresh(slot, actor);
      if (this.clients.size > 0) this.subscribe(actor);
    });
  }

  /** Connects a page: it receives a snapshot of every actor and the recent log, then updates. */
  addClient(sink: SseSink): SseClient {
    const client = new SseClient(
      sink,
      { maxMessages: this.options.clientMaxMessages, maxBytes: this.options.clientMaxBytes },
      this.nextClientId++,
    );
    if (this.closed) {
      client.close();
      return client;
    }
    // Updates flushed so far were for the pages already connected; the snapshot covers the rest.
    if (this.clients.size === 0) {
      this.flushedSeq = this.log.lastSeq;
      this.refreshRoots();
      for (const actor of this.roots.values()) this.subscribe(actor);
    }
    client.onClose = () => this.removeClient(client);
    client.onEmpty = () => {
      if (!client.lost) return;
      client.lost = false;
      this.safely(() => client.send(this.snapshotMessage()));
    };
    this.clients.add(client);
    this.safely(() => client.send(this.snapshotMessage()));
    this.startHeartbeat();
    return client;
  }

  removeClient(client: SseClient): void {
    if (!this.clients.delete(client)) return;
    this.droppedByGoneClients += client.dropped;
    client.close();
    if (this.clients.size === 0) {
      this.stopTimers();
      for (const actor of [...this.attached.keys()]) this.unsubscribe(actor);
    }
  }

  /** Every catalogued machine with its definition, diagram URL and current actor. */
  machines(): MachineView[] {
    this.refreshRoots();
    return this.catalog.map((entry) => {
      const slot = this.current.get(entry.id);
      return {
        id: entry.id,
        title: entry.title,
        svg: `/inspect/machines/${encodeURIComponent(entry.id)}.svg`,
        definition: describeMachine(entry.machine),
        actor: slot ? this.view(slot) : null,
      };
    });
  }

  machine(id: string): CatalogEntry | undefined {
    return this.byId.get(id);
  }

  /** The current view of one catalogued machine's newest actor. */
  actor(id: string): ActorView | null {
    this.refreshRoots();
    const slot = this.current.get(id);
    return slot ? this.view(slot) : null;
  }

  /**
   * Sends an event to the newest actor of a catalogued machine (the page's "send event", mock mode
   * only; the route checks the event against the machine's definition first). False when the
   * machine has no running actor.
   */
  send(id: string, build: (context: unknown) => { type: string }): boolean {
    const actor = this.roots.get(id);
    if (!actor || this.closed) return false;
    const snap = actor.getSnapshot() as { status?: string; context?: unknown };
    if (snap.status !== 'active') return false;
    actor.send(build(snap.context));
    return true;
  }

  recentLog(limit = this.options.initialLogEntries): LogEntry[] {
    return this.log.since(0, limit).entries;
  }

  stats(): HubStats {
    let dropped = this.droppedByGoneClients;
    for (const c of this.clients) dropped += c.dropped;
    return { clients: this.clients.size, events: this.events, logged: this.log.lastSeq, dropped, errors: this.errors };
  }

  /** Ends every page's stream; `observe` does nothing afterwards. */
  close(): void {
    if (this.closed) return;
    for (const actor of [...this.attached.keys()]) this.unsubscribe(actor);
    this.closed = true;
    this.stopTimers();
    for (const client of [...this.clients]) this.removeClient(client);
  }

  /** Sends the pending updates now (normally a timer does it). */
  flush(): void {
    this.flushTimer = undefined;
    if (this.clients.size === 0) return;
    this.safely(() => {
      const states: ActorView[] = [];
      for (const slot of this.current.values()) {
        if (!slot.dirty) continue;
        slot.dirty = false;
        states.push(this.view(slot));
      }
      let message = states.length > 0 ? sseMessage('state', states) : '';
      if (this.log.lastSeq > this.flushedSeq) {
        const { entries, skipped } = this.log.since(this.flushedSeq, this.options.maxLogPerFlush);
        this.flushedSeq = this.log.lastSeq;
        message += sseMessage('log', { entries, skipped });
      }
      if (message === '') return;
      for (const client of this.clients) {
        if (client.closed) this.removeClient(client);
        else client.send(message);
      }
    });
  }

  private subscribe(actor: AnyActorRef): void {
    if (this.attached.has(actor)) return;
    this.attached.set(actor, actor.system.inspect(this.observe));
  }

  private unsubscribe(actor: AnyActorRef): void {
    this.attached.get(actor)?.unsubscribe();
    this.attached.delete(actor);
  }

  /** Without a page nothing is observed: read each attached actor's present snapshot instead. */
  private refreshRoots(): void {
    this.safely(() => {
      for (const actor of this.roots.values()) {
        if (this.attached.has(actor)) continue;
        const slot = this.slotOf(actor);
        if (slot) this.refresh(slot, actor);
      }
    });
  }

  private refresh(slot: ActorSlot, actor: AnyActorRef): void {
    const snap = actor.getSnapshot() as { value?: StateValue; status?: string; context?: unknown };
    if (slot.value === snap.value && slot.status === snap.status && slot.context === snap.context) return;
    slot.value = snap.value;
    slot.context = snap.context;
    slot.status = typeof snap.status === 'string' ? snap.status : 'active';
    slot.dirty = true;
  }

  /** The actor's slot; matched once, on its first snapshot (also for actors started before the hub). */
  private slotOf(ref: object): ActorSlot | null {
    const slot = this.byActor.get(ref);
    return slot === undefined ? this.register(ref) : slot;
  }

  private register(ref: object): ActorSlot | null {
    const entry = this.match(ref as ActorRefFields);
    const slot: ActorSlot | null = entry
      ? {
          entry,
          resolver: this.resolvers.get(entry.id) as StateResolver,
          sessionId: String((ref as ActorRefFields).sessionId ?? ''),
          value: undefined,
          context: undefined,
          status: 'starting',
          event: '',
          at: this.options.now(),
          dirty: true,
        }
      : null;
    this.byActor.set(ref, slot);
    if (slot) {
      // The newest actor of a machine is the one shown (e.g. after the ФН was replaced).
      this.current.set(slot.entry.id, slot);
      this.schedule();
    }
    return slot;
  }

  /** By system id first (how the catalog is keyed), else by the machine's own id. */
  private match(ref: ActorRefFields): CatalogEntry | undefined {
    if (typeof ref.systemId === 'string') {
      const bySystemId = this.byId.get(ref.systemId);
      if (bySystemId) return bySystemId;
    }
    const logic = ref.logic;
    if (!logic || typeof logic !== 'object' || !logic.root) return undefined;
    const id = typeof logic.id === 'string' ? logic.id : logic.config?.id;
    return typeof id === 'string' ? this.byId.get(id) : undefined;
  }

  private record(slot: ActorSlot, snapshot: unknown, event: { type?: unknown } | undefined): void {
    const snap = snapshot as { value?: StateValue; status?: string; context?: unknown };
    const at = this.options.now();
    const eventType = typeof event?.type === 'string' ? event.type : '';
    this.log.push(slot.entry.id, eventType, slot.value, snap.value, at, slot.resolver, event);
    slot.value = snap.value;
    slot.context = snap.context;
    slot.status = typeof snap.status === 'string' ? snap.status : 'active';
    slot.event = eventType;
    slot.at = at;
    slot.dirty = true;
    this.schedule();
  }

  private schedule(): void {
    if (this.flushTimer !== undefined || this.clients.size === 0 || this.closed) return;
    this.flushTimer = setTimeout(() => this.flush(), this.options.flushIntervalMs);
    this.flushTimer.unref();
  }

  private view(slot: ActorSlot): ActorView {
    const active = slot.resolver.resolve(slot.value);
    return {
      machine: slot.entry.id,
      sessionId: slot.sessionId,
      status: slot.status,
      value: slot.value ?? null,
      state: active.leaves.join(' '),
      active: active.ids,
      event: slot.event,
      at: slot.at,
      context: toDisplayJson(slot.context),
    };
  }

  private snapshotMessage(): string {
    const states: ActorView[] = [];
    for (const slot of this.current.values()) states.push(this.view(slot));
    return sseMessage('snapshot', {
      machines: this.catalog.map((e) => e.id),
      states,
      log: this.recentLog(),
      stats: this.stats(),
    });
  }

  private startHeartbeat(): void {
    if (this.heartbeatTimer !== undefined) return;
    this.heartbeatTimer = setInterval(
      () =>
        this.safely(() => {
          for (const client of this.clients) {
            if (client.closed) this.removeClient(client);
            else if (client.queued === 0) client.send(': ping\n\n');
          }
        }),
      this.options.heartbeatMs,
    );
    this.heartbeatTimer.unref();
  }

  private stopTimers(): void {
    if (this.flushTimer !== undefined) clearTimeout(this.flushTimer);
    if (this.heartbeatTimer !== undefined) clearInterval(this.heartbeatTimer);
    this.flushTimer = undefined;
    this.heartbeatTimer = undefined;
  }

  private safely(fn: () => void): void {
    try {
      fn();
    } catch (e) {
      this.report(e);
    }
  }

  private report(error: unknown): void {
    this.errors++;
    const now = Date.now();
    if (!this.onError || now - this.lastErrorReport < ERROR_REPORT_INTERVAL_MS) return;
    this.lastErrorReport = now;
    try {
      this.onError(error);
    } catch {
      // A failing logger must not turn into an exception inside actor.send either.
    }
  }
}
