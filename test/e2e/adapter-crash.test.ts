import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type AdapterChild, spawnAdapter } from '../helpers/adapter-child.ts';
import { getJson, loadThenKill, pool } from '../helpers/crash-load.ts';

/**
 * Crash safety with real processes: `kkt-emu up` is SIGKILLed while ~20 clients post receipts,
 * then restarted on the same data directory, several times over. Whatever the POS heard (a 200)
 * must survive; whatever it did not hear must be settled by a replay of the same request into
 * exactly one document; and the ФН's numbering must stay contiguous without duplicates.
 */

const LOOPS = 20;
const ACKS_PER_CYCLE = 300;
const LOAD_TIMEOUT_MS = 12_000;
/** Print delays per kill cycle: `0` batches jobs in the emulator, a range prints one by one. */
const CYCLES = ['0', '0-5', '0'];
/** Documents that are not receipts: registration (1) and the auto-opened shift (2). */
const NON_RECEIPT_DOCS = 2;

interface FiscalDoc {
  fiscal_doc_number: number;
  fiscal_sign: string;
  fn_number: string;
  [k: string]: unknown;
}

interface ReceiptAnswer {
  status: string;
  receipt_id: string;
  idempotency_key: string;
  fiscal_doc: FiscalDoc;
}

interface SentRequest {
  key: string;
  body: unknown;
  cycle: number;
  /** The 200 the client got, if it got one before the crash. */
  acked?: ReceiptAnswer;
  /** The answer of the replay after the restart (for requests whose answer was lost). */
  replayed?: ReceiptAnswer;
  /** Whether the replay found the receipt already printed before the crash (recovered). */
  recovered?: boolean;
  failure?: string;
}

const children: AdapterChild[] = [];
const dataDir = mkdtempSync(join(tmpdir(), 'kkt-crash-'));

afterAll(async () => {
  await Promise.allSettled(children.map((c) => c.kill()));
  rmSync(dataDir, { recursive: true, force: true });
});

/**
 * Every other start runs the ФН in its own thread (KKT_FN_THREAD): a kill lands in either layout,
 * and the start after it recovers the other one's archive.
 */
let starts = 0;
async function start(printDelay: string): Promise<AdapterChild> {
  const fnThread = starts++ % 2 === 1;
  const child = await spawnAdapter({
    dataDir,
    printDelay,
    logLevel: 'silent',
    env: { KKT_BUFFER_MAX_SIZE: '1000000', KKT_FN_THREAD: String(fnThread) },
  });
  children.push(child);
  return child;
}

let seq = 0;
function newRequest(cycle: number): SentRequest {
  const n = ++seq;
  const price = 1 + (n % 997) + (n % 7) / 100;
  const quantity = 1 + (n % 3);
  const total = Math.round(price * quantity * 100) / 100;
  const body = {
    pos_id: `POS-${String(1 + (n % 5)).padStart(3, '0')}`,
    type: 'sale',
    items: [
      {
        name: `Товар ${n}`,
        price,
        quantity,
        vat_rate: n % 2 === 0 ? 22 : 'none',
        payment_method: 'full_payment',
        payment_object: 'commodity',
      },
    ],
    payments: [n % 4 === 0 ? { type: 'card', amount: total } : { type: 'cash', amount: Math.ceil(total) }],
    cashier: 'Иванов И.И.',
  };
  return { key: `crash-${cycle}-${n}-${Math.random().toString(36).slice(2, 10)}`, body, cycle };
}

async function postReceipt(
  url: string,
  key: string,
  body: unknown,
): Promise<{ status: number; replayedHeader: boolean; json: unknown }> {
  const res = await fetch(`${url}/v1/kkt/receipt`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'idempotency-key': key },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  return {
    status: res.status,
    replayedHeader: res.headers.get('idempotent-replayed') === 'true',
    json: text ? (JSON.parse(text) as unknown) : undefined,
  };
}

async function lastDocNumber(url: string): Promise<number> {
  const { status, json } = await getJson(url, '/v1/kkt/status');
  expect(status).toBe(200);
  return (json as { fn: { last_fiscal_doc_number: number } }).fn.last_fiscal_doc_number;
}

/**
 * LOOPS clients post receipts until `target` have been acknowledged, then the child is
 * SIGKILLed at once, with up to LOOPS requests still open. Returns every request sent.
 */
async function burst(child: AdapterChild, cycle: number, target: number): Promise<SentRequest[]> {
  const { sent, acked } = await loadThenKill({
    child,
    clients: LOOPS,
    target,
    timeoutMs: LOAD_TIMEOUT_MS,
    next: () => newRequest(cycle),
    send: (r) => postReceipt(child.url, r.key, r.body),
  });
  const unexpected = sent.filter((r) => r.failure?.startsWith('HTTP'));
  expect(unexpected.map((r) => r.failure)).toEqual([]);
  expect(acked).toBeGreaterThanOrEqual(target);
  return sent;
}

