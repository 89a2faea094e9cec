import fc from 'fast-check';
import { afterEach, describe, expect, test } from 'vitest';
import type { Operation } from '../../src/fiscal/codes.ts';
import type { CorrectionDocument, FiscalDocument, ReceiptDocument } from '../../src/fiscal/document.ts';
import type { VatRate } from '../../src/fiscal/vat.ts';
import { WireClient } from '../../src/shtrih/driver/wire-client.ts';
import { DeviceFront } from '../../src/shtrih/front/device-front.ts';
import {
  beginCorrection,
  cancelCheck,
  cashIn,
  cashOut,
  closeCheck,
  closeCheckEx,
  discount,
  moneyRegister,
  openCheck,
  operatingRegister,
  operationV2,
  purchase,
  purchaseReturn,
  readTable,
  receiptDiscount,
  sale,
  saleReturn,
  sendTlv,
  subtotal,
  surcharge,
  voidDiscount,
  voidSurcharge,
  writeTable,
  zReport,
} from '../../src/shtrih/protocol/commands/index.ts';
import { DeviceRefusal } from '../../src/shtrih/protocol/errors.ts';
import { decodeCp1251 } from '../../src/shtrih/protocol/text.ts';
import { encodeTlvs, tlvByte, tlvStlv, tlvU32 } from '../../src/shtrih/protocol/tlv.ts';
import { HOUR_MS } from '../helpers/kkt-fixtures.ts';
import { type Bench, emulator, FAST_LINK, memoryLine } from './support.ts';

/**
 * Must show (issue 13): the registers a driver reads over the wire (1Ah, 1Bh) equal the sums
 * and counts of the ФН archive, for days generated as a driver would send them, and the tax
 * table read over the wire (1Fh, table 6) names every rate the documents carry.
 *
 * Everything goes over the wire (a WireClient on an in-memory line: the commands' codecs,
 * nothing else); the expectations are computed here from the archive's documents and from the
 * cash movements the device accepted, not with the front's register code. Register numbers:
 * javapos `CashRegister.java` / the vendor's register names (docs/serial.md §registers).
 */

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const PW = { password: 30 };
/** 1054 on FF46h; index into the 4-register groups (sale, purchase, return of sale, return of purchase). */
const OPS: { op: Operation; ff46: number; legacy: number; register: number }[] = [
  { op: 'sale', ff46: 1, legacy: 0, register: 0 },
  { op: 'refund', ff46: 2, legacy: 2, register: 2 },
  { op: 'purchase', ff46: 3, legacy: 1, register: 1 },
  { op: 'purchase_refund', ff46: 4, legacy: 3, register: 3 },
];
const LEGACY_LINE = [sale, purchase, saleReturn, purchaseReturn] as const;
const ADJUSTMENT = { 134: discount, 135: surcharge, 138: voidDiscount, 139: voidSurcharge } as const;
/** Table 6 rows a plain receipt may name (rows 5, 6, 12 are the calculated rates, for advances). */
const PLAIN_ROWS = [1, 2, 3, 4, 11];
/** Money into the drawer (+) or out of it (−) for cash paid on a receipt of each operation. */
const DRAWER_SIGN: Record<Operation, number> = { sale: 1, purchase: -1, refund: -1, purchase_refund: 1 };

interface Line {
  price: number;
  /** FF46h: millionths; 80h: thousandths. */
  quantity: number;
  row: number;
}
interface Adjustment {
  command: 0x86 | 0x87 | 0x8a | 0x8b | 0xff4b;
  sum: number;
}
interface ReceiptAction {
  kind: 'receipt';
  legacy: boolean;
  op: number;
  lines: Line[];
  /** 86h, 87h, 8Ah, 8Bh and FF4Bh (+ discount, − surcharge), each applied if the receipt allows it. */
  adjustments: Adjustment[];
  /** Shares (0..1000 ‰) of the total paid by card, credit, other; the rest in cash. */
  card: number;
  credit: number;
  other: number;
  change: number;
  rounding: number;
  /** FF45h electronic payment slot 1..12. */
  slot: number;
  /** 85h's discount (+) or surcharge (−) in 0.01 % (legacy receipts). */
  percent: number;
  /** Close first with too little money (refused), then as it should be: nothing may stick from the refusal. */
  shortFirst: boolean;
}
type Action =
  | ReceiptAction
  | { kind: 'cashIn'; sum: number }
  | { kind: 'cashOut'; sum: number }
  | { kind: 'correction'; income: boolean; price: number; row: number; cash: boolean }
  | { kind: 'z' };

