import { afterEach, describe, expect, it } from 'vitest';
import { EmulatedKkt } from '../../src/device/emulator.ts';
import type { FiscalError } from '../../src/fiscal/errors.ts';
import { VirtualClock } from '../../src/io/clock.ts';
import type { JobOp, JobOutcome } from '../../src/machines/kkt.types.ts';
import { DAY_MS, HOUR_MS, registration, SECOND_MS, simpleSale, T0, tempDir } from '../helpers/kkt-fixtures.ts';
import { machineHarness } from '../helpers/machine-harness.ts';

type Harness = ReturnType<typeof machineHarness>;
const harnesses: Harness[] = [];
const cleanups: Array<() => Promise<void> | void> = [];

function harness(options: Parameters<typeof machineHarness>[0] = {}): Harness {
  const h = machineHarness(options);
  harnesses.push(h);
  return h;
}

afterEach(async () => {
  for (const h of harnesses.splice(0)) {
    expect(h.errors).toEqual([]);
    h.stop();
  }
  for (const c of cleanups.splice(0).reverse()) await c();
});

const sale = (auto = false): JobOp => ({ kind: 'receipt', receipt: simpleSale(), autoOpenShift: auto });

function expectOk(o: JobOutcome) {
  if (!o.ok) throw new Error(`expected success, got ${o.error.code}: ${o.error.message}`);
  return o.result;
}

function expectRefused(o: JobOutcome, code: FiscalError['code'], fnCode?: number) {
  expect(o.ok).toBe(false);
  if (o.ok) return;
  expect(o.error.code).toBe(code);
  expect(o.error.fnCode).toBe(fnCode);
}

describe('shift region', () => {
  it('goes opened → expired exactly 24 h after the shift opened, not 1 ms earlier', async () => {
    const h = harness();
    expect(h.region('shift')).toBe('closed');
    expectOk(await h.submit({ kind: 'openShift' }));
    expect(h.region('shift')).toBe('opened');
    h.clock.advance(DAY_MS - 1);
    expect(h.region('shift')).toBe('opened');
    expectOk(await h.submit(sale())); // still sells in the last millisecond
    expect(h.region('shift')).toBe('opened');
    h.clock.advance(1);
    expect(h.region('shift')).toBe('expired');
    expectRefused(await h.submit(sale(true)), 'SHIFT_EXPIRED', 0x16);
    expectRefused(await h.submit({ kind: 'openShift' }), 'SHIFT_EXPIRED', 0x16);
    expect(h.fn().lastDocNumber).toBe(3);
    expectOk(await h.submit({ kind: 'closeShift' }));
    expect(h.region('shift')).toBe('closed');
    expectOk(await h.submit({ kind: 'openShift' }));
    expect(h.region('shift')).toBe('opened');
    h.clock.advance(DAY_MS - 1);
    expect(h.region('shift')).toBe('opened');
    h.clock.advance(1);
    expect(h.region('shift')).toBe('expired');
  });

  it('counts the 24 h from the shift-open document time, which has minute precision', async () => {
    const h = harness();
    h.clock.advance(45 * SECOND_MS);
    expectOk(await h.submit({ kind: 'openShift' }));
    expect(h.fn().shiftOpenedAt).toBe(T0);
    h.clock.advance(DAY_MS - 45 * SECOND_MS - 1);
    expect(h.region('shift')).toBe('opened');
    h.clock.advance(1);
    expect(h.region('shift')).toBe('expired');
  });

  it('a paper-out excursion, and the receipts around it, do not reset the 24 h timer', async () => {
    const h = harness();
    expectOk(await h.submit({ kind: 'openShift' }));
    h.clock.advance(10 * HOUR_MS);
    h.actor.send({ type: 'fault.set', faults: { paperOut: true } });
    expect(h.region('printer')).toEqual({ fault: 'paperOut' });
    expect(h.region('shift')).toBe('opened');
    expectRefused(await h.submit(sale()), 'PAPER_OUT');
    h.clock.advance(2 * HOUR_MS);
    h.actor.send({ type: 'fault.set', faults: { coverOpen: true } });
    expect(h.region('printer')).toEqual({ fault: 'coverOpen' });
    h.clock.advance(HOUR_MS);
    h.actor.send({ type: 'fault.set', faults: { paperOut: false, coverOpen: false } });
    expect(h.region('printer')).toBe('ready');
    expect(h.region('shift')).toBe('opened');
    expectOk(await h.submit(sale()));
    h.clock.advance(10 * HOUR_MS); // 23 h
    expectOk(await h.submit(sale()));
    h.clock.advance(HOUR_MS - 1);
    expect(h.region('shift')).toBe('opened');
    h.clock.advance(1);
    expect(h.region('shift')).toBe('expired');
  });

  it('a shift still in paper-out at its deadline expires on time', async () => {
    const h = harness();
    expectOk(await h.submit({ kind: 'openShift' }));
    h.clock.advance(23 * HOUR_MS);
    h.actor.send({ type: 'fault.set', faults: { paperOut: true } });
    h.clock.advance(HOUR_MS - 1);
    expect(h.region('shift')).toBe('opened');
    h.clock.advance(1);
    expect(h.region('shift')).toBe('expired');
    h.actor.send({ type: 'fault.set', faults: { paperOut: false } });
    expect(h.region('shift')).toBe('expired');
  });
});

