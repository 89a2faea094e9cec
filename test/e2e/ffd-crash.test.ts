import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type AdapterChild, spawnAdapter } from '../helpers/adapter-child.ts';
import { getJson, loadThenKill, pool } from '../helpers/crash-load.ts';

/**
 * Crash safety of corrections and cash movements with real processes (issue 11): `kkt-emu up`
 * is SIGKILLed while ~16 clients post a mix of receipts, corrections, cash-ins and cash-outs, then
 * restarted on the same data directory and every key is replayed with its same body. Every key
 * ends with exactly one outcome: one fiscal document per receipt / correction key, one drawer
 * movement per cash key; what the POS heard (a 200) replays unchanged; the ФН's numbering stays
 * contiguous; and the drawer holds exactly the sum of one movement per key.
 */

const LOOPS = 16;
const ACKS_PER_CYCLE = 120;
const LOAD_TIMEOUT_MS = 10_000;
/** Print delays per kill cycle: `0` batches jobs in the emulator, a range prints one by one. */
const CYCLES = ['0', '0-3', '0'];
/** Cash put in before the first burst, so that no cash-out of the burst can exceed the drawer. */
const SEED_KOPECKS = 5_000_000;
/** Fiscal document types (the FFD form codes). */
const RECEIPT = 3;
const CORRECTION = 31;
const ALLOWED_OTHER_TYPES = new Set([1, 2]); // registration and the auto-opened shift

type Op = 'receipt' | 'correction' | 'cash_in' | 'cash_out';

interface FiscalDoc {
  document_type: number;
  fiscal_doc_number: number;
  fiscal_sign: string;
  [k: string]: unknown;
}

interface ReceiptAnswer {
  status: string;
  receipt_id: string;
  idempotency_key: string;
  fiscal_doc: FiscalDoc;
}

interface CashAnswer {
  status: string;
  kind: 'in' | 'out';
  amount: number;
  cash_balance: number;
  datetime: string;
  idempotency_key: string;
}

type Answer = ReceiptAnswer | CashAnswer;

interface SentRequest {
  op: Op;
  key: string;
  body: unknown;
  cycle: number;
  /** Kopecks this key moves in the drawer when it succeeds (cash-in +, cash-out −, cash sale +). */
  drawerDelta: number;
  /** The 200 the client got, if it got one before the crash. */
  acked?: Answer;
  /** The answer of the first replay after the restart, for requests whose answer was lost. */
  replayed?: Answer;
  /** Whether that replay found the outcome already made before the crash. */
  recovered?: boolean;
  failure?: string;
}

interface DocView {
  number: number;
  type: number;
  fns: { fiscalSign?: number; fiscalDocumentNumber?: number; [k: string]: unknown };
}

const children: AdapterChild[] = [];
const dataDir = mkdtempSync(join(tmpdir(), 'kkt-ffd-crash-'));

afterAll(async () => {
  await Promise.allSettled(children.map((c) => c.kill()));
  rmSync(dataDir, { recursive: true, force: true });
});

async function start(printDelay: string): Promise<AdapterChild> {
  const child = await spawnAdapter({
    dataDir,
    printDelay,
    logLevel: 'silent',
    env: { KKT_BUFFER_MAX_SIZE: '1000000', KKT_CASH_CONTROL: 'true' },
  });
  children.push(child);
  return child;
}

const kopecks = (rubles: number) => Math.round(rubles * 100);
const rubles = (k: number) => k / 100;

const MIX: readonly Op[] = ['receipt', 'correction', 'cash_in', 'receipt', 'cash_out'];