const line = (legacy: boolean): fc.Arbitrary<Line> =>
  fc.record({
    // A line's sum must come to at least 1 kopeck (price × quantity ≥ 0.5).
    price: fc.integer({ min: 100, max: 30_000 }),
    quantity: legacy ? fc.integer({ min: 10, max: 3000 }) : fc.integer({ min: 10_000, max: 3_000_000 }),
    row: fc.constantFrom(...PLAIN_ROWS),
  });

const receipt: fc.Arbitrary<ReceiptAction> = fc.boolean().chain((legacy) =>
  fc.record({
    kind: fc.constant('receipt' as const),
    legacy: fc.constant(legacy),
    op: fc.integer({ min: 0, max: 3 }),
    lines: fc.array(line(legacy), { minLength: 1, maxLength: 3 }),
    adjustments: fc.array(
      fc.record({
        command: fc.constantFrom(0x86 as const, 0x87 as const, 0x8a as const, 0x8b as const, 0xff4b as const),
        sum: fc.integer({ min: -2000, max: 3000 }).filter((x) => x !== 0),
      }),
      { maxLength: 3 },
    ),
    card: fc.integer({ min: 0, max: 1000 }),
    credit: fc.constantFrom(0, 0, 250),
    other: fc.constantFrom(0, 0, 100),
    change: fc.constantFrom(0, 0, 50, 1000),
    rounding: fc.constantFrom(0, 0, 9, 99),
    slot: fc.integer({ min: 1, max: 12 }),
    percent: fc.constantFrom(0, 0, 1, 350, -250, 1000),
    shortFirst: fc.boolean(),
  }),
);

const action: fc.Arbitrary<Action> = fc.oneof(
  { weight: 6, arbitrary: receipt },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant('cashIn' as const), sum: fc.integer({ min: 1, max: 200_000 }) }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant('cashOut' as const), sum: fc.integer({ min: 1, max: 200_000 }) }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('correction' as const),
      income: fc.boolean(),
      price: fc.integer({ min: 1, max: 50_000 }),
      row: fc.constantFrom(...PLAIN_ROWS),
      cash: fc.boolean(),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'z' as const }) },
);

function attach(bench: Bench) {
  const io = memoryLine();
  const front = new DeviceFront(bench.kkt, { clock: bench.clock });
  const detach = front.attach(io.device);
  const client = new WireClient(io.host, { timeouts: FAST_LINK.timeouts, answerTimeoutMs: 2000 });
  return {
    client,
    close() {
      client.detach();
      detach();
      io.close();
      front.close();
    },
  };
}

/** The device's refusal code, or undefined when the command went through. */
async function outcome(p: Promise<unknown>): Promise<number | undefined> {
  try {
    await p;
    return undefined;
  } catch (e) {
    if (e instanceof DeviceRefusal) return e.wireCode;
    throw e;
  }
}

const taxByte = (row: number) => (row <= 6 ? 1 << (row - 1) : row);
const share = (total: number, permille: number) => Math.floor((total * permille) / 1000);