describe('starting from stored counters (a restart)', () => {
  it('re-arms the 24 h timer with the time left, not a fresh 24 h', () => {
    const h = harness({
      initialFn: (fn) => ({ ...fn, shiftNumber: 1, shiftOpen: true, shiftOpenedAt: T0 - 23 * HOUR_MS }),
    });
    expect(h.region('shift')).toBe('opened');
    h.clock.advance(HOUR_MS - 1);
    expect(h.region('shift')).toBe('opened');
    h.clock.advance(1);
    expect(h.region('shift')).toBe('expired');
  });

  it('starts expired when the stored shift is already 24 h old', () => {
    const h = harness({
      initialFn: (fn) => ({ ...fn, shiftNumber: 1, shiftOpen: true, shiftOpenedAt: T0 - DAY_MS }),
    });
    expect(h.region('shift')).toBe('expired');
  });

  it('re-arms the 30-day ОФД timer from the stored oldest unconfirmed document', () => {
    const h = harness({ initialFn: (fn) => ({ ...fn, firstUnsentAt: T0 - 29 * DAY_MS }) });
    expect(h.region('fiscalDrive')).toEqual({ ok: 'awaitingOfd' });
    h.clock.advance(DAY_MS - 1);
    expect(h.region('fiscalDrive')).toEqual({ ok: 'awaitingOfd' });
    h.clock.advance(1);
    expect(h.region('fiscalDrive')).toEqual({ blocked: 'ofdTimeout' });
  });
});

