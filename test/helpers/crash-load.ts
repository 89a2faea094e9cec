import type { AdapterChild } from './adapter-child.ts';

/** One request a crash test sent: the answer it got before the kill, or why it got none. */
export interface LoadedRequest {
  acked?: unknown;
  failure?: string;
}

export interface LoadThenKill<R extends LoadedRequest> {
  child: AdapterChild;
  /** Clients posting at once. */
  clients: number;
  /** Acknowledged requests after which the child is SIGKILLed (with up to `clients` still open). */
  target: number;
  /** Kill anyway after this long, so a slow machine cannot hang the test. */
  timeoutMs: number;
  next(): R;
  send(r: R): Promise<{ status: number; json: unknown }>;
}

/**
 * `clients` clients post `next()` requests until `target` have been acknowledged, then the child
 * is SIGKILLed at once. Every request sent is returned with its answer (`acked`), its refusal
 * (`failure` starting with `HTTP`) or the error of a connection that died with the process.
 */
export async function loadThenKill<R extends LoadedRequest>(o: LoadThenKill<R>): Promise<{ sent: R[]; acked: number }> {
  const sent: R[] = [];
  let acked = 0;
  let stop = false;
  let killed = false;
  let reached!: () => void;
  const enough = new Promise<void>((resolve) => {
    reached = resolve;
  });
  const killNow = () => {
    if (killed) return;
    killed = true;
    stop = true;
    o.child.child.kill('SIGKILL');
  };
  const loops = Array.from({ length: o.clients }, async () => {
    while (!stop) {
      const r = o.next();
      sent.push(r);
      try {
        const answer = await o.send(r);
        if (answer.status === 200) {
          r.acked = answer.json;
          if (++acked >= o.target) {
            killNow();
            reached();
          }
        } else {
          r.failure = `HTTP ${answer.status}: ${JSON.stringify(answer.json)}`;
        }
      } catch (e) {
        // The connection died with the process (or the body was cut off): the answer is lost.
        r.failure = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
        return;
      }
    }
  });
  const timer = setTimeout(() => {
    killNow();
    reached();
  }, o.timeoutMs);
  await enough;
  clearTimeout(timer);
  await o.child.exited;
  await Promise.allSettled(loops);
  return { sent, acked };
}

/** Runs `fn` over `items` with at most `limit` at a time. */
export async function pool<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await fn(items[next++] as T);
    }),
  );
}

export async function getJson(url: string, path: string): Promise<{ status: number; json: unknown }> {
  const res = await fetch(`${url}${path}`, { signal: AbortSignal.timeout(10_000) });
  return { status: res.status, json: (await res.json()) as unknown };
}
