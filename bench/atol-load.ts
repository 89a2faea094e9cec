import { randomUUID } from 'node:crypto';
import { Pool } from 'undici';

/**
 * The ATOL load generator, run as its own process by bench/run.ts so that it does not share a
 * CPU with the server: `clients` POS loops, each posting one `sell` under a fresh uuid and
 * polling GET /api/v2/requests/{uuid} until it is ready, as a POS does, for `seconds`.
 * Prints one JSON line: {"done","errors","p50","p99"} (latencies in ms, POST to ready).
 *
 *   node --import tsx bench/atol-load.ts http://127.0.0.1:16732 50 5
 */
const [url = 'http://127.0.0.1:16732', clientsArg = '50', secondsArg = '5'] = process.argv.slice(2);
const clients = Number(clientsArg);
const seconds = Number(secondsArg);
const pool = new Pool(url, { connections: clients, pipelining: 1 });

const sell = {
  type: 'sell',
  taxationType: 'osn',
  items: [
    {
      type: 'position',
      name: 'Бананы',
      price: 73.15,
      quantity: 2,
      amount: 146.3,
      paymentMethod: 'fullPayment',
      paymentObject: 'commodity',
      tax: { type: 'vat22' },
    },
  ],
  payments: [{ type: 'electronically', sum: 146.3 }],
  total: 146.3,
};

async function json(method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; body: unknown }> {
  const res = await pool.request({
    method,
    path,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.body.text();
  return { status: res.statusCode, body: text ? JSON.parse(text) : undefined };
}

const latencies: number[] = [];
let errors = 0;
const end = Date.now() + seconds * 1000;

async function client(): Promise<void> {
  while (Date.now() < end) {
    const uuid = randomUUID();
    const t0 = performance.now();
    const posted = await json('POST', '/api/v2/requests', { uuid, request: [sell] });
    if (posted.status !== 201) {
      errors++;
      continue;
    }
    let wait = 2;
    for (;;) {
      const r = await json('GET', `/api/v2/requests/${uuid}`);
      const status = (r.body as { results?: { status: string }[] })?.results?.[0]?.status;
      if (status === 'ready') {
        latencies.push(performance.now() - t0);
        break;
      }
      if (status !== 'wait' && status !== 'inProgress') {
        errors++;
        break;
      }
      await new Promise((res) => setTimeout(res, wait));
      wait = Math.min(wait * 2, 20);
    }
  }
}

await Promise.all(Array.from({ length: clients }, () => client()));
await pool.close();
latencies.sort((a, b) => a - b);
const pct = (p: number) => Math.round(latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? 0);
console.log(JSON.stringify({ done: latencies.length, errors, p50: pct(0.5), p99: pct(0.99) }));