describe('fiscalDrive region', () => {
  it('blocks with ofdTimeout 30 days after the oldest unconfirmed document and unblocks on confirmation', async () => {
    const h = harness();
    expect(h.region('fiscalDrive')).toEqual({ ok: 'awaitingOfd' }); // document 1 is unconfirmed
    h.clock.advance(30 * DAY_MS - 1);
    expect(h.region('fiscalDrive')).toEqual({ ok: 'awaitingOfd' });
    h.clock.advance(1);
    expect(h.region('fiscalDrive')).toEqual({ blocked: 'ofdTimeout' });
    expectRefused(await h.submit(sale(true)), 'OFD_TIMEOUT', 0x15);
    expectRefused(await h.submit({ kind: 'openShift' }), 'OFD_TIMEOUT', 0x15);
    expect(h.fn().lastDocNumber).toBe(1);
    h.confirm([1]);
    expect(h.region('fiscalDrive')).toEqual({ ok: 'watching' });
    expectOk(await h.submit(sale(true))); // documents 2 (shift open) and 3, at T0 + 30 d
    expect(h.region('fiscalDrive')).toEqual({ ok: 'awaitingOfd' });
  });

  it('counts the 30 days from the oldest document still unconfirmed', async () => {
    const h = harness();
    h.confirm([1]);
    expect(h.region('fiscalDrive')).toEqual({ ok: 'watching' });
    expectOk(await h.submit(sale(true))); // 2, 3 at T0
    h.clock.advance(5 * DAY_MS);
    expectOk(await h.submit({ kind: 'closeShift' })); // 4 at T0 + 5 d
    h.clock.advance(20 * DAY_MS); // T0 + 25 d
    h.confirm([3, 2]); // out of order; 4 is now the oldest
    h.clock.advance(10 * DAY_MS - 1); // T0 + 35 d - 1 ms: 30 d after document 4, minus 1 ms
    expect(h.region('fiscalDrive')).toEqual({ ok: 'awaitingOfd' });
    h.clock.advance(1);
    expect(h.region('fiscalDrive')).toEqual({ blocked: 'ofdTimeout' });
    h.confirm([4]);
    expect(h.region('fiscalDrive')).toEqual({ ok: 'watching' });
  });

  it('blocks with fnExpired exactly at validUntil', async () => {
    const h = harness({ registration: { validityDays: 2 } });
    expect(h.identity.validUntil).toBe(T0 + 2 * DAY_MS);
    h.confirm([1]);
    expectOk(await h.submit({ kind: 'openShift' }));
    h.clock.advance(DAY_MS);
    expectOk(await h.submit({ kind: 'closeShift' }));
    expectOk(await h.submit({ kind: 'openShift' }));
    h.clock.advance(DAY_MS - 1);
    expect(h.region('fiscalDrive')).toEqual({ ok: 'awaitingOfd' });
    expectOk(await h.submit(sale()));
    h.clock.advance(1);
    expect(h.region('fiscalDrive')).toEqual({ blocked: 'fnExpired' });
    const before = h.fn().lastDocNumber;
    expectRefused(await h.submit(sale()), 'FN_EXPIRED', 0x12);
    expect(h.fn().lastDocNumber).toBe(before);
    // Closing the shift is still allowed; the drive stays expired.
    expectOk(await h.submit({ kind: 'closeShift' }));
    expectRefused(await h.submit({ kind: 'openShift' }), 'FN_EXPIRED', 0x12);
    h.confirm([2, 3, 4, 5, 6, 7]);
    expect(h.region('fiscalDrive')).toEqual({ blocked: 'fnExpired' });
  });

  it('keys that expire while the drive waits for the ОФД show as fnExpired, as the status does', async () => {
    const h = harness({ registration: { validityDays: 40 } });
    h.clock.advance(30 * DAY_MS);
    expect(h.region('fiscalDrive')).toEqual({ blocked: 'ofdTimeout' });
    h.clock.advance(10 * DAY_MS);
    expect(h.region('fiscalDrive')).toEqual({ blocked: 'fnExpired' });
    h.confirm([1]);
    expect(h.region('fiscalDrive')).toEqual({ blocked: 'fnExpired' });
  });

  it('blocks with fnFull when one slot is left, which only closing the shift may use', async () => {
    const h = harness({ registration: { capacity: 4 } });
    expect(h.region('fiscalDrive')).toEqual({ ok: 'awaitingOfd' });
    expectOk(await h.submit(sale(true))); // 2 shift open, 3 receipt
    expect(h.fn().lastDocNumber).toBe(3);
    expect(h.region('fiscalDrive')).toEqual({ blocked: 'fnFull' });
    expectRefused(await h.submit(sale()), 'FN_FULL', 0x14);
    expect(h.fn().lastDocNumber).toBe(3);
    const closed = expectOk(await h.submit({ kind: 'closeShift' }));
    expect(closed.kind === 'documents' && closed.documents.map((d) => [d.number, d.kind])).toEqual([[4, 'shiftClose']]);
    expectRefused(await h.submit({ kind: 'openShift' }), 'FN_FULL', 0x14);
    h.confirm([1, 2, 3, 4]);
    expect(h.region('fiscalDrive')).toEqual({ blocked: 'fnFull' });
  });

  it('auto-open is refused as a whole when the receipt would not fit after the shift-open report', async () => {
    const h = harness({ registration: { capacity: 3 } });
    expectRefused(await h.submit(sale(true)), 'FN_FULL', 0x14);
    expect(h.fn().lastDocNumber).toBe(1);
    expect(h.region('shift')).toBe('closed');
  });

  it('starts blocked when created on an expired drive', async () => {
    const h = harness({ registration: { validityDays: 0 } });
    expect(h.region('fiscalDrive')).toEqual({ blocked: 'fnExpired' });
  });
});

