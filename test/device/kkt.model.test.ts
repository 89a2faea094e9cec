import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EmulatedKkt, type EmulatorOptions } from '../../src/device/emulator.ts';
import type { Operation } from '../../src/fiscal/codes.ts';
import type { FiscalDocument, ReceiptDocument, ShiftTotals } from '../../src/fiscal/document.ts';
import { type FiscalErrorCode, isFiscalError } from '../../src/fiscal/errors.ts';
import { VirtualClock } from '../../src/io/clock.ts';
import {
  DAY_MS,
  HOUR_MS,
  MINUTE_MS,
  type ReceiptSpec,
  receiptInput,
  registration,
  specTotal,
  T0,
  tempDir,
} from '../helpers/kkt-fixtures.ts';

/*
 * Model-based test of the whole emulated device (machine + fn-core + SQLite archive) against an
 * independent reducer written from the ФН rules:
 * - every fiscal document takes the next number, whatever its kind; documents carry minute precision;
 * - receipts are numbered from 1 in each shift;
 * - a shift lasts at most 24 h from its opening document; after that only closing is allowed;
 * - the drive blocks (refusing shift opening and receipts, but not closing) when it is full (one slot
 *   kept for closing), when its keys expire, and when a document waits 30 days for the ОФД;
 * - the printer refuses every job while it has no paper;
 * - a refused operation writes nothing.
 */

const OPERATIONS: Operation[] = ['sale', 'refund', 'purchase', 'purchase_refund'];
const SHIFT_MS = 24 * HOUR_MS;
const OFD_MS = 30 * DAY_MS;
const VALIDITY_DAYS = 400;

/** The ФН error numbers a real drive reports for each refusal. */
const FN_CODES: Record<string, number | undefined> = {
  SHIFT_CLOSED: 0x02,
  SHIFT_ALREADY_OPEN: 0x02,
  FN_EXPIRED: 0x12,
  FN_FULL: 0x14,
  OFD_TIMEOUT: 0x15,
  SHIFT_EXPIRED: 0x16,
  PAPER_OUT: undefined,
};

type Kind = FiscalDocument['kind'];
type Block = 'fnFull' | 'fnExpired' | 'ofdTimeout';

interface ModelDoc {
  kind: Kind;
  at: number;
  confirmed: boolean;
  shiftNumber?: number;
  receiptNumber?: number;
}

interface OpSums {
  count: number;
  total: number;
  cash: number;
  card: number;
}

interface Model {
  now: number;
  autoOpen: boolean;
  capacity: number;
  validUntil: number;
  docs: ModelDoc[];
  shiftNumber: number;
  shiftOpen: boolean;
  shiftOpenedAt: number | null;
  receiptsInShift: number;
  documentsInShift: number;
  totals: Record<Operation, OpSums>;
  paperOut: boolean;
}

interface Real {
  kkt: EmulatedKkt;
  clock: VirtualClock;
  options: EmulatorOptions;
}

const emptySums = (): Record<Operation, OpSums> =>
  Object.fromEntries(OPERATIONS.map((op) => [op, { count: 0, total: 0, cash: 0, card: 0 }])) as Record<
    Operation,
    OpSums
  >;

// ---- the model's rules -------------------------------------------------------------------------

const lastDoc = (m: Model) => m.docs.length;
const lastDocAt = (m: Model) => m.docs.at(-1)?.at ?? 0;
const docTime = (m: Model) => Math.max(Math.floor(m.now / MINUTE_MS) * MINUTE_MS, lastDocAt(m));

function firstUnsent(m: Model): { number: number; at: number } | null {
  const i = m.docs.findIndex((d) => !d.confirmed);
  return i === -1 ? null : { number: i + 1, at: (m.docs[i] as ModelDoc).at };
}

/** 1097: every document after the ФН's confirmed point, which moves only in number order. */
function unsentCount(m: Model): number {
  const first = firstUnsent(m);
  return first === null ? 0 : m.docs.length - first.number + 1;
}

function shiftState(m: Model): 'closed' | 'opened' | 'expired' {
  if (!m.shiftOpen) return 'closed';
  return m.now - (m.shiftOpenedAt as number) >= SHIFT_MS ? 'expired' : 'opened';
}

function block(m: Model): Block | null {
  if (lastDoc(m) + 1 >= m.capacity) return 'fnFull';
  if (m.now >= m.validUntil) return 'fnExpired';
  const first = firstUnsent(m);
  if (first && m.now >= first.at + OFD_MS) return 'ofdTimeout';
  return null;
}