let seq = 0;
/** The mix: 2/5 receipts (half of them paid in cash), 1/5 corrections, 1/5 cash-ins, 1/5 cash-outs. */
function newRequest(cycle: number, forced?: Op): SentRequest {
  const n = ++seq;
  const op: Op = forced ?? (MIX[n % MIX.length] as Op);
  const key = `ffd-crash-${cycle}-${n}-${op}-${Math.random().toString(36).slice(2, 10)}`;
  if (op === 'cash_in' || op === 'cash_out') {
    const amountK = op === 'cash_in' ? 10_000 + (n % 89) * 100 + (n % 97) : 100 + (n % 23) * 100 + (n % 89);
    return { op, key, body: { amount: rubles(amountK) }, cycle, drawerDelta: op === 'cash_in' ? amountK : -amountK };
  }
  const price = 1 + (n % 997) + (n % 7) / 100;
  const quantity = 1 + (n % 3);
  const totalK = kopecks(price * quantity);
  // Corrections always by card; receipts alternate: card, or cash with change (the drawer keeps the total).
  const byCash = op === 'receipt' && n % 2 === 0;
  const body: Record<string, unknown> = {
    pos_id: `POS-${String(1 + (n % 5)).padStart(3, '0')}`,
    type: 'sale',
    items: [
      {
        name: `${op === 'correction' ? 'Коррекция' : 'Товар'} ${n}`,
        price,
        quantity,
        vat_rate: n % 2 === 0 ? 22 : 'none',
        payment_method: 'full_payment',
        payment_object: 'commodity',
      },
    ],
    payments: [byCash ? { type: 'cash', amount: Math.ceil(rubles(totalK)) } : { type: 'card', amount: rubles(totalK) }],
    cashier: 'Иванов И.И.',
  };
  if (op === 'correction') body.correction = { kind: 'self', date: '2026-11-20' };
  return { op, key, body, cycle, drawerDelta: byCash ? totalK : 0 };
}

const PATHS: Record<Op, string> = {
  receipt: '/v1/kkt/receipt',
  correction: '/v1/kkt/correction',
  cash_in: '/v1/kkt/cash/in',
  cash_out: '/v1/kkt/cash/out',
};