describe('printer region', () => {
  it('processes jobs queued while printing one at a time, in submission order', async () => {
    const h = harness({ printMs: 20 });
    h.confirm([1]);
    const order: number[] = [];
    const jobs = [sale(true), sale(true), { kind: 'xReport' } as JobOp, sale(true), { kind: 'closeShift' } as JobOp];
    const outcomes = jobs.map((op, i) =>
      h.submit(op).then((o) => {
        order.push(i);
        return o;
      }),
    );
    expect(h.region('printer')).toBe('printing');
    expect(h.actor.getSnapshot().context.queue).toHaveLength(4);
    const results = await Promise.all(outcomes);
    expect(order).toEqual([0, 1, 2, 3, 4]);
    expect(h.maxInFlight).toBe(1);
    expect(h.calls.map((c) => c.jobs)).toEqual([[1], [2], [3], [4], [5]]);
    for (let i = 1; i < h.calls.length; i++) {
      expect(h.calls[i]!.startedAt).toBeGreaterThanOrEqual(h.calls[i - 1]!.endedAt);
    }
    const numbers = results.flatMap((o) => {
      const r = expectOk(o);
      return r.kind === 'documents' ? r.documents.map((d) => d.number) : [];
    });
    expect(numbers).toEqual([2, 3, 4, 5, 6]);
    expect(h.region('printer')).toBe('ready');
  });

  it('a printer fault refuses queued jobs with PAPER_OUT, then COVER_OPEN, and recovers', async () => {
    const h = harness({ printMs: 20 });
    const first = h.submit(sale(true));
    const queued = [h.submit(sale(true)), h.submit(sale(true))];
    expect(h.region('printer')).toBe('printing');
    h.actor.send({ type: 'fault.set', faults: { paperOut: true } });
    expect(h.region('printer')).toBe('printing'); // the job in the printer finishes
    expectOk(await first);
    for (const o of await Promise.all(queued)) expectRefused(o, 'PAPER_OUT');
    expect(h.region('printer')).toEqual({ fault: 'paperOut' });
    expect(h.fn().lastDocNumber).toBe(3);
    expectRefused(await h.submit(sale()), 'PAPER_OUT');
    h.actor.send({ type: 'fault.set', faults: { coverOpen: true } });
    expect(h.region('printer')).toEqual({ fault: 'coverOpen' });
    expectRefused(await h.submit(sale()), 'COVER_OPEN');
    expectRefused(await h.submit({ kind: 'xReport' }), 'COVER_OPEN');
    h.actor.send({ type: 'fault.set', faults: { coverOpen: false } });
    expect(h.region('printer')).toEqual({ fault: 'paperOut' });
    h.actor.send({ type: 'fault.set', faults: { paperOut: false } });
    expect(h.region('printer')).toBe('ready');
    expect(h.fn().lastDocNumber).toBe(3);
    const after = expectOk(await h.submit(sale()));
    expect(after.kind === 'documents' && after.documents[0]?.number).toBe(4);
  });

  it('a cover opened while printing refuses the queue with COVER_OPEN', async () => {
    const h = harness({ printMs: 20 });
    const first = h.submit({ kind: 'openShift' });
    const queued = h.submit(sale());
    h.actor.send({ type: 'fault.set', faults: { coverOpen: true, paperOut: true } });
    expectOk(await first);
    expectRefused(await queued, 'COVER_OPEN');
    expect(h.region('printer')).toEqual({ fault: 'coverOpen' });
  });
});

