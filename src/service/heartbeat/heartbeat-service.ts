import { type Actor, createActor, fromPromise, type InspectionEvent } from 'xstate';
import type { Clock } from '../../fiscal/clock.ts';
import type { HeartbeatResult } from '../../io/http/odoo-client.ts';
import { type heartbeatMachine, heartbeatMachineFor } from '../../machines/heartbeat.machine.ts';

type HeartbeatContext = ReturnType<Actor<typeof heartbeatMachine>['getSnapshot']>['context'];

export interface HeartbeatSnapshot {
  state: 'unknown' | 'online' | 'offline';
  intervalMs: number;
  beats: number;
  consecutiveFailures: number;
  lastOkAt: number | null;
  lastError: HeartbeatContext['lastError'];
}

export interface HeartbeatServiceOptions {
  intervalMs: number;
  offlineAfter?: number;
  onlineAfter?: number;
  /** Sends one heartbeat (the Odoo client) with the body the adapter builds at that moment. */
  beat: (signal: AbortSignal) => Promise<HeartbeatResult>;
  netClock: Clock;
  inspect?: (e: InspectionEvent) => void;
}

export class HeartbeatFailed extends Error {
  constructor(
    message: string,
    readonly code = 'HEARTBEAT_FAILED',
  ) {
    super(message);
  }
}

/** The heartbeat actor and its health view. */
export class HeartbeatService {
  readonly actor: Actor<typeof heartbeatMachine>;
  private readonly aborter = new AbortController();

  constructor(options: HeartbeatServiceOptions) {
    const logic = heartbeatMachineFor(options.netClock).provide({
      actors: {
        beat: fromPromise(async () => {
          const result = await options.beat(this.aborter.signal);
          if (!result.ok) throw new HeartbeatFailed(result.reason, result.code);
        }),
      },
    });
    this.actor = createActor(logic, {
      input: {
        intervalMs: options.intervalMs,
        offlineAfter: options.offlineAfter ?? 3,
        onlineAfter: options.onlineAfter ?? 2,
      },
      clock: options.netClock,
      systemId: 'heartbeat',
      ...(options.inspect ? { inspect: options.inspect } : {}),
    });
    this.actor.start();
  }

  state(): 'unknown' | 'online' | 'offline' {
    const v = this.actor.getSnapshot().value as { status: 'unknown' | 'online' | 'offline' };
    return v.status;
  }

  snapshot(): HeartbeatSnapshot {
    const { context } = this.actor.getSnapshot();
    return {
      state: this.state(),
      intervalMs: context.intervalMs,
      beats: context.beats,
      consecutiveFailures: context.failStreak,
      lastOkAt: context.lastOkAt,
      lastError: context.lastError,
    };
  }

  stop(): void {
    this.aborter.abort();
    this.actor.stop();
  }
}