describe('adapter crash recovery (real processes, SIGKILL under load)', () => {
  it('keeps every acknowledged receipt, settles lost answers exactly once, numbers stay contiguous', async () => {
    const startedAt = Date.now();
    const all: SentRequest[] = [];
    const stats: string[] = [];
    let child = await start(CYCLES[0] as string);

    for (let cycle = 0; cycle < CYCLES.length; cycle++) {
      const sent = await burst(child, cycle, ACKS_PER_CYCLE);
      all.push(...sent);
      const lost = sent.filter((r) => !r.acked);
      expect(lost.length).toBeGreaterThan(0);

      // Restart on the same data directory (the next cycle's print delay).
      child = await start(CYCLES[(cycle + 1) % CYCLES.length] as string);
      const lastAfterRestart = await lastDocNumber(child.url);

      // 1. Every receipt that got a 200, in this or any earlier cycle, is still there, unchanged.
      const acknowledged = all.filter((r) => r.acked);
      await pool(acknowledged, 16, async (r) => {
        const acked = r.acked as ReceiptAnswer;
        const { status, json } = await getJson(child.url, `/v1/kkt/receipt/${acked.receipt_id}`);
        expect(status, `receipt ${acked.receipt_id} (key ${r.key})`).toBe(200);
        const stored = json as { idempotency_key: string; fiscal_doc: FiscalDoc };
        expect(stored.idempotency_key).toBe(r.key);
        expect(stored.fiscal_doc.fiscal_doc_number).toBe(acked.fiscal_doc.fiscal_doc_number);
        expect(stored.fiscal_doc.fiscal_sign).toBe(acked.fiscal_doc.fiscal_sign);
      });
      // A sample of acknowledged keys replays to the very same answer.
      for (const r of acknowledged.filter((x) => x.cycle === cycle).slice(0, 10)) {
        const again = await postReceipt(child.url, r.key, r.body);
        expect(again.status).toBe(200);
        expect(again.replayedHeader).toBe(true);
        expect(again.json).toEqual(r.acked);
      }

      // 2. Every request whose answer was lost: one replay gives one document; another gives the same.
      await pool(lost, 8, async (r) => {
        const first = await postReceipt(child.url, r.key, r.body);
        expect(first.status, `replay of ${r.key}: ${JSON.stringify(first.json)}`).toBe(200);
        const answer = first.json as ReceiptAnswer;
        expect(answer.status).toBe('printed');
        expect(answer.idempotency_key).toBe(r.key);
        expect(answer.fiscal_doc.fiscal_doc_number).toBeGreaterThan(0);
        r.replayed = answer;
        // Printed before the crash (recovered from the device archive) or printed now.
        r.recovered = first.replayedHeader;
        if (first.replayedHeader) expect(answer.fiscal_doc.fiscal_doc_number).toBeLessThanOrEqual(lastAfterRestart);
        else expect(answer.fiscal_doc.fiscal_doc_number).toBeGreaterThan(lastAfterRestart);
        const second = await postReceipt(child.url, r.key, r.body);
        expect(second.status).toBe(200);
        expect(second.replayedHeader).toBe(true);
        expect(second.json).toEqual(answer);
        const stored = await getJson(child.url, `/v1/kkt/receipt/${answer.receipt_id}`);
        expect(stored.status).toBe(200);
        expect((stored.json as { fiscal_doc: FiscalDoc }).fiscal_doc).toEqual(answer.fiscal_doc);
      });
      const recovered = lost.filter((r) => r.recovered).length;
      const reprinted = lost.length - recovered;

      // 3. The replays printed exactly one new document each, right after the pre-crash numbering.
      const newNumbers = lost
        .filter((r) => !r.recovered)
        .map((r) => (r.replayed as ReceiptAnswer).fiscal_doc.fiscal_doc_number)
        .sort((a, b) => a - b);
      expect(newNumbers).toEqual(Array.from({ length: reprinted }, (_, i) => lastAfterRestart + 1 + i));
      expect(await lastDocNumber(child.url)).toBe(lastAfterRestart + reprinted);

      // 4. A new receipt continues the numbering: last + 1.
      const fresh = newRequest(cycle);
      const last = await lastDocNumber(child.url);
      const answer = await postReceipt(child.url, fresh.key, fresh.body);
      expect(answer.status).toBe(200);
      fresh.acked = answer.json as ReceiptAnswer;
      expect(fresh.acked.fiscal_doc.fiscal_doc_number).toBe(last + 1);
      all.push(fresh);

      // 5. Across everything: receipt numbers are unique and, with the two non-receipt documents,
      // cover 1..last without a gap.
      const numbers = all
        .map((r) => (r.acked ?? r.replayed)?.fiscal_doc.fiscal_doc_number)
        .filter((n): n is number => n !== undefined);
      expect(numbers.length).toBe(all.length);
      expect(new Set(numbers).size).toBe(numbers.length);
      const deviceLast = await lastDocNumber(child.url);
      expect(deviceLast).toBe(numbers.length + NON_RECEIPT_DOCS);
      expect([...numbers].sort((a, b) => a - b)).toEqual(
        Array.from({ length: numbers.length }, (_, i) => NON_RECEIPT_DOCS + 1 + i),
      );
      // The adapter's buffer holds each of them exactly once.
      const buffer = await getJson(child.url, '/v1/kkt/buffer/status');
      expect((buffer.json as { total_receipts: number }).total_receipts).toBe(numbers.length);
      const signs = all.map((r) => (r.acked ?? r.replayed)?.fiscal_doc.fiscal_sign);
      expect(new Set(signs).size).toBe(signs.length);

      stats.push(
        `cycle ${cycle + 1} (print delay ${CYCLES[cycle]}): ${sent.length} sent, ${sent.length - lost.length} acked, ` +
          `${lost.length} lost answers -> ${recovered} recovered from the archive, ${reprinted} printed on replay; ` +
          `last doc ${deviceLast}`,
      );
    }
    await child.stop();
    stats.push(`total ${all.length} receipts, ${((Date.now() - startedAt) / 1000).toFixed(1)} s`);
    console.log(stats.join('\n'));
    expect(Date.now() - startedAt).toBeLessThan(60_000);
  }, 90_000);
});