/** One receipt as a driver sends it: the total it must come to, or undefined if it was not printed. */
async function runReceipt(client: WireClient, a: ReceiptAction): Promise<number | undefined> {
  const op = OPS[a.op] as (typeof OPS)[number];
  if (a.legacy) {
    await client.call(openCheck, { ...PW, type: op.legacy });
    for (const [i, l] of a.lines.entries())
      await client.call(LEGACY_LINE[op.legacy] as typeof sale, {
        ...PW,
        quantity: l.quantity,
        price: l.price,
        department: 1,
        taxes: [l.row, 0, 0, 0],
        text: `Товар ${i + 1}`,
      });
  } else {
    for (const [i, l] of a.lines.entries())
      await client.call(operationV2, {
        ...PW,
        operation: op.ff46,
        quantity: l.quantity,
        price: l.price,
        sum: null,
        taxAmount: null,
        tax: taxByte(l.row),
        department: 1,
        paymentMethod: 4,
        paymentObject: 1,
        name: `Товар ${i + 1}`,
      });
  }
  // The receipt as the device should have it: its lines (price × quantity, half up), discounts, surcharges.
  const scale = a.legacy ? 1000 : 1_000_000;
  const lines = sum(a.lines, (l) => Math.floor((l.price * l.quantity * 2 + scale) / (2 * scale)));
  let discounts = 0;
  let surcharges = 0;
  for (const adj of a.adjustments) {
    const amount = Math.abs(adj.sum);
    const text = 'Скидка';
    const next =
      adj.command === 0x86 || (adj.command === 0xff4b && adj.sum > 0)
        ? { d: discounts + amount, s: surcharges }
        : adj.command === 0x87 || adj.command === 0xff4b
          ? { d: discounts, s: surcharges + amount }
          : adj.command === 0x8a
            ? { d: discounts - amount, s: surcharges }
            : { d: discounts, s: surcharges - amount };
    const sent =
      adj.command === 0xff4b
        ? client.call(receiptDiscount, {
            ...PW,
            discount: adj.sum > 0 ? amount : 0,
            surcharge: adj.sum < 0 ? amount : 0,
            tax: 0,
            text,
          })
        : client.call(ADJUSTMENT[adj.command], { ...PW, sum: amount, taxes: [0, 0, 0, 0], text });
    const code = await outcome(sent);
    // Voiding more than the receipt has is refused (33h); a discount beyond the receipt too (5Ah).
    const expected = next.d < 0 || next.s < 0 ? 0x33 : next.d - next.s > lines ? 0x5a : undefined;
    expect(code, `${adj.command.toString(16)}h ${adj.sum}`).toBe(expected);
    if (code === undefined) ({ d: discounts, s: surcharges } = next);
  }
  // 64..67: the open receipt's discounts, in its operation's register only.
  for (let i = 0; i < 4; i++)
    expect((await client.call(moneyRegister, { ...PW, register: 64 + i })).value, `money register ${64 + i}`).toBe(
      i === op.register ? discounts : 0,
    );
  const sub = (await client.call(subtotal, PW)).subtotal;
  expect(sub).toBe(lines - discounts + surcharges);
  const rounding = a.legacy ? Math.round((sub * a.percent) / 10000) : Math.min(a.rounding, Math.max(0, sub - 1));
  const total = sub - rounding;
  if (total <= 0) {
    await client.call(cancelCheck, PW);
    return undefined;
  }
  const card = share(total, a.card);
  const credit = Math.min(share(total, a.credit), total - card);
  const other = Math.min(share(total, a.other), total - card - credit);
  const cash = total - card - credit - other + (total - card - credit - other > 0 ? a.change : 0);
  const close = (cash: number) =>
    a.legacy
      ? client.call(closeCheck, {
          ...PW,
          cash,
          payment2: card,
          payment3: credit,
          payment4: other,
          discount: a.percent,
          taxes: [0, 0, 0, 0],
          text: '',
        })
      : client.call(closeCheckEx, {
          ...PW,
          payments: Array.from({ length: 16 }, (_, i) =>
            i === 0 ? cash : i === a.slot ? card : i === 14 ? credit : i === 15 ? other : 0,
          ),
          rounding,
          taxes: [0, 0, 0, 0, 0, 0],
          taxSystem: 0,
          text: '',
        });
  if (a.shortFirst && total - card - credit - other > 0) {
    // 45h "Cумма всех типов оплаты меньше итога чека": the receipt stays open as it was.
    expect(await outcome(close(total - card - credit - other - 1))).toBe(0x45);
  }
  const code = await outcome(close(cash));
  if (code !== undefined) {
    // The only refusal a well-formed receipt may meet is the ФН's own cash control; then cancel.
    await client.call(cancelCheck, PW);
  }
  return code === undefined ? total : undefined;
}

async function runCorrection(client: WireClient, a: Extract<Action, { kind: 'correction' }>): Promise<void> {
  await client.call(beginCorrection, PW);
  const basis = tlvStlv(1174, [tlvU32(1178, Date.UTC(2026, 10, 20) / 1000)]);
  await client.call(sendTlv, { ...PW, tlv: encodeTlvs([tlvByte(1173, 0), basis]) });
  await client.call(operationV2, {
    ...PW,
    operation: a.income ? 1 : 3,
    quantity: 1_000_000,
    price: a.price,
    sum: null,
    taxAmount: null,
    tax: taxByte(a.row),
    department: 1,
    paymentMethod: 4,
    paymentObject: 1,
    name: 'Коррекция',
  });
  const code = await outcome(
    client.call(closeCheckEx, {
      ...PW,
      payments: Array.from({ length: 16 }, (_, i) => (i === (a.cash ? 0 : 1) ? a.price : 0)),
      rounding: 0,
      taxes: [0, 0, 0, 0, 0, 0],
      taxSystem: 0,
      text: '',
    }),
  );
  if (code !== undefined) await client.call(cancelCheck, PW);
}

