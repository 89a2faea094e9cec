import type { MachineDefinition } from './definition.ts';

/**
 * The events the inspector page may send in mock mode (docs/console.md): only the device's and
 * the breaker's, only event types their machine definitions list, each with its payload checked
 * here. Payload fields the running system owns are filled from the actor (the ФН state of
 * `fn.changed`) or the clock (`at` of `call.failed`), never taken from the page.
 */
export interface SendableEvent {
  type: string;
  /** What the event does, for the page. */
  description: string;
  /** The payload the page may give (JSON), as an example. */
  example: Record<string, unknown>;
}

type Payload = Record<string, unknown>;
type Built = { ok: true; build: (context: unknown) => { type: string } } | { ok: false; problems: string[] };

interface Rule extends SendableEvent {
  check(payload: Payload, now: number): Built;
}

const onlyKeys = (payload: Payload, keys: readonly string[]): string[] =>
  Object.keys(payload)
    .filter((k) => !keys.includes(k))
    .map((k) => `/${k}: is not a field of this event (fields: ${keys.length ? keys.join(', ') : 'none'})`);

/** An event with no payload. */
const bare = (type: string, description: string): Rule => ({
  type,
  description,
  example: {},
  check: (payload) => {
    const problems = onlyKeys(payload, []);
    return problems.length ? { ok: false, problems } : { ok: true, build: () => ({ type }) };
  },
});

const RULES: Record<string, readonly Rule[]> = {
  kkt: [
    {
      type: 'fault.set',
      description: 'set or clear printer faults (what PUT /v1/_emulator/faults sends)',
      example: { faults: { paperOut: true } },
      check: (payload) => {
        const problems = onlyKeys(payload, ['faults']);
        const faults = payload.faults;
        if (faults === null || typeof faults !== 'object' || Array.isArray(faults))
          return { ok: false, problems: [...problems, '/faults: must be an object with paperOut and/or coverOpen'] };
        const f = faults as Payload;
        problems.push(...onlyKeys(f, ['paperOut', 'coverOpen']).map((p) => `/faults${p}`));
        for (const k of ['paperOut', 'coverOpen'])
          if (k in f && typeof f[k] !== 'boolean') problems.push(`/faults/${k}: must be true or false`);
        if (Object.keys(f).length === 0) problems.push('/faults: give paperOut and/or coverOpen');
        if (problems.length) return { ok: false, problems };
        const value = { ...f } as { paperOut?: boolean; coverOpen?: boolean };
        return { ok: true, build: () => ({ type: 'fault.set', faults: value }) };
      },
    },
    {
      type: 'fn.changed',
      description: "re-evaluate the shift and ФН deadlines (the ФН's own state is sent, not the page's)",
      example: {},
      check: (payload) => {
        const problems = onlyKeys(payload, []);
        if (problems.length) return { ok: false, problems };
        return { ok: true, build: (context) => ({ type: 'fn.changed', fn: (context as { fn: unknown }).fn }) };
      },
    },
  ],
  circuitBreaker: [
    bare('call.succeeded', 'an ОФД call succeeded'),
    {
      type: 'call.failed',
      description: 'an ОФД call failed (counts towards the threshold)',
      example: { reason: 'sent from the inspector' },
      check: (payload, now) => {
        const problems = onlyKeys(payload, ['reason']);
        const reason = payload.reason ?? 'sent from the inspector';
        if (typeof reason !== 'string' || reason.length === 0 || reason.length > 200)
          problems.push('/reason: must be a text of 1 to 200 characters');
        if (problems.length) return { ok: false, problems };
        return { ok: true, build: () => ({ type: 'call.failed', reason: reason as string, at: now }) };
      },
    },
    bare('probe.start', 'a half-open probe starts (blocks other calls until it ends)'),
    bare('probe.force', 'an open breaker goes half-open now'),
    bare('reset', 'back to closed, counters cleared'),
  ],
};

/** Event types of the definition that are documented but not sent from a page, and why. */
const REFUSED: Record<string, Record<string, string>> = {
  kkt: {
    'job.submit':
      'job.submit carries a fiscal job the adapter tracks until it settles; post a receipt (POST /v1/kkt/receipt) instead',
  },
};

/** The machines whose events the page may send. */
export function canSendTo(machineId: string): boolean {
  return machineId in RULES;
}

/** What the page offers for one machine. */
export function sendableEvents(machineId: string): SendableEvent[] {
  return (RULES[machineId] ?? []).map(({ type, description, example }) => ({ type, description, example }));
}

/** The event types a definition's transitions react to (`after`, `always` and `done` are not events). */
export function definitionEvents(definition: MachineDefinition): Set<string> {
  const types = new Set<string>();
  for (const t of definition.transitions) if (t.trigger.kind === 'event') types.add(t.trigger.event);
  return types;
}

export type Prepared = Built | { ok: false; problems: string[] };

/** Checks a page's `{type, ...payload}` against the machine's definition and this table. */
export function prepareEvent(machineId: string, definition: MachineDefinition, body: unknown, now: number): Prepared {
  if (body === null || typeof body !== 'object' || Array.isArray(body))
    return { ok: false, problems: ['the body must be a JSON object {"type": …}'] };
  const { type, ...payload } = body as Payload;
  if (typeof type !== 'string') return { ok: false, problems: ['/type: the event type is required'] };
  const known = definitionEvents(definition);
  if (!known.has(type))
    return {
      ok: false,
      problems: [`/type: "${type}" is not an event of ${machineId} (its events: ${[...known].join(', ')})`],
    };
  const refused = REFUSED[machineId]?.[type];
  if (refused) return { ok: false, problems: [`/type: ${refused}`] };
  const rule = RULES[machineId]?.find((r) => r.type === type);
  if (!rule) return { ok: false, problems: [`/type: "${type}" cannot be sent from the inspector`] };
  return rule.check(payload, now);
}