async function post(url: string, r: SentRequest): Promise<{ status: number; replayedHeader: boolean; json: unknown }> {
  const res = await fetch(`${url}${PATHS[r.op]}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'idempotency-key': r.key },
    body: JSON.stringify(r.body),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  return {
    status: res.status,
    replayedHeader: res.headers.get('idempotent-replayed') === 'true',
    json: text ? (JSON.parse(text) as unknown) : undefined,
  };
}

async function status(url: string): Promise<{ last: number; cashBalanceK: number }> {
  const { status: code, json } = await getJson(url, '/v1/kkt/status');
  expect(code).toBe(200);
  const s = json as { cash_balance: number; fn: { last_fiscal_doc_number: number } };
  return { last: s.fn.last_fiscal_doc_number, cashBalanceK: kopecks(s.cash_balance) };
}

/** The whole ФН archive, page by page. */
async function allDocuments(url: string): Promise<DocView[]> {
  const docs: DocView[] = [];
  let from: number | null = 1;
  while (from !== null) {
    const page = await getJson(url, `/v1/kkt/documents?from=${from}&limit=1000`);
    expect(page.status).toBe(200);
    const body = page.json as { documents: DocView[]; next: number | null };
    docs.push(...body.documents);
    from = body.next;
  }
  return docs;
}

const isCash = (r: SentRequest) => r.op === 'cash_in' || r.op === 'cash_out';

/** Checks the shape of a 200 for `r`'s kind of request. */
function expectAnswerFor(r: SentRequest, answer: Answer): void {
  expect(answer.idempotency_key, r.key).toBe(r.key);
  if (isCash(r)) {
    const a = answer as CashAnswer;
    expect(a.status).toBe('done');
    expect(a.kind).toBe(r.op === 'cash_in' ? 'in' : 'out');
    expect(kopecks(a.amount)).toBe(Math.abs(r.drawerDelta));
    expect(a.cash_balance).toBeGreaterThanOrEqual(0);
  } else {
    const a = answer as ReceiptAnswer;
    expect(a.status).toBe('printed');
    expect(a.fiscal_doc.document_type).toBe(r.op === 'correction' ? CORRECTION : RECEIPT);
    expect(a.fiscal_doc.fiscal_doc_number).toBeGreaterThan(0);
  }
}

/**
 * LOOPS clients post the mix until `target` have been acknowledged, then the child is SIGKILLed
 * at once, with up to LOOPS requests still open. Returns every request sent.
 */
async function burst(child: AdapterChild, cycle: number, target: number): Promise<SentRequest[]> {
  const { sent, acked } = await loadThenKill({
    child,
    clients: LOOPS,
    target,
    timeoutMs: LOAD_TIMEOUT_MS,
    next: () => newRequest(cycle),
    send: (r) => post(child.url, r),
  });
  // No refusal at all: the seed keeps every cash-out within the drawer.
  const unexpected = sent.filter((r) => r.failure?.startsWith('HTTP'));
  expect(unexpected.map((r) => `${r.op} ${r.key}: ${r.failure}`)).toEqual([]);
  expect(acked).toBeGreaterThanOrEqual(target);
  for (const r of sent) if (r.acked) expectAnswerFor(r, r.acked);
  return sent;
}

describe('corrections and cash movements survive SIGKILL (real processes)', () => {
  it('one document or one drawer movement per key, replays unchanged, drawer and numbering exact', async () => {
    const startedAt = Date.now();
    const all: SentRequest[] = [];
    const stats: string[] = [];
    let child = await start(CYCLES[0] as string);

    // The seed: one cash-in (it also opens the shift, document 2).
    const seed = newRequest(-1, 'cash_in');
    seed.body = { amount: rubles(SEED_KOPECKS) };
    seed.drawerDelta = SEED_KOPECKS;
    const seeded = await post(child.url, seed);
    expect(seeded.status, JSON.stringify(seeded.json)).toBe(200);
    seed.acked = seeded.json as Answer;
    all.push(seed);
    const initial = await status(child.url);
    expect(initial.cashBalanceK).toBe(SEED_KOPECKS);

    for (let cycle = 0; cycle < CYCLES.length; cycle++) {
      const sent = await burst(child, cycle, ACKS_PER_CYCLE);
      all.push(...sent);
      const lost = sent.filter((r) => !r.acked);
      expect(lost.length).toBeGreaterThan(0);

      child = await start(CYCLES[(cycle + 1) % CYCLES.length] as string);
      const afterRestart = await status(child.url);

      // 1. Every key of this cycle, replayed with its same body. Acknowledged keys give the very
      // answer the POS heard; a lost answer is settled once (recovered from the device, or done
      // now), and a second replay gives the same again.
      await pool(sent, 12, async (r) => {
        const first = await post(child.url, r);
        expect(first.status, `replay of ${r.op} ${r.key}: ${JSON.stringify(first.json)}`).toBe(200);
        const answer = first.json as Answer;
        expectAnswerFor(r, answer);
        if (r.acked) {
          expect(first.replayedHeader, `${r.op} ${r.key}`).toBe(true);
          expect(answer, `${r.op} ${r.key}`).toEqual(r.acked);
          return;
        }
        r.replayed = answer;
        r.recovered = first.replayedHeader;
        if (first.replayedHeader) {
          if (!isCash(r))
            expect((answer as ReceiptAnswer).fiscal_doc.fiscal_doc_number).toBeLessThanOrEqual(afterRestart.last);
        } else if (!isCash(r)) {
          expect((answer as ReceiptAnswer).fiscal_doc.fiscal_doc_number).toBeGreaterThan(afterRestart.last);
        }
        const second = await post(child.url, r);
        expect(second.status).toBe(200);
        expect(second.replayedHeader).toBe(true);
        expect(second.json).toEqual(answer);
      });

      // 2. Settled receipts and corrections are stored with their key and document.
      await pool(
        sent.filter((r) => !isCash(r)),
        12,
        async (r) => {
          const a = (r.acked ?? r.replayed) as ReceiptAnswer;
          const stored = await getJson(child.url, `/v1/kkt/receipt/${a.receipt_id}`);
          expect(stored.status, `${r.op} ${r.key}`).toBe(200);
          const s = stored.json as { idempotency_key: string; fiscal_doc: FiscalDoc };
          expect(s.idempotency_key).toBe(r.key);
          expect(s.fiscal_doc).toEqual(a.fiscal_doc);
        },
      );

      // 3. The ФН: numbers 1..last, contiguous, no duplicates; exactly one receipt or correction
      // document per fiscal key, of the right type, with the sign the POS was told.
      const docs = await allDocuments(child.url);
      const final = await status(child.url);
      expect(docs.map((d) => d.number)).toEqual(Array.from({ length: final.last }, (_, i) => i + 1));
      const byNumber = new Map(docs.map((d) => [d.number, d]));
      const fiscal = all.filter((r) => !isCash(r));
      const numbers = fiscal.map((r) => ((r.acked ?? r.replayed) as ReceiptAnswer).fiscal_doc.fiscal_doc_number);
      expect(new Set(numbers).size).toBe(fiscal.length);
      for (const r of fiscal) {
        const a = ((r.acked ?? r.replayed) as ReceiptAnswer).fiscal_doc;
        const doc = byNumber.get(a.fiscal_doc_number);
        expect(doc, `${r.op} ${r.key} -> document ${a.fiscal_doc_number}`).toBeDefined();
        expect(doc?.type).toBe(r.op === 'correction' ? CORRECTION : RECEIPT);
        expect(String(doc?.fns.fiscalSign)).toBe(String(Number(a.fiscal_sign)));
      }
      const settlements = docs.filter((d) => d.type === RECEIPT || d.type === CORRECTION);
      expect(settlements.length, 'receipt + correction documents in the ФН').toBe(fiscal.length);
      expect(settlements.filter((d) => d.type === CORRECTION).length).toBe(
        fiscal.filter((r) => r.op === 'correction').length,
      );
      expect(
        docs.filter((d) => d.type !== RECEIPT && d.type !== CORRECTION).every((d) => ALLOWED_OTHER_TYPES.has(d.type)),
      ).toBe(true);

      // 4. The drawer: exactly one movement per cash key, plus the cash of the cash-paid receipts.
      const expectedK = all.reduce((sum, r) => sum + r.drawerDelta, 0);
      expect(final.cashBalanceK, 'cash_balance = Σ cash-in − Σ cash-out + Σ cash sales').toBe(expectedK);

      const cash = sent.filter(isCash);
      const lostCash = lost.filter(isCash);
      const recovered = lost.filter((r) => r.recovered).length;
      const recoveredCash = lostCash.filter((r) => r.recovered).length;
      stats.push(
        `cycle ${cycle + 1} (print delay ${CYCLES[cycle]}): ${sent.length} sent ` +
          `(${sent.filter((r) => r.op === 'receipt').length} receipts, ${sent.filter((r) => r.op === 'correction').length} corrections, ` +
          `${cash.length} cash), ${sent.length - lost.length} acked, ${lost.length} lost answers ` +
          `(${lostCash.length} cash; ${recovered} settled from before the crash, ${lost.length - recovered} done on replay; ` +
          `${recoveredCash} of the cash settled from before); last doc ${final.last}, drawer ${rubles(final.cashBalanceK)}`,
      );
    }

    // 5. After the last restart, every key of every cycle still replays to its one outcome.
    await pool(all, 16, async (r) => {
      const again = await post(child.url, r);
      expect(again.status, `${r.op} ${r.key}`).toBe(200);
      expect(again.replayedHeader).toBe(true);
      expect(again.json).toEqual(r.acked ?? r.replayed);
    });
    const end = await status(child.url);
    expect(end.cashBalanceK).toBe(all.reduce((sum, r) => sum + r.drawerDelta, 0));
    await child.stop();
    stats.push(`total ${all.length} keys, ${((Date.now() - startedAt) / 1000).toFixed(1)} s`);
    console.log(stats.join('\n'));
    expect(Date.now() - startedAt).toBeLessThan(60_000);
  }, 90_000);
});