const sum = <T>(xs: readonly T[], f: (x: T) => number) => xs.reduce((a, x) => a + f(x), 0);

/** What every register must read, computed from the archive and the accepted cash movements. */
function expectedRegisters(
  docs: readonly FiscalDocument[],
  shiftOpen: boolean,
  moves: { kind: 'in' | 'out'; sum: number; shift: number }[],
  shiftNumber: number,
  drawer: number,
) {
  const lastClose = docs.reduce((at, d, i) => (d.kind === 'shiftClose' ? i : at), -1);
  const shiftDocs = shiftOpen ? docs.slice(lastClose + 1) : [];
  const receipts = shiftDocs.filter((d): d is ReceiptDocument => d.kind === 'receipt');
  const corrections = shiftDocs.filter((d): d is CorrectionDocument => d.kind === 'correction');
  const allCorrections = docs.filter((d): d is CorrectionDocument => d.kind === 'correction');
  const money = new Map<number, number>();
  const operating = new Map<number, number>();
  for (const { op, register: i } of OPS) {
    const mine = receipts.filter((r) => r.operation === op);
    money.set(
      121 + i,
      sum(mine, (r) => r.total),
    );
    money.set(
      193 + i,
      sum(mine, (r) => r.payments.cash - r.change),
    );
    money.set(
      197 + i,
      sum(mine, (r) => r.payments.card),
    );
    money.set(
      201 + i,
      sum(mine, (r) => r.payments.credit),
    );
    money.set(
      205 + i,
      sum(mine, (r) => r.payments.other),
    );
    operating.set(144 + i, mine.length);
    operating.set(
      72 + i,
      sum(mine, (r) => r.items.length),
    );
  }
  const side = (xs: CorrectionDocument[], op: Operation) => xs.filter((c) => c.operation === op);
  money.set(
    4224,
    sum(side(corrections, 'sale'), (c) => c.total),
  );
  money.set(
    4225,
    sum(side(corrections, 'purchase'), (c) => c.total),
  );
  operating.set(202, side(corrections, 'sale').length);
  operating.set(203, side(corrections, 'purchase').length);
  operating.set(200, side(allCorrections, 'sale').length);
  operating.set(201, side(allCorrections, 'purchase').length);
  const shiftMoves = shiftOpen ? moves.filter((m) => m.shift === shiftNumber) : [];
  const ins = shiftMoves.filter((m) => m.kind === 'in');
  const outs = shiftMoves.filter((m) => m.kind === 'out');
  money.set(
    242,
    sum(ins, (m) => m.sum),
  );
  money.set(
    243,
    sum(outs, (m) => m.sum),
  );
  operating.set(153, ins.length);
  operating.set(154, outs.length);
  money.set(241, Math.max(0, drawer));
  const last = docs.length;
  operating.set(152, last & 0xffff);
  return { money, operating };
}

/** The drawer as the archive and the accepted cash movements say, restarted at each Z when it resets. */
function drawerOf(
  docs: readonly FiscalDocument[],
  moves: { kind: 'in' | 'out'; sum: number; doc: number }[],
  reset: boolean,
) {
  const lastClose = reset ? docs.reduce((at, d) => (d.kind === 'shiftClose' ? d.number : at), 0) : 0;
  let drawer = 0;
  for (const d of docs) {
    if (d.number <= lastClose) continue;
    if (d.kind === 'receipt' || d.kind === 'correction')
      drawer += DRAWER_SIGN[d.operation] * (d.payments.cash - d.change);
  }
  // A movement after document n counts when n is after the last reset.
  for (const m of moves) if (m.doc >= lastClose) drawer += m.kind === 'in' ? m.sum : -m.sum;
  return drawer;
}

/** Which rate a table 6 name speaks of, read from the name alone ("НДС 22%", "НДС 10/110", "БЕЗ НДС"). */
function rateNamed(name: string): string | undefined {
  if (/без\s*ндс/i.test(name)) return 'none';
  const calc = /(\d+)\s*\/\s*(\d+)/.exec(name);
  if (calc) return `${calc[1]}/${calc[2]}`;
  const plain = /(\d+)\s*%/.exec(name);
  return plain ? (plain[1] as string) : undefined;
}