const BLOCK_CODES: Record<Block, FiscalErrorCode> = {
  fnFull: 'FN_FULL',
  fnExpired: 'FN_EXPIRED',
  ofdTimeout: 'OFD_TIMEOUT',
};

function addDoc(m: Model, doc: Omit<ModelDoc, 'at' | 'confirmed'>): ModelDoc {
  const d: ModelDoc = { ...doc, at: docTime(m), confirmed: false };
  m.docs.push(d);
  if (m.shiftOpen) m.documentsInShift++;
  return d;
}

function modelOpenShift(m: Model): ModelDoc {
  m.shiftNumber++;
  m.shiftOpen = true;
  m.receiptsInShift = 0;
  m.documentsInShift = 0;
  m.totals = emptySums();
  const d = addDoc(m, { kind: 'shiftOpen', shiftNumber: m.shiftNumber });
  m.shiftOpenedAt = d.at;
  return d;
}

/** What an operation should do: a refusal code, or go ahead. */
function refusalForOpen(m: Model): FiscalErrorCode | null {
  if (m.paperOut) return 'PAPER_OUT';
  const b = block(m);
  if (b) return BLOCK_CODES[b];
  const s = shiftState(m);
  if (s === 'opened') return 'SHIFT_ALREADY_OPEN';
  if (s === 'expired') return 'SHIFT_EXPIRED';
  return null;
}

function refusalForClose(m: Model): FiscalErrorCode | null {
  if (m.paperOut) return 'PAPER_OUT';
  if (shiftState(m) === 'closed') return 'SHIFT_CLOSED';
  if (lastDoc(m) >= m.capacity) return 'FN_FULL';
  return null;
}

function refusalForReceipt(m: Model): FiscalErrorCode | null {
  if (m.paperOut) return 'PAPER_OUT';
  const b = block(m);
  if (b) return BLOCK_CODES[b];
  const s = shiftState(m);
  if (s === 'expired') return 'SHIFT_EXPIRED';
  if (s === 'closed') {
    if (!m.autoOpen) return 'SHIFT_CLOSED';
    // The shift-open report must leave room for the receipt itself.
    if (lastDoc(m) + 2 >= m.capacity) return 'FN_FULL';
  }
  return null;
}

// ---- assertions ----------------------------------------------------------------------------------

function expectedTotals(m: Model): ShiftTotals {
  return Object.fromEntries(
    OPERATIONS.map((op) => {
      const t = m.totals[op];
      return [
        op,
        { count: t.count, total: t.total, payments: { cash: t.cash, card: t.card, prepaid: 0, credit: 0, other: 0 } },
      ];
    }),
  ) as ShiftTotals;
}

async function expectRefusal(m: Model, r: Real, code: FiscalErrorCode, action: () => Promise<unknown>): Promise<void> {
  const before = r.kkt.statusNow().fn.lastFiscalDocNumber;
  expect(before).toBe(lastDoc(m));
  let caught: unknown;
  try {
    await action();
  } catch (e) {
    caught = e;
  }
  if (!isFiscalError(caught)) throw new Error(`expected a ${code} refusal, got ${String(caught)}`);
  expect(caught.code).toBe(code);
  expect(caught.fnCode).toBe(FN_CODES[code]);
  expect(r.kkt.statusNow().fn.lastFiscalDocNumber).toBe(before);
  expect(await r.kkt.getDocument(before + 1)).toBeUndefined();
}

async function checkInvariants(m: Model, r: Real): Promise<void> {
  const { kkt, clock } = r;
  expect(clock.now()).toBe(m.now);
  const status = kkt.statusNow();
  const first = firstUnsent(m);
  const b = block(m);
  const shift = shiftState(m);

  // No gaps, no extra documents, each as the model wrote it.
  expect(status.fn.lastFiscalDocNumber).toBe(lastDoc(m));
  for (let n = 1; n <= lastDoc(m); n++) {
    const doc = await kkt.getDocument(n);
    const want = m.docs[n - 1] as ModelDoc;
    expect(doc?.number).toBe(n);
    expect(doc?.kind).toBe(want.kind);
    expect(doc?.dateTime).toBe(want.at);
    if (want.shiftNumber !== undefined) expect(doc).toHaveProperty('shiftNumber', want.shiftNumber);
    if (want.receiptNumber !== undefined) expect(doc).toHaveProperty('receiptNumber', want.receiptNumber);
  }
  expect(await kkt.getDocument(lastDoc(m) + 1)).toBeUndefined();

  expect(status.shift).toEqual({
    state: shift,
    number: m.shiftNumber,
    openedAt: m.shiftOpen ? m.shiftOpenedAt : null,
    receipts: m.receiptsInShift,
    deadline: m.shiftOpen ? (m.shiftOpenedAt as number) + SHIFT_MS : null,
  });
  expect(status.fn).toMatchObject({
    unsentCount: unsentCount(m),
    firstUnsentNumber: first?.number ?? null,
    oldestUnsentAt: first?.at ?? null,
    validUntil: m.validUntil,
    capacity: m.capacity,
  });
  expect(status.blockedReason).toBe(b);
  expect(status.state).toBe(b ? 'blocked' : m.paperOut ? 'fault' : 'ready');
  expect(status.faults.paperOut).toBe(m.paperOut);
  expect(status.queued).toBe(0);

  // The machine shows the same picture, and its copy of the counters is the archive's.
  const snap = kkt.machine.getSnapshot();
  expect(snap.value).toEqual({
    shift,
    fiscalDrive: b ? { blocked: b } : { ok: first ? 'awaitingOfd' : 'watching' },
    printer: m.paperOut ? { fault: 'paperOut' } : 'ready',
  });
  expect(snap.context.fn.lastDocNumber).toBe(lastDoc(m));
  expect(snap.context.fn.shiftTotals).toEqual(expectedTotals(m));
  expect(snap.context.fn.documentsInShift).toBe(m.documentsInShift);
}

