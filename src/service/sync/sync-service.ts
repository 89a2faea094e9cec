import { setMaxListeners } from 'node:events';
import { type Actor, createActor, fromPromise, type InspectionEvent } from 'xstate';
import type { Clock } from '../../fiscal/clock.ts';
import { type PassResult, type syncWorkerMachine, syncWorkerMachineFor } from '../../machines/sync-worker.machine.ts';
import type { Breaker, BreakerSnapshot } from './breaker.ts';
import { SyncPass, type SyncPassDeps } from './sync-pass.ts';

export interface SyncServiceOptions {
  pass: Omit<SyncPassDeps, 'breaker'>;
  breaker: Breaker;
  intervalMs: number;
  /** How soon after new receipts a pass starts (coalesces a burst into one pass). */
  kickMs: number;
  netClock: Clock;
  inspect?: (e: InspectionEvent) => void;
}

export type { PassResult };

export type NetworkStatus = 'online' | 'offline' | 'degraded' | 'unknown';

type WorkerContext = ReturnType<Actor<typeof syncWorkerMachine>['getSnapshot']>['context'];

export interface SyncSnapshot {
  state: 'idle' | 'syncing' | 'backingOff';
  intervalMs: number;
  batchSize: number;
  concurrency: number;
  passes: number;
  lastPass: WorkerContext['lastPass'];
  totals: WorkerContext['totals'];
  lastSuccessAt: number | null;
  lastError: WorkerContext['lastError'];
}

export class SyncStoppedError extends Error {
  readonly code = 'SYNC_STOPPED';
  constructor() {
    super('the sync worker is stopped');
  }
}

/** The sync worker actor, wired to the breaker, plus what the HTTP routes ask of it. */
export class SyncService {
  readonly actor: Actor<typeof syncWorkerMachine>;
  readonly breaker: Breaker;
  private readonly aborter = new AbortController();
  private lastSuccessAt: number | null = null;
  private running: Promise<unknown> = Promise.resolve();
  private readonly unsubscribe: () => void;

  constructor(private readonly options: SyncServiceOptions) {
    // Every in-flight ОФД call listens on this one signal; a pass has up to `concurrency` of them.
    setMaxListeners(Math.max(64, options.pass.concurrency * 4), this.aborter.signal);
    this.breaker = options.breaker;
    const deps: SyncPassDeps = { rejectedDocuments: new Set(), ...options.pass, breaker: options.breaker };
    const logic = syncWorkerMachineFor(options.netClock).provide({
      actors: {
        syncPass: fromPromise(({ input }) => {
          const pass = SyncPass.run(deps, input, this.aborter.signal);
          this.running = pass.catch(() => undefined);
          return pass;
        }),
      },
    });
    this.actor = createActor(logic, {
      input: { intervalMs: options.intervalMs, kickMs: options.kickMs },
      clock: options.netClock,
      systemId: 'syncWorker',
      ...(options.inspect ? { inspect: options.inspect } : {}),
    });
    this.actor.on('pass.done', ({ result }) => {
      if (result.synced + result.documents > 0) this.lastSuccessAt = options.pass.clock.now();
    });
    // When the breaker's open delay runs out, the waiting worker sends the probe.
    const sub = this.breaker.actor.subscribe((snap) => {
      if (snap.value === 'halfOpen') this.actor.send({ type: 'breaker.halfOpen' });
    });
    this.unsubscribe = () => sub.unsubscribe();
    this.actor.start();
  }

  /** New receipts are in the buffer: sync soon. */
  notifyReceipts(): void {
    this.actor.send({ type: 'receipts.added' });
  }

  /**
   * Runs one pass (after the one in progress, if any) and answers with its result. While the
   * breaker is open this pass is the forced half-open probe.
   */
  syncNow(): Promise<PassResult> {
    if (this.actor.getSnapshot().status !== 'active') return Promise.reject(new SyncStoppedError());
    // Whether a pass is running (the request queues another) or not (it starts one), the pass
    // that answers is the next one to start.
    const target = this.actor.getSnapshot().context.passNo + 1;
    return new Promise<PassResult>((resolve, reject) => {
      const done = this.actor.on('pass.done', ({ passNo, result }) => {
        if (passNo < target) return;
        cleanup();
        resolve(result);
      });
      const failed = this.actor.on('pass.failed', ({ passNo, error }) => {
        if (passNo < target) return;
        cleanup();
        reject(new Error(error));
      });
      const stopped = this.actor.subscribe({
        complete: () => {
          cleanup();
          reject(new SyncStoppedError());
        },
      });
      const cleanup = () => {
        done.unsubscribe();
        failed.unsubscribe();
        stopped.unsubscribe();
      };
      this.actor.send({ type: 'sync.request' });
    });
  }

  state(): 'idle' | 'syncing' | 'backingOff' {
    const v = this.actor.getSnapshot().value;
    return (typeof v === 'string' ? v : Object.keys(v)[0]) as 'idle' | 'syncing' | 'backingOff';
  }

  /** The worker's state and history, for the status routes. */
  snapshot(): SyncSnapshot {
    const { context } = this.actor.getSnapshot();
    return {
      state: this.state(),
      intervalMs: this.options.intervalMs,
      batchSize: this.options.pass.batchSize,
      concurrency: this.options.pass.concurrency,
      passes: context.totals.passes,
      lastPass: context.lastPass,
      totals: context.totals,
      lastSuccessAt: this.lastSuccessAt,
      lastError: context.lastError,
    };
  }

  breakerSnapshot(): BreakerSnapshot {
    return this.breaker.snapshot();
  }

  /** What the buffer and health say about the link to the ОФД. */
  networkStatus(): NetworkStatus {
    if (this.breaker.state() !== 'CLOSED') return 'offline';
    if (this.breaker.snapshot().failureCount > 0) return 'degraded';
    return this.actor.getSnapshot().context.totals.passes === 0 ? 'unknown' : 'online';
  }

  /**
   * Stops the worker: the pass in progress stops between calls and records what it learnt
   * before this resolves, so the store can be closed afterwards with nothing half-written.
   */
  async stop(): Promise<void> {
    this.unsubscribe();
    this.aborter.abort();
    await this.running;
    this.actor.stop();
    this.breaker.stop();
  }
}