describe('registers over the wire equal the archive (issue 13, must show)', () => {
  test('generated days: sums and counts per operation and payment type, cash, corrections, the tax table', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(action, { minLength: 1, maxLength: 12 }),
        fc.boolean(),
        fc.constantFrom(1, 2),
        async (actions, resetAtZ, vat22Mode) => {
          const bench = emulator();
          const { client, close } = attach(bench);
          try {
            if (resetAtZ) await client.call(writeTable, { ...PW, table: 1, row: 1, field: 2, value: Buffer.from([1]) });
            // Table 17 field 71: 1 the ККТ prints 22 % for row 1 from 2026, 2 the host names row 11 (fr_drv_ng#328).
            await client.call(writeTable, { ...PW, table: 17, row: 1, field: 71, value: Buffer.from([vat22Mode]) });
            const moves: { kind: 'in' | 'out'; sum: number; shift: number; doc: number }[] = [];
            for (const a of actions) {
              const before = bench.kkt.statusNow();
              if (a.kind === 'receipt') {
                const total = await runReceipt(client, a);
                // 86h/87h, 85h's percentage and FF45h's rounding end up in the lines: the document comes to
                // what 89h said less the close's own discount, and nothing sticks from a refused close.
                if (total !== undefined) {
                  const doc = await bench.kkt.getDocument(bench.kkt.statusNow().fn.lastFiscalDocNumber);
                  expect(doc?.kind === 'receipt' && doc.total).toBe(total);
                }
              } else if (a.kind === 'correction') await runCorrection(client, a);
              else if (a.kind === 'z') {
                if (before.shift.state !== 'closed') await client.call(zReport, PW);
                bench.clock.advance(HOUR_MS);
              } else {
                const docs = await bench.kkt.documents(1, 1000);
                const drawer = drawerOf(docs, moves, resetAtZ);
                const code = await outcome(client.call(a.kind === 'cashIn' ? cashIn : cashOut, { ...PW, sum: a.sum }));
                if (a.kind === 'cashOut' && a.sum > drawer) {
                  // 46h "Не хватает наличности в кассе": nothing moves.
                  expect(code).toBe(0x46);
                } else {
                  expect(code).toBeUndefined();
                  const s = bench.kkt.statusNow();
                  moves.push({
                    kind: a.kind === 'cashIn' ? 'in' : 'out',
                    sum: a.sum,
                    shift: s.shift.number,
                    doc: s.fn.lastFiscalDocNumber,
                  });
                }
              }

              // After every step: each register equals the archive.
              const docs = await bench.kkt.documents(1, 1000);
              const s = bench.kkt.statusNow();
              const { money, operating } = expectedRegisters(
                docs,
                s.shift.state !== 'closed',
                moves,
                s.shift.number,
                drawerOf(docs, moves, resetAtZ),
              );
              for (const [register, value] of money)
                expect(
                  (await client.call(moneyRegister, { ...PW, register })).value,
                  `money register ${register}`,
                ).toBe(value);
              for (const [register, value] of operating)
                expect(
                  (await client.call(operatingRegister, { ...PW, register })).value,
                  `operating register ${register}`,
                ).toBe(value);
            }

            // The tax table over the wire names every rate a document carries, with its value.
            const rows = new Map<string, number>();
            for (let row = 1; row <= 12; row++) {
              const name = decodeCp1251(
                (await client.call(readTable, { ...PW, table: 6, row, field: 2 })).value,
              ).replace(/\0+$/, '');
              const value = (await client.call(readTable, { ...PW, table: 6, row, field: 1 })).value.readUInt16LE(0);
              const rate = rateNamed(name);
              if (rate !== undefined) rows.set(rate, value);
            }
            const docs = await bench.kkt.documents(1, 1000);
            const carried = new Set<VatRate>();
            for (const d of docs)
              if (d.kind === 'receipt' || d.kind === 'correction') for (const it of d.items) carried.add(it.vatRate);
            for (const rate of carried) {
              expect(rows.has(rate), `table 6 names ${rate}`).toBe(true);
              const percent = rate === 'none' ? 0 : Number(rate.split('/')[0]);
              expect(rows.get(rate), `table 6 value of ${rate}`).toBe(percent * 100);
            }
          } finally {
            close();
            await bench.close();
          }
        },
      ),
      { numRuns: 40 },
    );
  }, 60_000);
});