// ---- commands ------------------------------------------------------------------------------------

type Cmd = fc.AsyncCommand<Model, Real>;

class OpenShift implements Cmd {
  check = () => true;
  async run(m: Model, r: Real) {
    const refusal = refusalForOpen(m);
    if (refusal) await expectRefusal(m, r, refusal, () => r.kkt.openShift());
    else {
      const expectedNumber = lastDoc(m) + 1;
      const doc = await r.kkt.openShift();
      const d = modelOpenShift(m);
      expect(doc).toMatchObject({
        kind: 'shiftOpen',
        number: expectedNumber,
        shiftNumber: d.shiftNumber,
        dateTime: d.at,
      });
    }
    await checkInvariants(m, r);
  }
  toString = () => 'OpenShift';
}

class CloseShift implements Cmd {
  check = () => true;
  async run(m: Model, r: Real) {
    const refusal = refusalForClose(m);
    if (refusal) await expectRefusal(m, r, refusal, () => r.kkt.closeShift());
    else {
      const expectedNumber = lastDoc(m) + 1;
      const doc = await r.kkt.closeShift();
      expect(doc).toMatchObject({
        kind: 'shiftClose',
        number: expectedNumber,
        shiftNumber: m.shiftNumber,
        receiptsCount: m.receiptsInShift,
        documentsCount: m.documentsInShift + 1,
        totals: expectedTotals(m),
      });
      const d = addDoc(m, { kind: 'shiftClose', shiftNumber: m.shiftNumber });
      expect(doc.dateTime).toBe(d.at);
      m.shiftOpen = false;
      m.shiftOpenedAt = null;
      // The Z report counts the documents still unsent before it, not itself.
      expect(doc.unsentCount).toBe(unsentCount(m) - 1);
    }
    await checkInvariants(m, r);
  }
  toString = () => 'CloseShift';
}

class PrintReceipt implements Cmd {
  constructor(readonly spec: ReceiptSpec) {}
  check = () => true;
  async run(m: Model, r: Real) {
    const input = receiptInput(this.spec);
    const refusal = refusalForReceipt(m);
    if (refusal) {
      await expectRefusal(m, r, refusal, () => r.kkt.printReceipt(input));
      await checkInvariants(m, r);
      return;
    }
    const autoOpened = shiftState(m) === 'closed';
    const expectedNumber = lastDoc(m) + (autoOpened ? 2 : 1);
    const doc: ReceiptDocument = await r.kkt.printReceipt(input);
    if (autoOpened) {
      const open = modelOpenShift(m);
      expect(await r.kkt.getDocument(expectedNumber - 1)).toMatchObject({
        kind: 'shiftOpen',
        number: expectedNumber - 1,
        shiftNumber: open.shiftNumber,
      });
    }
    const total = specTotal(this.spec);
    const card = Math.min(this.spec.card, total);
    m.receiptsInShift++;
    const d = addDoc(m, { kind: 'receipt', shiftNumber: m.shiftNumber, receiptNumber: m.receiptsInShift });
    const sums = m.totals[this.spec.operation];
    sums.count++;
    sums.total += total;
    sums.card += card;
    sums.cash += total - card;
    expect(doc).toMatchObject({
      kind: 'receipt',
      number: expectedNumber,
      operation: this.spec.operation,
      shiftNumber: m.shiftNumber,
      receiptNumber: m.receiptsInShift,
      dateTime: d.at,
      total,
      change: this.spec.change,
    });
    expect(doc.items).toHaveLength(this.spec.items.length);
    await checkInvariants(m, r);
  }
  toString = () =>
    `PrintReceipt(${this.spec.operation}, ${specTotal(this.spec)}k, card ${this.spec.card}, change ${this.spec.change})`;
}

