/**
 * Actors' contexts and events as the inspector page shows them: plain JSON, whatever XState holds
 * (actor refs, functions, Maps, Errors, bigints, byte arrays, cycles), cut to a bounded size so a
 * context holding a whole ФН state or a 100-item receipt cannot flood a page. The page folds what
 * is large; this only bounds it.
 */
export interface DisplayLimits {
  /** Nesting levels shown (default 8). */
  depth: number;
  /** Array items and object keys shown per level (default 60). */
  items: number;
  /** Characters of a string shown (default 400). */
  chars: number;
}

const DEFAULTS: DisplayLimits = { depth: 8, items: 60, chars: 400 };

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export function toDisplayJson(value: unknown, limits: Partial<DisplayLimits> = {}): Json {
  return convert(value, { ...DEFAULTS, ...limits }, 0, new Set());
}

function isActorRef(o: object): o is { sessionId: string; id?: unknown } {
  const r = o as { sessionId?: unknown; send?: unknown; getSnapshot?: unknown };
  return typeof r.sessionId === 'string' && typeof r.send === 'function' && typeof r.getSnapshot === 'function';
}

function convert(value: unknown, limits: DisplayLimits, depth: number, seen: Set<object>): Json {
  switch (typeof value) {
    case 'string':
      return value.length > limits.chars ? `${value.slice(0, limits.chars)}… (${value.length} characters)` : value;
    case 'number':
      return Number.isFinite(value) ? value : String(value);
    case 'boolean':
      return value;
    case 'bigint':
      return `${value}n`;
    case 'undefined':
      return null;
    case 'function':
      return `[function ${value.name || 'anonymous'}]`;
    case 'symbol':
      return value.toString();
  }
  if (value === null) return null;
  const o = value as object;
  if (seen.has(o)) return '[circular]';
  if (isActorRef(o)) return `[actor ${typeof o.id === 'string' ? o.id : o.sessionId}]`;
  if (o instanceof Date) return Number.isNaN(o.getTime()) ? '[invalid date]' : o.toISOString();
  if (ArrayBuffer.isView(o)) return `[${o.byteLength} bytes]`;
  if (o instanceof Error) {
    const code = (o as { code?: unknown }).code;
    return { error: o.name, message: o.message, ...(typeof code === 'string' ? { code } : {}) };
  }
  if (depth >= limits.depth) return Array.isArray(o) ? `[array of ${o.length}]` : '[object]';
  seen.add(o);
  try {
    if (Array.isArray(o) || o instanceof Set) {
      const items = [...o];
      const shown = items.slice(0, limits.items).map((v) => convert(v, limits, depth + 1, seen));
      if (items.length > limits.items) shown.push(`… ${items.length - limits.items} more`);
      return shown;
    }
    const entries: [string, unknown][] =
      o instanceof Map ? [...o.entries()].map(([k, v]) => [String(k), v]) : Object.entries(o);
    const out: { [key: string]: Json } = {};
    let n = 0;
    for (const [key, v] of entries) {
      if (v === undefined) continue;
      if (n++ === limits.items) {
        out['…'] = `${entries.length - limits.items} more keys`;
        break;
      }
      out[key] = convert(v, limits, depth + 1, seen);
    }
    return out;
  } finally {
    seen.delete(o);
  }
}

/** What an event is about: the receipts' request ids and Idempotency-Keys, the documents' numbers. */
export interface EventRefs {
  requests: string[];
  keys: string[];
  docs: number[];
}

/**
 * Finds the receipts and documents an event carries (a `job.submit` carries the receipt's
 * request id, the printer's `done` event the fiscal documents it produced), so the console can
 * link a document to the transitions it caused. Bounded walk: depth 6, 2000 nodes.
 */
export function eventRefs(event: unknown): EventRefs {
  const refs: EventRefs = { requests: [], keys: [], docs: [] };
  let budget = 2000;
  const walk = (v: unknown, depth: number) => {
    if (v === null || typeof v !== 'object' || depth > 6 || budget-- <= 0) return;
    if (isActorRef(v)) return;
    if (Array.isArray(v)) {
      for (const item of v) walk(item, depth + 1);
      return;
    }
    const o = v as Record<string, unknown>;
    if (typeof o.requestId === 'string' && !refs.requests.includes(o.requestId)) refs.requests.push(o.requestId);
    if (typeof o.idempotencyKey === 'string' && !refs.keys.includes(o.idempotencyKey)) refs.keys.push(o.idempotencyKey);
    // A fiscal document: a number, a kind and a time (src/fiscal/document.ts).
    if (typeof o.number === 'number' && typeof o.kind === 'string' && 'dateTime' in o && !refs.docs.includes(o.number))
      refs.docs.push(o.number);
    for (const key of Object.keys(o)) walk(o[key], depth + 1);
  };
  walk(event, 0);
  return refs;
}
