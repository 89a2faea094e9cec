import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SimulatedClock } from 'xstate';
import { breakerView } from '../../src/api/views.ts';
import { EmulatedKkt } from '../../src/device/emulator.ts';
import type { Clock } from '../../src/fiscal/clock.ts';
import type { OfdPayload } from '../../src/fiscal/ofd-payload.ts';
import { VirtualClock } from '../../src/io/clock.ts';
import type { OfdResult } from '../../src/io/http/ofd-client.ts';
import { AdapterStore, type ReceiptRecord } from '../../src/io/sqlite/adapter-store.ts';
import type { BreakerInput } from '../../src/machines/circuit-breaker.machine.ts';
import type { PassResult } from '../../src/machines/sync-worker.machine.ts';
import { ReceiptBuffer } from '../../src/service/buffer.ts';
import { Fiscalizer } from '../../src/service/fiscalizer.ts';
import { Breaker } from '../../src/service/sync/breaker.ts';
import { type OfdSender, SyncPass, type SyncPassDeps } from '../../src/service/sync/sync-pass.ts';
import { SyncService } from '../../src/service/sync/sync-service.ts';
import { registration, simpleSale, T0 } from '../helpers/kkt-fixtures.ts';
import { sampleReceipt } from '../helpers/sample-receipt.ts';

/*
 * One sync pass over the real pieces — the emulated device (manual VirtualClock, no print
 * delay), the SQLite buffer filled through the Fiscalizer, the breaker actor — against a fake,
 * scriptable ОФД. The network clock is a fake that fires every timer on the next microtask and
 * records the delays asked for, so backoff is checked without waiting.
 */

const TZ = 'Europe/Moscow';

// ---- the fake ОФД ------------------------------------------------------------------------------

/** `held`: accepted once the test calls `release()`; `hang`: never answers, rejects on abort. */
type Answer = 'accept' | 'transient' | 'permanent' | 'hang' | 'held' | 'throw';

interface Call {
  payload: OfdPayload;
  /** Calls on the wire when this one started, itself included. */
  inFlight: number;
  answer: Answer;
}

const key = (p: Pick<OfdPayload, 'fn_number' | 'fiscal_doc_number'>) => `${p.fn_number}:${p.fiscal_doc_number}`;

/**
 * An in-memory ОФД. `script(payload, callIndex, attemptForThisDocument)` picks each answer;
 * accepted documents are deduplicated by (ФН, number) like the real one: a resend gets the same id.
 */
class FakeOfd implements OfdSender {
  readonly calls: Call[] = [];
  readonly accepted = new Map<string, string>();
  readonly rejected = new Set<string>();
  readonly attempts = new Map<string, number>();
  readonly transients = new Map<string, number>();
  inFlight = 0;
  maxInFlight = 0;
  private nextId = 1;
  private held: Array<() => void> = [];

  constructor(public script: (p: OfdPayload, call: number, attempt: number) => Answer = () => 'accept') {}

  async send(payload: OfdPayload, signal?: AbortSignal): Promise<OfdResult> {
    const k = key(payload);
    const attempt = (this.attempts.get(k) ?? 0) + 1;
    this.attempts.set(k, attempt);
    const answer = this.script(payload, this.calls.length, attempt);
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    this.calls.push({ payload, inFlight: this.inFlight, answer });
    try {
      // A network round trip: lets other calls of the pass start meanwhile.
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (answer === 'hang') {
        await new Promise<never>((_, reject) => {
          const abort = () => reject(new DOMException('The operation was aborted', 'AbortError'));
          if (signal?.aborted) abort();
          signal?.addEventListener('abort', abort, { once: true });
        });
      }
      if (answer === 'held') await new Promise<void>((resolve) => this.held.push(resolve));
      if (signal?.aborted) throw new DOMException('The operation was aborted', 'AbortError');
      if (answer === 'throw') throw new TypeError('fake ОФД client bug');
      if (answer === 'transient') {
        this.transients.set(k, (this.transients.get(k) ?? 0) + 1);
        return { ok: false, kind: 'transient', code: 'OFD_SERVER_ERROR', status: 503, reason: 'ОФД failed (503)' };
      }
      if (answer === 'permanent') {
        this.rejected.add(k);
        return { ok: false, kind: 'permanent', code: 'OFD_REJECTED', status: 400, reason: 'bad QR' };
      }
      let id = this.accepted.get(k);
      if (id === undefined) {
        id = `ofd-${this.nextId++}`;
        this.accepted.set(k, id);
      }
      return { ok: true, ofdId: id };
    } finally {
      this.inFlight--;
    }
  }

  /** Answers every `held` call (as accepted). */
  release(): void {
    for (const r of this.held.splice(0)) r();
  }

  receiptCalls(): Call[] {
    return this.calls.filter((c) => c.payload.document_type === 'receipt');
  }
}

