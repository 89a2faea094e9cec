import type { StateValue } from 'xstate';
import type { StateResolver } from './active-states.ts';
import { type EventRefs, eventRefs, toDisplayJson } from './display-json.ts';

/** One processed event as the page shows it. */
export interface LogEntry {
  seq: number;
  /** Wall-clock milliseconds. */
  at: number;
  machine: string;
  event: string;
  /** Active leaves before and after, space-separated (`printer.ready shift.opened`). */
  from: string;
  to: string;
  /** The event's payload (its fields but `type`), bounded for display; null when it has none. */
  data: ReturnType<typeof toDisplayJson>;
  /** The receipts and documents the event carries (see eventRefs). */
  refs: EventRefs;
}

interface Slot {
  seq: number;
  at: number;
  machine: string;
  event: string;
  from: StateValue | undefined;
  to: StateValue | undefined;
  resolver: StateResolver | undefined;
  /** The event object itself, by reference (XState does not mutate events). */
  payload: unknown;
}

/**
 * A fixed-size ring of the latest processed events. `push` runs inside `actor.send`, so it only
 * overwrites the fields of a preallocated slot: no allocation, no formatting. State values are
 * kept by reference (XState never mutates a snapshot's value) and turned into text only when a
 * reader asks, at most a few times per second.
 */
export class EventLog {
  private readonly slots: Slot[];
  private nextSeq = 1;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError('capacity must be a positive integer');
    this.slots = Array.from({ length: capacity }, () => ({
      seq: 0,
      at: 0,
      machine: '',
      event: '',
      from: undefined,
      to: undefined,
      resolver: undefined,
      payload: undefined,
    }));
  }

  /** Sequence number of the latest entry (0 when empty). */
  get lastSeq(): number {
    return this.nextSeq - 1;
  }

  push(
    machine: string,
    event: string,
    from: StateValue | undefined,
    to: StateValue | undefined,
    at: number,
    resolver: StateResolver,
    payload?: unknown,
  ): void {
    const seq = this.nextSeq++;
    const slot = this.slots[seq % this.capacity] as Slot;
    slot.seq = seq;
    slot.at = at;
    slot.machine = machine;
    slot.event = event;
    slot.from = from;
    slot.to = to;
    slot.resolver = resolver;
    slot.payload = payload;
  }

  /** Entries with `seq > afterSeq`, oldest first, at most the `limit` newest of them. */
  since(afterSeq: number, limit = this.capacity): { entries: LogEntry[]; skipped: number } {
    const last = this.lastSeq;
    const oldest = Math.max(afterSeq + 1, last - this.capacity + 1, 1);
    const first = Math.max(oldest, last - limit + 1);
    const entries: LogEntry[] = [];
    for (let seq = first; seq <= last; seq++) entries.push(this.format(this.slots[seq % this.capacity] as Slot));
    return { entries, skipped: Math.max(0, first - (afterSeq + 1)) };
  }

  private format(slot: Slot): LogEntry {
    const resolver = slot.resolver;
    return {
      seq: slot.seq,
      at: slot.at,
      machine: slot.machine,
      event: slot.event,
      from: resolver ? resolver.resolve(slot.from).leaves.join(' ') : '',
      to: resolver ? resolver.resolve(slot.to).leaves.join(' ') : '',
      data: payloadOf(slot.payload),
      refs: eventRefs(slot.payload),
    };
  }
}

/**
 * Payloads are bounded tighter than contexts: a busy register logs hundreds of events a second and
 * every one goes to every page (bench/inspector.ts measures the cost of streaming pages).
 */
const PAYLOAD_LIMITS = { depth: 7, items: 12, chars: 160 };

/** The event's fields but its `type` (already shown), or null when there are none. */
function payloadOf(event: unknown) {
  if (event === null || typeof event !== 'object') return null;
  const { type: _type, ...rest } = event as Record<string, unknown>;
  return Object.keys(rest).length === 0 ? null : toDisplayJson(rest, PAYLOAD_LIMITS);
}
