import { type Actor, createActor, type InspectionEvent } from 'xstate';
import type { Clock } from '../../fiscal/clock.ts';
import { type BreakerInput, circuitBreakerMachine } from '../../machines/circuit-breaker.machine.ts';

export type BreakerState = 'CLOSED' | 'OPEN' | 'HALF_OPEN';

type BreakerContext = ReturnType<Actor<typeof circuitBreakerMachine>['getSnapshot']>['context'];

export interface BreakerSnapshot {
  state: BreakerState;
  failureCount: number;
  threshold: number;
  openDelayMs: number;
  openedAt: number | null;
  opens: number;
  lastFailure: BreakerContext['lastFailure'];
}

const STATE_NAMES: Record<string, BreakerState> = { closed: 'CLOSED', open: 'OPEN', halfOpen: 'HALF_OPEN' };

/** The breaker actor plus the questions the sync pass asks it. */
export class Breaker {
  readonly actor: Actor<typeof circuitBreakerMachine>;

  constructor(input: BreakerInput, clock: Clock, inspect?: (e: InspectionEvent) => void) {
    this.actor = createActor(circuitBreakerMachine, {
      input,
      clock,
      systemId: 'circuitBreaker',
      ...(inspect ? { inspect } : {}),
    });
    this.actor.start();
  }

  state(): BreakerState {
    return STATE_NAMES[this.actor.getSnapshot().value as string] ?? 'OPEN';
  }

  /**
   * May a call go out now? `closed`: yes. `halfOpen`: once — the caller becomes the probe.
   * `open`: no.
   */
  tryAcquire(): boolean {
    const snap = this.actor.getSnapshot();
    if (snap.value === 'closed') return true;
    if (snap.value === 'halfOpen' && !snap.context.probing) {
      this.actor.send({ type: 'probe.start' });
      return true;
    }
    return false;
  }

  succeeded(): void {
    // Closed with no failures counted, a success changes nothing: not sending it saves a
    // macrostep per delivered document on the drain's hot path.
    const snap = this.actor.getSnapshot();
    if (snap.value === 'closed' && snap.context.failures === 0) return;
    this.actor.send({ type: 'call.succeeded' });
  }

  failed(reason: string, at: number): void {
    this.actor.send({ type: 'call.failed', reason, at });
  }

  /** A manual sync while open: probe now instead of waiting out the delay. */
  forceProbe(): void {
    this.actor.send({ type: 'probe.force' });
  }

  reset(): void {
    this.actor.send({ type: 'reset' });
  }

  snapshot(): BreakerSnapshot {
    const { context } = this.actor.getSnapshot();
    return {
      state: this.state(),
      failureCount: context.failures,
      threshold: context.threshold,
      openDelayMs: context.openDelayMs,
      openedAt: context.openedAt,
      opens: context.opens,
      lastFailure: context.lastFailure,
    };
  }

  stop(): void {
    this.actor.stop();
  }
}
