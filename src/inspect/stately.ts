import type { InspectionEvent } from 'xstate';

/**
 * Optional transport to Stately's online inspector (`KKT_INSPECT_STATELY=1`): forwards the same
 * inspection events to `@statelyai/inspect`'s WebSocket inspector, for people who have that
 * viewer. The local page (`/inspect`) never depends on it.
 *
 * Costs: `@statelyai/inspect` serialises every snapshot (context included, to depth 10) on a
 * `setTimeout(0)` per event, so it is far heavier than the hub; it is off by default. Context is
 * replaced by a summary of its keys before it leaves the process (it can hold fiscal data).
 */
export interface StatelyTransport {
  observe: (event: InspectionEvent) => void;
  stop(): void;
}

export interface StatelyOptions {
  /** Where the WebSocket receiver listens (default ws://127.0.0.1:8080, @statelyai/inspect's default port). */
  url?: string;
  /** Told about failures (connection errors are retried by the library every 5 s). */
  onError?: (error: unknown) => void;
}

/** Loads @statelyai/inspect lazily: the adapter never loads it unless asked to. */
export async function startStatelyTransport(options: StatelyOptions = {}): Promise<StatelyTransport> {
  const { createWebSocketInspector } = await import('@statelyai/inspect');
  const report = (e: unknown) => {
    try {
      options.onError?.(e);
    } catch {
      // A failing logger must not break inspection.
    }
  };
  const inspector = createWebSocketInspector({
    url: options.url ?? 'ws://127.0.0.1:8080',
    // The library's own queue while disconnected (drop oldest): bounded.
    maxDeferredEvents: 200,
    sanitizeContext: summariseContext,
    // Event payloads (receipts) stay in the process; the type says what happened.
    sanitizeEvent: (event) => ({ type: event.type }),
  });
  return {
    observe: (event) => {
      try {
        inspector.inspect.next?.(event);
      } catch (e) {
        report(e);
      }
    },
    stop: () => {
      try {
        inspector.stop();
      } catch (e) {
        report(e);
      }
    },
  };
}

/** `{ queue: [3 items], faults: {…}, failures: 2 }`: shapes and numbers, never strings or nested data. */
export function summariseContext(context: unknown): Record<string, unknown> {
  if (!context || typeof context !== 'object') return {};
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(context as Record<string, unknown>)) {
    if (typeof value === 'number' || typeof value === 'boolean' || value === null) out[key] = value;
    else if (Array.isArray(value)) out[key] = `[${value.length} items]`;
    else out[key] = typeof value === 'object' ? '{…}' : typeof value;
  }
  return out;
}