class XReport implements Cmd {
  check = () => true;
  async run(m: Model, r: Real) {
    if (m.paperOut) await expectRefusal(m, r, 'PAPER_OUT', () => r.kkt.xReport());
    else {
      const report = await r.kkt.xReport();
      expect(report).toEqual({
        at: m.now,
        shiftNumber: m.shiftNumber,
        shiftState: shiftState(m),
        receiptsInShift: m.receiptsInShift,
        documentsInShift: m.documentsInShift,
        totals: expectedTotals(m),
        lastDocNumber: lastDoc(m),
        unsentCount: unsentCount(m),
      });
    }
    await checkInvariants(m, r);
  }
  toString = () => 'XReport';
}

class Advance implements Cmd {
  constructor(readonly ms: number) {}
  check = () => true;
  async run(m: Model, r: Real) {
    r.clock.advance(this.ms);
    m.now += this.ms;
    await checkInvariants(m, r);
  }
  toString = () => `Advance(${(this.ms / HOUR_MS).toFixed(3)}h)`;
}

type Deadline = 'shift' | 'ofd' | 'keys';

function deadlineOf(m: Readonly<Model>, which: Deadline): number | null {
  if (which === 'shift') return m.shiftOpen ? (m.shiftOpenedAt as number) + SHIFT_MS : null;
  if (which === 'keys') return m.validUntil;
  const first = firstUnsent(m as Model);
  return first ? first.at + OFD_MS : null;
}

/** Lands exactly on a deadline, or 1 ms either side of it. */
class AdvanceToDeadline implements Cmd {
  constructor(
    readonly which: Deadline,
    readonly delta: -1 | 0 | 1,
  ) {}
  check(m: Readonly<Model>) {
    const at = deadlineOf(m, this.which);
    return at !== null && at + this.delta >= m.now;
  }
  async run(m: Model, r: Real) {
    const ms = (deadlineOf(m, this.which) as number) + this.delta - m.now;
    r.clock.advance(ms);
    m.now += ms;
    await checkInvariants(m, r);
  }
  toString = () => `AdvanceTo(${this.which}${this.delta < 0 ? '-1ms' : this.delta > 0 ? '+1ms' : ''})`;
}

class SetPaperOut implements Cmd {
  constructor(readonly out: boolean) {}
  check = () => true;
  async run(m: Model, r: Real) {
    r.kkt.setFaults({ paperOut: this.out });
    m.paperOut = this.out;
    await checkInvariants(m, r);
  }
  toString = () => `SetPaperOut(${this.out})`;
}

/** The ОФД confirms the given numbers (some may be unknown); all docs so far when `picks` is null. */
class Confirm implements Cmd {
  constructor(readonly picks: number[] | null) {}
  check = () => true;
  async run(m: Model, r: Real) {
    const numbers = this.picks ?? m.docs.map((_, i) => i + 1);
    const unique = [...new Set(numbers)].sort((a, b) => a - b);
    const known = (n: number) => n >= 1 && n <= lastDoc(m);
    const expected = {
      confirmed: unique.filter((n) => known(n) && !(m.docs[n - 1] as ModelDoc).confirmed),
      alreadyConfirmed: unique.filter((n) => known(n) && (m.docs[n - 1] as ModelDoc).confirmed),
      unknown: unique.filter((n) => !known(n)),
    };
    expect(await r.kkt.confirmDelivered(numbers)).toEqual(expected);
    for (const n of expected.confirmed) (m.docs[n - 1] as ModelDoc).confirmed = true;
    await checkInvariants(m, r);
  }
  toString = () => (this.picks ? `Confirm(${this.picks.join(',')})` : 'ConfirmAll');
}

/** Restart the emulator on the same data directory and clock; printer faults do not survive it. */
class Reopen implements Cmd {
  check = () => true;
  async run(m: Model, r: Real) {
    await r.kkt.close();
    r.kkt = EmulatedKkt.open(r.options);
    m.paperOut = false;
    await checkInvariants(m, r);
  }
  toString = () => 'Reopen';
}

// ---- arbitraries ---------------------------------------------------------------------------------