/** Fires every timer on the next microtask and records the delay it was asked for. */
function fakeNetClock() {
  const delays: number[] = [];
  const clock: Clock = {
    now: () => 0,
    setTimeout(fn: () => void, ms: number) {
      delays.push(ms);
      queueMicrotask(fn);
      return delays.length;
    },
    clearTimeout() {},
  };
  return { clock, delays };
}

// ---- fixture -----------------------------------------------------------------------------------

const cleanups: Array<() => Promise<void> | void> = [];

afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

interface Options {
  breaker?: Partial<BreakerInput>;
  pass?: Partial<Omit<SyncPassDeps, 'store' | 'driver' | 'ofd' | 'breaker' | 'clock' | 'netClock'>>;
  script?: FakeOfd['script'];
}

/** A temp dir, in RAM where there is one: these tests fsync a lot and must stay fast on a busy disk. */
function tempDir(): { dir: string; cleanup: () => void } {
  const base = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
  const dir = mkdtempSync(join(base, 'kkt-sync-pass-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

async function setup(options: Options = {}) {
  const { dir, cleanup } = tempDir();
  const clock = new VirtualClock({ start: T0, manual: true });
  const kkt = EmulatedKkt.open({
    dataDir: dir,
    clock,
    registration: registration(),
    printDelay: { min: 0, max: 0 },
    autoOpenShift: true,
  });
  const store = new AdapterStore(join(dir, 'adapter.db'));
  cleanups.push(async () => {
    await kkt.close();
    store.close();
    clock.dispose();
    cleanup();
  });
  const fiscalizer = new Fiscalizer({
    driver: kkt,
    store,
    buffer: new ReceiptBuffer(store, { maxSize: 10_000, alertThreshold: 0.8, blockThreshold: 1 }),
    clock,
    timezone: TZ,
    defaultTaxation: 'osn',
  });
  await fiscalizer.recover();
  const breakerClock = new SimulatedClock();
  const breaker = new Breaker(
    { threshold: 3, openMs: 60_000, maxOpenMs: 600_000, ...options.breaker },
    breakerClock as unknown as Clock,
  );
  const breakerErrors: unknown[] = [];
  breaker.actor.subscribe({ error: (e) => breakerErrors.push(e) });
  cleanups.push(() => {
    breaker.stop();
    expect(breakerErrors).toEqual([]);
  });
  const ofd = new FakeOfd(options.script);
  const net = fakeNetClock();
  const deps: SyncPassDeps = {
    store,
    driver: kkt,
    ofd,
    breaker,
    clock,
    netClock: net.clock,
    timezone: TZ,
    batchSize: 50,
    retryAttempts: 3,
    // One call at a time unless a test asks for the window (see 'SyncPass order').
    concurrency: 1,
    backoffBaseMs: 100,
    backoffMaxMs: 1000,
    random: () => 1,
    ...options.pass,
  };
  let keyNo = 0;
  let passNo = 0;
  return {
    kkt,
    store,
    clock,
    breaker,
    breakerClock,
    ofd,
    net,
    deps,
    /** Fiscalizes `n` receipts through the adapter's own path; returns their receipt ids. */
    async print(n: number): Promise<string[]> {
      const outs = await Promise.all(
        Array.from({ length: n }, () => fiscalizer.receipt(`key-${++keyNo}`, sampleReceipt())),
      );
      return outs.map((o) => {
        if (!o.ok) throw new Error(`receipt refused: ${JSON.stringify(o.failure)}`);
        return o.receipt.receiptId;
      });
    },
    pass(manual = false, signal?: AbortSignal): Promise<PassResult> {
      return SyncPass.run(deps, { manual, passNo: ++passNo }, signal);
    },
    rows(): ReceiptRecord[] {
      return store.db.prepare('SELECT * FROM receipts ORDER BY fiscal_doc_number').all() as ReceiptRecord[];
    },
    row(id: string): ReceiptRecord {
      const r = store.getReceipt(id);
      if (!r) throw new Error(`no receipt ${id}`);
      return r;
    },
    async unconfirmed(): Promise<number[]> {
      return (await kkt.unconfirmedDocuments(1, 10_000)).map((d) => d.number);
    },
    sqlCounts() {
      const counts = { pending: 0, synced: 0, failed: 0 };
      const rows = store.db.prepare('SELECT sync_status, COUNT(*) AS n FROM receipts GROUP BY sync_status').all() as {
        sync_status: keyof typeof counts;
        n: number;
      }[];
      for (const r of rows) counts[r.sync_status] = r.n;
      return counts;
    },
  };
}

const docNo = (c: Call) => c.payload.fiscal_doc_number;

// ---- tests -------------------------------------------------------------------------------------

describe('SyncPass: the happy path', () => {
  it('all accepted → synced with ofd_id in one write, confirmed on the device, then the other documents', async () => {
    const t = await setup();
    const ids = await t.print(3);
    expect(t.store.bufferCounts()).toEqual({ pending: 3, synced: 0, failed: 0 });
    expect(await t.unconfirmed()).toEqual([1, 2, 3, 4, 5]); // registration, shift open, 3 receipts
    const apply = vi.spyOn(t.store, 'applySyncOutcome');

    const r = await t.pass();

    expect(r).toEqual({
      synced: 3,
      failed: 0,
      skipped: 0,
      documents: 2,
      errors: 0,
      lastError: null,
      breakerOpen: false,
      more: false,
    });
    // Every document in number order, as the ФН sends them: registration, shift open, receipts.
    expect(t.ofd.calls.map((c) => [c.payload.document_type, docNo(c)])).toEqual([
      ['registration', 1],
      ['shift_open', 2],
      ['receipt', 3],
      ['receipt', 4],
      ['receipt', 5],
    ]);
    expect(t.ofd.maxInFlight).toBe(1);
    expect(t.ofd.receiptCalls().map((c) => c.payload.receipt_id)).toEqual(ids);
    // One applySyncOutcome call (one transaction) carrying all three with their ids.
    expect(apply).toHaveBeenCalledTimes(1);
    expect(apply.mock.calls[0]?.[0].synced.map((s) => s.receipt_id)).toEqual(ids);
    for (const row of t.rows()) {
      expect(row.sync_status).toBe('synced');
      expect(row.ofd_id).toBe(t.ofd.accepted.get(`${row.fn_number}:${row.fiscal_doc_number}`));
      expect(row.synced_at).toBe(T0);
      expect(row.retry_count).toBe(0);
      expect(row.last_error).toBeNull();
    }
    expect(t.store.bufferCounts()).toEqual({ pending: 0, synced: 3, failed: 0 });
    expect(await t.unconfirmed()).toEqual([]);
    expect((await t.kkt.status()).fn.unsentCount).toBe(0);
    expect(t.breaker.state()).toBe('CLOSED');
    expect(t.net.delays).toEqual([]);

    // Nothing left: the next pass calls nobody.
    const again = await t.pass();
    expect(again).toMatchObject({ synced: 0, documents: 0, skipped: 0, more: false, breakerOpen: false });
    expect(t.ofd.calls).toHaveLength(5);
  });

  it('an empty buffer still delivers registration and shift documents', async () => {
    const t = await setup();
    await t.kkt.openShift();
    await t.kkt.closeShift();
    const r = await t.pass();
    expect(r).toMatchObject({ synced: 0, documents: 3, skipped: 0 });
    expect(t.ofd.calls.map((c) => c.payload.document_type)).toEqual(['registration', 'shift_open', 'shift_close']);
    for (const c of t.ofd.calls) expect(c.payload.receipt_id).toBeUndefined();
    expect(await t.unconfirmed()).toEqual([]);
  });

  it('the documents phase respects batchSize', async () => {
    const t = await setup({ pass: { batchSize: 3 } });
    await t.kkt.openShift();
    await t.kkt.closeShift();
    await t.kkt.openShift();
    expect(await t.unconfirmed()).toEqual([1, 2, 3, 4]);
    expect((await t.pass()).documents).toBe(3);
    expect(await t.unconfirmed()).toEqual([4]);
    expect((await t.pass()).documents).toBe(1);
    expect(await t.unconfirmed()).toEqual([]);
  });
});

describe('SyncPass: rejections and transient failures', () => {
  it('a permanent rejection → failed with the reason, never retried by later passes', async () => {
    const t = await setup({ script: (p) => (p.fiscal_doc_number === 4 ? 'permanent' : 'accept') });
    const [a, b, c] = await t.print(3);
    const r = await t.pass();
    expect(r).toMatchObject({ synced: 2, failed: 1, skipped: 0, errors: 0, documents: 2, breakerOpen: false });
    expect(t.row(b as string)).toMatchObject({
      sync_status: 'failed',
      last_error: 'OFD_REJECTED: bad QR',
      ofd_id: null,
      retry_count: 0,
    });
    expect(t.row(a as string).sync_status).toBe('synced');
    expect(t.row(c as string).sync_status).toBe('synced');
    // The ОФД is up (it answered): a rejection does not count against the breaker.
    expect(breakerView(t.breaker.snapshot(), 'UTC')).toMatchObject({ state: 'CLOSED', failure_count: 0 });
    expect(t.store.bufferCounts()).toEqual({ pending: 0, synced: 2, failed: 1 });
    // The rejected receipt stays unconfirmed on the device; it is not sent as a "document" either.
    expect(await t.unconfirmed()).toEqual([4]);
    const calls = t.ofd.calls.length;
    for (let i = 0; i < 3; i++) {
      expect(await t.pass(i === 2)).toMatchObject({ synced: 0, failed: 0, documents: 0 });
    }
    expect(t.ofd.calls).toHaveLength(calls);
    expect(t.ofd.attempts.get(`${t.row(b as string).fn_number}:4`)).toBe(1);
  });

  it('transient failures: stays pending with retry_count and last_error, backoff on the net clock; nothing overtakes it', async () => {
    const t = await setup({
      breaker: { threshold: 100 },
      pass: { retryAttempts: 3 },
      script: (p, _call, attempt) => (p.fiscal_doc_number === 3 ? 'transient' : attempt < 3 ? 'transient' : 'accept'),
    });
    const [stuck, late] = await t.print(2);
    const r = await t.pass();
    expect(r).toMatchObject({
      synced: 0,
      failed: 0,
      skipped: 2,
      documents: 2, // registration and shift open, each on its third attempt
      errors: 7,
      lastError: 'OFD_SERVER_ERROR: ОФД failed (503)',
      breakerOpen: false,
      more: false,
    });
    expect(t.row(stuck as string)).toMatchObject({
      sync_status: 'pending',
      retry_count: 3,
      last_error: 'OFD_SERVER_ERROR: ОФД failed (503)',
      ofd_id: null,
    });
    // The later receipt was not sent: it may not overtake the stuck one.
    expect(t.row(late as string)).toMatchObject({ sync_status: 'pending', retry_count: 0, last_error: null });
    expect(t.ofd.calls.some((c) => docNo(c) === 4)).toBe(false);
    // Two sleeps per document (none after the last attempt), growing: base, 2·base.
    expect(t.net.delays).toEqual([100, 200, 100, 200, 100, 200]);
    expect(await t.unconfirmed()).toEqual([3, 4]);

    // Later passes keep counting; the ОФД comes back and the count stays as history.
    await t.pass();
    expect(t.row(stuck as string).retry_count).toBe(6);
    t.ofd.script = () => 'accept';
    const back = await t.pass();
    expect(back).toMatchObject({ synced: 2, documents: 0, skipped: 0 });
    expect(t.row(stuck as string)).toMatchObject({ sync_status: 'synced', retry_count: 6, last_error: null });
    expect(t.row(late as string)).toMatchObject({ sync_status: 'synced', retry_count: 0 });
    expect(await t.unconfirmed()).toEqual([]);
  });

  it('backoff grows exponentially up to backoffMaxMs, with full jitter from `random`', async () => {
    const jitter = [1, 1, 1, 1, 1, 1, 1, 0.5, 0.25, 0, 0.999, 0.1, 0.75, 0.6];
    let j = 0;
    const t = await setup({
      breaker: { threshold: 100 },
      pass: {
        retryAttempts: 8,
        backoffBaseMs: 10,
        backoffMaxMs: 300,
        random: () => jitter[j++ % jitter.length] as number,
      },
      script: () => 'transient',
    });
    await t.print(2);
    // One document per pass: the first one fails 8 times and stops each pass.
    await t.pass();
    await t.pass();
    const caps = [10, 20, 40, 80, 160, 300, 300];
    // First pass, random = 1: exactly the caps: doubling, then the maximum.
    expect(t.net.delays.slice(0, 7)).toEqual(caps);
    // Second pass: full jitter, round(r · cap).
    expect(t.net.delays.slice(7)).toEqual([
      Math.round(0.5 * 10),
      Math.round(0.25 * 20),
      0,
      Math.round(0.999 * 80),
      Math.round(0.1 * 160),
      Math.round(0.75 * 300),
      Math.round(0.6 * 300),
    ]);
    t.net.delays.forEach((d, i) => {
      expect(d).toBeGreaterThanOrEqual(0);
      expect(d).toBeLessThanOrEqual(caps[i % 7] as number);
    });
  });

  it('with Math.random jitter every delay stays within [0, min(max, base·2^(n-1))]', async () => {
    const t = await setup({
      breaker: { threshold: 100 },
      pass: { retryAttempts: 6, backoffBaseMs: 50, backoffMaxMs: 700, random: Math.random },
      script: () => 'transient',
    });
    await t.print(5);
    for (let i = 0; i < 5; i++) await t.pass();
    expect(t.net.delays).toHaveLength(25);
    t.net.delays.forEach((d, i) => {
      expect(Number.isInteger(d)).toBe(true);
      expect(d).toBeGreaterThanOrEqual(0);
      expect(d).toBeLessThanOrEqual(Math.min(700, 50 * 2 ** (i % 5)));
    });
  });
});

describe('SyncPass and the breaker', () => {
  for (const [threshold, retryAttempts] of [
    [1, 1],
    [3, 1],
    [3, 2],
    [3, 5],
    [5, 3],
  ] as const) {
    it(`a dead ОФД sees exactly threshold calls (threshold ${threshold}, ${retryAttempts} attempts)`, async () => {
      const t = await setup({
        breaker: { threshold },
        pass: { retryAttempts },
        script: () => 'transient',
      });
      await t.print(10);
      // Each pass tries the first unsent document `retryAttempts` times and stops there.
      const passes = Math.ceil(threshold / retryAttempts);
      let r: PassResult | undefined;
      for (let i = 0; i < passes; i++) {
        r = await t.pass();
        expect(r.breakerOpen).toBe(i === passes - 1);
      }
      expect(t.ofd.calls).toHaveLength(threshold);
      expect(t.ofd.maxInFlight).toBe(1);
      // Always the registration, document 1: nothing overtakes it.
      expect(new Set(t.ofd.calls.map(docNo))).toEqual(new Set([1]));
      expect(r).toMatchObject({
        synced: 0,
        failed: 0,
        skipped: 10,
        documents: 0,
        errors: threshold - (passes - 1) * retryAttempts,
        breakerOpen: true,
        more: false,
      });
      expect(breakerView(t.breaker.snapshot(), 'UTC')).toMatchObject({
        state: 'OPEN',
        failure_count: threshold,
        opens: 1,
      });
      // Receipts never tried are untouched.
      const rows = t.rows();
      for (const row of rows) expect(row).toMatchObject({ sync_status: 'pending', retry_count: 0 });
      // No backoff sleep once the breaker is open, nor after a document's last attempt.
      const failuresWhileClosed = Array.from({ length: threshold }, (_, i) => i + 1).filter(
        (n) => n < threshold && n % retryAttempts !== 0,
      ).length;
      expect(t.net.delays).toHaveLength(failuresWhileClosed);

      // While open, an automatic pass calls nobody and says so.
      expect(await t.pass()).toMatchObject({ breakerOpen: true, errors: 0, skipped: 10 });
      expect(t.ofd.calls).toHaveLength(threshold);
    });
  }

  it('a manual pass while open forces one probe; if the ОФД is back it drains everything', async () => {
    const t = await setup({ breaker: { threshold: 2, openMs: 60_000 }, pass: { retryAttempts: 1 } });
    t.ofd.script = () => 'transient';
    await t.print(6);
    expect(await t.pass()).toMatchObject({ breakerOpen: false });
    expect(await t.pass()).toMatchObject({ breakerOpen: true });
    expect(t.ofd.calls).toHaveLength(2);
    // Still down: the forced probe is the only call.
    expect(await t.pass(true)).toMatchObject({ breakerOpen: true, errors: 1 });
    expect(t.ofd.calls).toHaveLength(3);
    expect(breakerView(t.breaker.snapshot(), 'UTC')).toMatchObject({ state: 'OPEN', open_delay_s: 120, opens: 2 });
    // Back up.
    t.ofd.script = () => 'accept';
    const r = await t.pass(true);
    expect(r).toMatchObject({ synced: 6, documents: 2, breakerOpen: false, skipped: 0 });
    expect(breakerView(t.breaker.snapshot(), 'UTC')).toMatchObject({
      state: 'CLOSED',
      failure_count: 0,
      open_delay_s: 60,
    });
    expect(await t.unconfirmed()).toEqual([]);
  });

  it('the open delay elapsing (no call) lets the next automatic pass probe', async () => {
    const t = await setup({ breaker: { threshold: 1, openMs: 60_000 }, pass: { retryAttempts: 1 } });
    t.ofd.script = () => 'transient';
    await t.print(2);
    await t.pass();
    expect(t.breaker.state()).toBe('OPEN');
    t.breakerClock.increment(60_000);
    expect(t.breaker.state()).toBe('HALF_OPEN');
    t.ofd.script = () => 'accept';
    expect(await t.pass()).toMatchObject({ synced: 2, documents: 2, breakerOpen: false });
  });
});

describe('SyncPass order', () => {
  it('one call at a time, every unconfirmed document in number order, receipts interleaved with reports', async () => {
    const t = await setup();
    await t.print(2); // 1 registration, 2 shift open, 3, 4
    await t.kkt.closeShift(); // 5
    await t.print(1); // 6 shift open, 7
    const r = await t.pass();
    expect(r).toMatchObject({ synced: 3, documents: 4, skipped: 0, more: false });
    expect(t.ofd.calls.map((c) => [docNo(c), c.payload.document_type])).toEqual([
      [1, 'registration'],
      [2, 'shift_open'],
      [3, 'receipt'],
      [4, 'receipt'],
      [5, 'shift_close'],
      [6, 'shift_open'],
      [7, 'receipt'],
    ]);
    expect(t.ofd.maxInFlight).toBe(1);
    expect(await t.unconfirmed()).toEqual([]);
    expect((await t.kkt.status()).fn).toMatchObject({ unsentCount: 0, firstUnsentNumber: null });
  });

  it('with a window, calls overlap but are dispatched in number order; a failure inside it leaves the ФН point before it', async () => {
    const t = await setup({
      breaker: { threshold: 100 },
      pass: { concurrency: 4, retryAttempts: 1 },
      script: (p) => (p.fiscal_doc_number === 6 ? 'transient' : 'accept'),
    });
    await t.print(8); // 1, 2, 3..10
    const r = await t.pass();
    const dispatched = t.ofd.calls.map(docNo);
    expect(dispatched).toEqual([...dispatched].sort((a, b) => a - b));
    expect(t.ofd.maxInFlight).toBeGreaterThan(1);
    expect(r.skipped).toBeGreaterThanOrEqual(1);
    // 6 failed: the ФН's point stays at 5 whatever was accepted after it in the window.
    expect((await t.kkt.status()).fn).toMatchObject({ firstUnsentNumber: 6, unsentCount: 5 });
    t.ofd.script = () => 'accept';
    while ((await t.pass()).skipped > 0);
    expect(await t.unconfirmed()).toEqual([]);
    expect((await t.kkt.status()).fn).toMatchObject({ firstUnsentNumber: null, unsentCount: 0 });
  });

  it('a rejected document does not stop the pass; the ФН keeps the later acknowledgements behind it', async () => {
    const t = await setup({ script: (p) => (p.fiscal_doc_number === 3 ? 'permanent' : 'accept') });
    const [bad] = await t.print(3); // 3, 4, 5
    const r = await t.pass();
    expect(r).toMatchObject({ synced: 2, failed: 1, documents: 2 });
    expect(t.row(bad as string).sync_status).toBe('failed');
    expect(t.ofd.calls.map(docNo)).toEqual([1, 2, 3, 4, 5]);
    // 4 and 5 are acknowledged (not owed any more), but the ФН's point stays before 3.
    expect(await t.unconfirmed()).toEqual([3]);
    expect((await t.kkt.status()).fn).toMatchObject({ unsentCount: 3, firstUnsentNumber: 3 });
  });

  it('a receipt printed for a request not yet in the buffer stops the walk: nothing after it goes first', async () => {
    const t = await setup();
    await t.print(1); // 1, 2, 3
    // Printed for an adapter request whose completion has not reached the buffer yet.
    await t.kkt.printReceipt({ ...simpleSale(), requestId: 'in-flight' }); // 4
    await t.kkt.closeShift(); // 5
    const r = await t.pass();
    expect(r).toMatchObject({ synced: 1, documents: 2 });
    expect(t.ofd.calls.map(docNo)).toEqual([1, 2, 3]);
    expect(await t.unconfirmed()).toEqual([4, 5]);
  });
});

describe('SyncPass batches', () => {
  it('batchSize is respected, FIFO, and `more` is set while full batches go through', async () => {
    const t = await setup({ pass: { batchSize: 2 } });
    await t.print(5);
    const results: PassResult[] = [];
    for (let i = 0; i < 3; i++) results.push(await t.pass());
    results.push(await t.pass());
    // In number order: registration and shift open fill the first batch.
    expect(results.map((r) => [r.synced, r.skipped, r.more, r.documents])).toEqual([
      [0, 5, true, 2],
      [2, 3, true, 0],
      [2, 1, true, 0],
      [1, 0, false, 0],
    ]);
    expect(t.ofd.calls.map(docNo)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(await t.unconfirmed()).toEqual([]);
  });

  it('a full last batch that empties the buffer does not ask for more', async () => {
    const t = await setup({ pass: { batchSize: 2 } });
    await t.print(4);
    expect(await t.pass()).toMatchObject({ documents: 2, more: true });
    expect(await t.pass()).toMatchObject({ synced: 2, more: true });
    expect(await t.pass()).toMatchObject({ synced: 2, more: false, documents: 0 });
  });

  it('a full batch that got nowhere (all transient) does not ask for more', async () => {
    const t = await setup({
      breaker: { threshold: 100 },
      pass: { batchSize: 2, retryAttempts: 1 },
      script: () => 'transient',
    });
    await t.print(4);
    expect(await t.pass()).toMatchObject({ synced: 0, more: false, skipped: 4 });
  });
});

describe('SyncPass: what the device still owes', () => {
  it('receipts synced but not confirmed (a crash in between) are confirmed without resending', async () => {
    const t = await setup();
    await t.print(3);
    // The pass that synced them died before telling the device.
    const batch = t.store.pendingBatch(10);
    t.store.applySyncOutcome(
      {
        synced: batch.map((r, i) => ({ receipt_id: r.receipt_id, ofd_id: `earlier-${i}`, attempts: 1 })),
        failed: [],
        retried: [],
      },
      T0,
    );
    expect(await t.unconfirmed()).toEqual([1, 2, 3, 4, 5]);
    const r = await t.pass();
    expect(r).toMatchObject({ synced: 0, documents: 2 });
    expect(t.ofd.calls.map((c) => c.payload.document_type)).toEqual(['registration', 'shift_open']);
    expect(t.ofd.receiptCalls()).toEqual([]);
    expect(await t.unconfirmed()).toEqual([]);
    expect(t.rows().map((row) => row.ofd_id)).toEqual(['earlier-0', 'earlier-1', 'earlier-2']);
  });

  it('a receipt on the device that the buffer never saw is delivered as a document', async () => {
    const t = await setup();
    await t.print(1);
    const direct = await t.kkt.printReceipt(simpleSale());
    const r = await t.pass();
    expect(r).toMatchObject({ synced: 1, documents: 3 });
    const sent = t.ofd.calls.find((c) => docNo(c) === direct.number);
    expect(sent?.payload.document_type).toBe('receipt');
    expect(sent?.payload.receipt_id).toBeUndefined();
    expect(await t.unconfirmed()).toEqual([]);
  });
});

describe('SyncPass stopping', () => {
  it('an abort mid-call leaves the unanswered receipts pending, uncounted, and records what was learnt', async () => {
    const t = await setup({ script: (_p, call) => (call < 3 ? 'accept' : 'hang') });
    const [first] = await t.print(6);
    const aborter = new AbortController();
    const running = t.pass(false, aborter.signal);
    while (t.ofd.calls.length < 4) await new Promise<void>((resolve) => setImmediate(resolve));
    aborter.abort();
    const r = await running;
    expect(r).toMatchObject({ synced: 1, skipped: 5, errors: 0, documents: 2, breakerOpen: false });
    expect(t.ofd.calls).toHaveLength(4); // registration, shift open, the first receipt, the hung one
    expect(t.row(first as string).sync_status).toBe('synced');
    for (const row of t.rows().slice(1)) expect(row).toMatchObject({ sync_status: 'pending', retry_count: 0 });
    expect(breakerView(t.breaker.snapshot(), 'UTC')).toMatchObject({ state: 'CLOSED', failure_count: 0 });
    expect(await t.unconfirmed()).toEqual([4, 5, 6, 7, 8]);
  });

  it('an unexpected throw from the ОФД client fails the pass and marks nothing synced', async () => {
    // Calls 0–2 (registration, shift open, the first receipt) are accepted; the fourth throws.
    const t = await setup({ script: (_p, call) => (call === 3 ? 'throw' : 'accept') });
    await t.print(3);
    await expect(t.pass()).rejects.toThrow('fake ОФД client bug');
    for (const row of t.rows()) expect(row.sync_status).toBe('pending');
    expect(t.store.bufferCounts()).toEqual({ pending: 3, synced: 0, failed: 0 });
    // The next pass resends; the ОФД deduplicates and the id is the one it gave first.
    t.ofd.script = () => 'accept';
    expect(await t.pass()).toMatchObject({ synced: 3 });
    const first = t.rows()[0] as ReceiptRecord;
    expect(first.ofd_id).toBe('ofd-3');
  });
});

describe('SyncService around a pass', () => {
  const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

  // A pass reports `breakerOpen: this.refused || breaker.state() === 'OPEN'`
  // (src/service/sync/sync-pass.ts, end of run()), and SyncService forwards only the breaker's
  // *transition* into halfOpen to the worker (src/service/sync/sync-service.ts, the
  // breaker.actor.subscribe in the constructor), which `syncing` ignores. When the breaker's open
  // delay runs out while the pass still waits for a call that was already on the wire (an ОФД
  // slower than KKT_CIRCUIT_BREAKER_TIMEOUT, or a backoff sleep longer than it), the pass ends
  // with `refused` set although the breaker is no longer OPEN: the worker enters backingOff and
  // nothing ever wakes it — the interval and receipts.added are ignored there and the breaker
  // sends no further halfOpen. Pending receipts then wait for a manual sync, indefinitely.
  it('the worker does not stay in backingOff once the breaker has left OPEN during the pass', async () => {
    const t = await setup({
      breaker: { threshold: 1, openMs: 1000 },
      pass: { retryAttempts: 2, batchSize: 4 },
      // Document 1 accepted, document 2 slow: while it is on the wire the breaker opens (another
      // caller's failure) and its open delay runs out.
      script: (_p, call) => (call === 1 ? 'held' : 'accept'),
    });
    const workerClock = new SimulatedClock();
    const { breaker, ...pass } = t.deps;
    const service = new SyncService({
      pass,
      breaker,
      intervalMs: 10_000,
      kickMs: 50,
      netClock: workerClock as unknown as Clock,
    });
    cleanups.push(() => service.stop());
    await t.print(4);
    const done = service.syncNow();
    while (t.ofd.calls.length < 2) await tick();
    await tick(); // the held call is now waiting for release()
    t.breaker.failed('elsewhere', T0);
    expect(t.breaker.state()).toBe('OPEN');
    t.breakerClock.increment(1000); // the open delay runs out during the pass
    expect(t.breaker.state()).toBe('HALF_OPEN');
    t.ofd.release(); // the slow call succeeds: the breaker closes
    const r = await done;
    expect(r).toMatchObject({ documents: 2, synced: 2 });
    expect(t.breaker.state()).toBe('CLOSED');
    // The breaker is closed and two receipts are pending, yet:
    workerClock.increment(100_000);
    service.notifyReceipts();
    workerClock.increment(100);
    await tick();
    expect(service.state()).not.toBe('backingOff');
  });
});

// ---- property ----------------------------------------------------------------------------------

const answerArb = fc.oneof(
  { weight: 5, arbitrary: fc.constant<Answer>('accept') },
  { weight: 4, arbitrary: fc.constant<Answer>('transient') },
  { weight: 1, arbitrary: fc.constant<Answer>('permanent') },
);

describe('SyncPass property', () => {
  it('every receipt ends in exactly one state; synced only with the ОФД’s id; counts agree with SQL', {
    timeout: 30_000,
  }, async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          receipts: fc.integer({ min: 1, max: 6 }),
          threshold: fc.integer({ min: 1, max: 4 }),
          retryAttempts: fc.integer({ min: 1, max: 3 }),
          concurrency: fc.integer({ min: 1, max: 4 }),
          batchSize: fc.integer({ min: 1, max: 8 }),
          passes: fc.array(fc.boolean(), { minLength: 1, maxLength: 3 }),
          /** Answers per fiscal document number, by attempt; 'accept' once a list runs out. */
          scripts: fc.array(fc.array(answerArb, { maxLength: 4 }), { minLength: 8, maxLength: 8 }),
        }),
        async (p) => {
          const t = await setup({
            breaker: { threshold: p.threshold },
            pass: {
              retryAttempts: p.retryAttempts,
              concurrency: p.concurrency,
              batchSize: p.batchSize,
              random: () => 0.5,
            },
            script: (payload, _call, attempt) =>
              p.scripts[payload.fiscal_doc_number - 1]?.[attempt - 1] ?? ('accept' as Answer),
          });
          try {
            const ids = await t.print(p.receipts);
            for (const manual of p.passes) await t.pass(manual);

            const rows = t.rows();
            expect(rows.map((r) => r.receipt_id).sort()).toEqual([...ids].sort());
            const unconfirmed = new Set(await t.unconfirmed());
            for (const row of rows) {
              const k = `${row.fn_number}:${row.fiscal_doc_number}`;
              expect(['pending', 'synced', 'failed']).toContain(row.sync_status);
              // retry_count counts exactly the transient answers this receipt got.
              expect(row.retry_count).toBe(t.ofd.transients.get(k) ?? 0);
              if (row.sync_status === 'synced') {
                expect(t.ofd.accepted.get(k)).toBeDefined();
                expect(row.ofd_id).toBe(t.ofd.accepted.get(k));
                expect(row.last_error).toBeNull();
                expect(unconfirmed.has(row.fiscal_doc_number)).toBe(false);
              } else {
                expect(row.ofd_id).toBeNull();
                expect(t.ofd.accepted.has(k)).toBe(false);
                expect(unconfirmed.has(row.fiscal_doc_number)).toBe(true);
              }
              if (row.sync_status === 'failed') {
                expect(t.ofd.rejected.has(k)).toBe(true);
                expect(row.last_error).toBe('OFD_REJECTED: bad QR');
              }
              if (row.sync_status === 'pending') expect(t.ofd.rejected.has(k)).toBe(false);
            }
            // No buffered receipt was sent again after the ОФД had accepted or rejected it.
            const settledAt = new Map<string, number>();
            t.ofd.receiptCalls().forEach((c, i) => {
              const k = key(c.payload);
              expect(settledAt.has(k), `call ${i} resends ${k}`).toBe(false);
              if (c.answer === 'accept' || c.answer === 'permanent') settledAt.set(k, i);
            });
            expect(t.store.bufferCounts()).toEqual(t.sqlCounts());
            // Order: one call at a time, a document is accepted only once every earlier one was
            // accepted or rejected (with a window, only the ФН's point below is guaranteed).
            const settled = new Set<number>();
            for (const c of p.concurrency === 1 ? t.ofd.calls : []) {
              if (c.answer !== 'accept' && c.answer !== 'permanent') continue;
              for (let n = 1; n < docNo(c); n++) expect(settled.has(n), `${docNo(c)} overtook ${n}`).toBe(true);
              settled.add(docNo(c));
            }
            // The ФН's point: the largest N with every document ≤ N accepted.
            const fn = (await t.kkt.status()).fn;
            let point = 0;
            while (point < fn.lastFiscalDocNumber && t.ofd.accepted.has(`${fn.number}:${point + 1}`)) point++;
            expect(fn.unsentCount).toBe(fn.lastFiscalDocNumber - point);
          } finally {
            for (const c of cleanups.splice(0).reverse()) await c();
          }
        },
      ),
      { numRuns: 30 },
    );
  });
});