describe('EmulatedKkt over the machine, with a real print delay', () => {
  async function emulator(printDelay: { min: number; max: number }) {
    const { dir, cleanup } = tempDir('kkt-machine-');
    const clock = new VirtualClock({ start: T0, manual: true });
    const kkt = EmulatedKkt.open({
      dataDir: dir,
      clock,
      registration: registration(),
      printDelay,
      autoOpenShift: true,
    });
    cleanups.push(cleanup, () => kkt.close());
    return { kkt, clock };
  }

  it('prints queued receipts one at a time (20 ms each) and resolves them in submission order', async () => {
    const { kkt } = await emulator({ min: 20, max: 20 });
    const order: number[] = [];
    const started = performance.now();
    const receipts = Array.from({ length: 6 }, (_, i) =>
      kkt.printReceipt(simpleSale(100 * (i + 1))).then((d) => {
        order.push(i);
        return d;
      }),
    );
    expect(kkt.statusNow().state).toBe('printing');
    expect(kkt.statusNow().queued).toBe(6);
    const docs = await Promise.all(receipts);
    const elapsed = performance.now() - started;
    expect(order).toEqual([0, 1, 2, 3, 4, 5]);
    // Document 2 is the auto-opened shift; receipts follow in submission order.
    expect(docs.map((d) => d.number)).toEqual([3, 4, 5, 6, 7, 8]);
    expect(docs.map((d) => d.receiptNumber)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(docs.map((d) => d.total)).toEqual([100, 200, 300, 400, 500, 600]);
    expect(elapsed).toBeGreaterThanOrEqual(6 * 20 - 5);
    expect(kkt.statusNow()).toMatchObject({ state: 'ready', queued: 0 });
  });

  it('without a print delay a burst is group-committed and still resolves in order', async () => {
    const { kkt } = await emulator({ min: 0, max: 0 });
    const docs = await Promise.all(Array.from({ length: 50 }, (_, i) => kkt.printReceipt(simpleSale(100 + i))));
    expect(docs.map((d) => d.number)).toEqual(Array.from({ length: 50 }, (_, i) => i + 3));
    expect(docs.map((d) => d.total)).toEqual(Array.from({ length: 50 }, (_, i) => 100 + i));
  });

  it('time and ОФД confirmations that move while a receipt prints are seen by the next one', async () => {
    const { kkt, clock } = await emulator({ min: 20, max: 20 });
    const first = kkt.printReceipt(simpleSale()); // documents 2 (shift open) and 3, at T0
    const second = kkt.printReceipt(simpleSale());
    clock.advance(DAY_MS); // the shift turns 24 h old while the first receipt is printing
    expect(await kkt.confirmDelivered([1, 2])).toMatchObject({ confirmed: [1, 2] });
    expect((await first).number).toBe(3);
    await expect(second).rejects.toMatchObject({ code: 'SHIFT_EXPIRED', fnCode: 0x16 });
    const status = await kkt.status();
    expect(status.fn).toMatchObject({ lastFiscalDocNumber: 3, unsentCount: 1, firstUnsentNumber: 3 });
    expect(kkt.machine.getSnapshot().value).toMatchObject({ shift: 'expired', fiscalDrive: { ok: 'awaitingOfd' } });
    expect(kkt.machine.getSnapshot().context.fn.firstUnsentNumber).toBe(3);
  });

  it('paper out during printing refuses what was queued behind the current receipt', async () => {
    const { kkt } = await emulator({ min: 20, max: 20 });
    const first = kkt.printReceipt(simpleSale());
    const rest = [kkt.printReceipt(simpleSale()), kkt.xReport()];
    kkt.setFaults({ paperOut: true });
    expect((await first).number).toBe(3);
    for (const r of await Promise.allSettled(rest)) {
      expect(r.status).toBe('rejected');
      expect((r as PromiseRejectedResult).reason).toMatchObject({ code: 'PAPER_OUT' });
    }
    expect((await kkt.status()).fn.lastFiscalDocNumber).toBe(3);
    expect((await kkt.status()).state).toBe('fault');
  });
});