const receiptSpecArb: fc.Arbitrary<ReceiptSpec> = fc
  .record({
    operation: fc.constantFrom(...OPERATIONS),
    items: fc.array(
      fc.record({
        price: fc.integer({ min: 1, max: 500_000 }),
        quantity: fc.integer({ min: 1, max: 5 }),
        vat: fc.constantFrom('none' as const, '0' as const, '10' as const, '22' as const, '22/122' as const),
      }),
      { minLength: 1, maxLength: 3 },
    ),
    cardPercent: fc.oneof(fc.constant(0), fc.constant(100), fc.integer({ min: 0, max: 100 })),
    change: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 5_000 })),
  })
  .map(({ operation, items, cardPercent, change }) => {
    const spec: ReceiptSpec = { operation, items, card: 0, change };
    spec.card = Math.floor((specTotal(spec) * cardPercent) / 100);
    return spec;
  });

const advanceArb = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: 0, max: 3 * MINUTE_MS }) },
  { weight: 3, arbitrary: fc.integer({ min: 0, max: 6 * HOUR_MS }) },
  { weight: 2, arbitrary: fc.integer({ min: 0, max: 26 * HOUR_MS }) },
  { weight: 1, arbitrary: fc.constant(31 * DAY_MS) },
);

const commandArbs: fc.Arbitrary<Cmd>[] = [
  fc.constant(new OpenShift()),
  fc.constant(new CloseShift()),
  receiptSpecArb.map((s) => new PrintReceipt(s)),
  receiptSpecArb.map((s) => new PrintReceipt(s)),
  receiptSpecArb.map((s) => new PrintReceipt(s)),
  receiptSpecArb.map((s) => new PrintReceipt(s)),
  fc.constant(new XReport()),
  advanceArb.map((ms) => new Advance(ms)),
  advanceArb.map((ms) => new Advance(ms)),
  fc
    .tuple(
      fc.oneof(
        { weight: 4, arbitrary: fc.constant<Deadline>('shift') },
        { weight: 2, arbitrary: fc.constant<Deadline>('ofd') },
        { weight: 1, arbitrary: fc.constant<Deadline>('keys') },
      ),
      fc.constantFrom<-1 | 0 | 1>(-1, 0, 1),
    )
    .map(([w, d]) => new AdvanceToDeadline(w, d)),
  fc
    .oneof({ weight: 1, arbitrary: fc.constant(true) }, { weight: 2, arbitrary: fc.constant(false) })
    .map((b) => new SetPaperOut(b)),
  fc.constant(new Confirm(null)),
  fc.constant(new Confirm(null)),
  fc.array(fc.integer({ min: -1, max: 60 }), { maxLength: 6 }).map((p) => new Confirm(p)),
  fc.constant(new Reopen()),
];

// ---- the property --------------------------------------------------------------------------------

/** KKT_MODEL_RUNS=2000 for a deeper search than the default quick run. */
const RUNS = Number(process.env.KKT_MODEL_RUNS ?? 50);

describe('EmulatedKkt against a model of the ФН rules', () => {
  it('numbers, shifts, totals, blocks and refusals agree with the model', {
    timeout: Math.max(30_000, RUNS * 500),
  }, async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.boolean(),
        fc.integer({ min: 0, max: DAY_MS - 1 }),
        fc.oneof(
          { weight: 3, arbitrary: fc.constant(250_000) },
          { weight: 1, arbitrary: fc.integer({ min: 3, max: 30 }) },
        ),
        fc.commands(commandArbs, { maxCommands: 50, size: 'max' }),
        async (autoOpen, startOffset, capacity, cmds) => {
          const { dir, cleanup } = tempDir('kkt-model-');
          const start = T0 + startOffset;
          const clock = new VirtualClock({ start, manual: true });
          const options: EmulatorOptions = {
            dataDir: dir,
            clock,
            registration: registration({ validityDays: VALIDITY_DAYS, capacity }),
            printDelay: { min: 0, max: 0 },
            autoOpenShift: autoOpen,
          };
          const real: Real = { kkt: EmulatedKkt.open(options), clock, options };
          const model: Model = {
            now: start,
            autoOpen,
            capacity,
            validUntil: start + VALIDITY_DAYS * DAY_MS,
            docs: [{ kind: 'registration', at: Math.floor(start / MINUTE_MS) * MINUTE_MS, confirmed: false }],
            shiftNumber: 0,
            shiftOpen: false,
            shiftOpenedAt: null,
            receiptsInShift: 0,
            documentsInShift: 0,
            totals: emptySums(),
            paperOut: false,
          };
          try {
            await checkInvariants(model, real);
            await fc.asyncModelRun(() => ({ model, real }), cmds);
          } finally {
            await real.kkt.close();
            clock.dispose();
            cleanup();
          }
        },
      ),
      { numRuns: RUNS },
    );
  });
});
