import type { EmulatedKkt } from '../../device/emulator.ts';
import type { Operation } from '../../fiscal/codes.ts';
import type { PaymentTotals } from '../../fiscal/document.ts';
import { E, refuse } from '../protocol/errors.ts';
import { CHECK_TYPE } from './status-answers.ts';

/**
 * The ККТ's registers, computed from the ФН archive (research notes §3; register numbers from
 * javapos `CashRegister.java` and the vendor's operating-register names). kkt-emu keeps one
 * department (1): every line counts there.
 */

/** 1Ah money registers, by operation index 0 sale, 1 purchase, 2 return of sale, 3 return of purchase. */
export const MONEY_REGISTER = {
  receiptDepartment1: 0,
  /** "Накопление скидок с продаж (покупок, возврата продаж, возврата покупок) в чеке" (opos `FiscalPrinterCommand.pas`, `GetRecDiscountTotal`). */
  receiptDiscounts: 64,
  shiftDepartment1: 121,
  shiftCash: 193,
  shiftType2: 197,
  shiftType3: 201,
  shiftType4: 205,
  cashInDrawer: 241,
  cashInShift: 242,
  cashOutShift: 243,
  correctionIncome: 4224,
  correctionExpense: 4225,
} as const;

/** 1Bh operating registers. */
export const OPERATING_REGISTER = {
  receiptLinesDepartment1: 0,
  shiftLinesDepartment1: 72,
  shiftReceipts: 144,
  documentNumber: 152,
  cashInsInShift: 153,
  cashOutsInShift: 154,
  documentNumberLow: 0xb9,
  documentNumberHigh: 0xba,
  /** FN models: correction receipts приход / расход in the ФН, then in the shift (D1, G1). */
  correctionsIncome: 200,
  correctionsExpense: 201,
  shiftCorrectionsIncome: 202,
  shiftCorrectionsExpense: 203,
} as const;

const OPS = 4;
const zero = () => [0, 0, 0, 0];
/** Correction receipts count as приход (1054 = 1) or расход (1054 = 3); the returns have no register here. */
const CORRECTION_SIDE: Partial<Record<Operation, 0 | 1>> = { sale: 0, purchase: 1 };

interface ShiftSums {
  totals: number[];
  cash: number[];
  type2: number[];
  type3: number[];
  type4: number[];
  receipts: number[];
  lines: number[];
  /** Correction receipts: sums and counts, приход / расход. */
  correctionSums: number[];
  corrections: number[];
}

const emptyShift = (): ShiftSums => ({
  totals: zero(),
  cash: zero(),
  type2: zero(),
  type3: zero(),
  type4: zero(),
  receipts: zero(),
  lines: zero(),
  correctionSums: [0, 0],
  corrections: [0, 0],
});

/** What the open receipt adds (money register 0..3, operating register 0..3). */
export interface OpenReceiptView {
  operation: Operation;
  total: number;
  lines: number;
  /** Receipt-level discounts so far (86h, FF4Bh, less 8Ah). */
  discounts: number;
}

/**
 * Sums over the archive, read incrementally (each document once) and started over when the
 * ФН changes; shift registers clear at the Z report. Register 241 (cash in drawer) is the fiscal
 * core's own drawer balance, which cash in/out, cash settlements and (with table 1 field 2 = 1)
 * the Z report move; 242/243 and 153/154 are the shift's cash movements.
 */
export class Registers {
  private fn = '';
  private scanned = 0;
  private shift = emptyShift();
  private fnCorrections = [0, 0];

  constructor(private readonly kkt: EmulatedKkt) {}

  /** Reads documents not counted yet. */
  async sync(): Promise<void> {
    const s = this.kkt.statusNow();
    if (s.fn.number !== this.fn) {
      this.fn = s.fn.number;
      this.scanned = 0;
      this.shift = emptyShift();
      this.fnCorrections = [0, 0];
    }
    while (this.scanned < s.fn.lastFiscalDocNumber) {
      const doc = await this.kkt.getDocument(this.scanned + 1);
      this.scanned++;
      if (doc?.kind === 'shiftClose') {
        this.shift = emptyShift();
      } else if (doc?.kind === 'correction') {
        const side = CORRECTION_SIDE[doc.operation];
        if (side !== undefined) {
          this.shift.correctionSums[side] = (this.shift.correctionSums[side] ?? 0) + doc.total;
          this.shift.corrections[side] = (this.shift.corrections[side] ?? 0) + 1;
          this.fnCorrections[side] = (this.fnCorrections[side] ?? 0) + 1;
        }
      } else if (doc?.kind === 'receipt') {
        const i = CHECK_TYPE[doc.operation];
        const p: PaymentTotals = doc.payments;
        const cashKept = p.cash - doc.change;
        this.shift.totals[i] = (this.shift.totals[i] ?? 0) + doc.total;
        this.shift.cash[i] = (this.shift.cash[i] ?? 0) + cashKept;
        this.shift.type2[i] = (this.shift.type2[i] ?? 0) + p.card;
        this.shift.type3[i] = (this.shift.type3[i] ?? 0) + p.credit;
        this.shift.type4[i] = (this.shift.type4[i] ?? 0) + p.other;
        this.shift.receipts[i] = (this.shift.receipts[i] ?? 0) + 1;
        this.shift.lines[i] = (this.shift.lines[i] ?? 0) + doc.items.length;
      }
    }
  }

  /** The open shift's cash movements of one kind (none while the shift is closed). */
  private shiftCash(kind: 'in' | 'out'): { sum: number; count: number } {
    // The core clears the opening time at the Z report.
    const openedAt = this.kkt.statusNow().shift.openedAt;
    if (openedAt === null) return { sum: 0, count: 0 };
    const moves = this.kkt.cashMovementsSince(openedAt).filter((m) => m.kind === kind);
    return { sum: moves.reduce((a, m) => a + m.amount, 0), count: moves.length };
  }

  /** 1Ah. Numbers 0..252 and 4224/4225 exist; kkt-emu answers 0 for those it does not keep. */
  async money(register: number, open: OpenReceiptView | null): Promise<number> {
    await this.sync();
    const inRange = (base: number) => register >= base && register < base + OPS;
    const M = MONEY_REGISTER;
    if (inRange(M.receiptDepartment1))
      return open && CHECK_TYPE[open.operation] === register - M.receiptDepartment1 ? open.total : 0;
    if (inRange(M.receiptDiscounts))
      return open && CHECK_TYPE[open.operation] === register - M.receiptDiscounts ? open.discounts : 0;
    if (inRange(M.shiftDepartment1)) return this.shift.totals[register - M.shiftDepartment1] ?? 0;
    if (inRange(M.shiftCash)) return this.shift.cash[register - M.shiftCash] ?? 0;
    if (inRange(M.shiftType2)) return this.shift.type2[register - M.shiftType2] ?? 0;
    if (inRange(M.shiftType3)) return this.shift.type3[register - M.shiftType3] ?? 0;
    if (inRange(M.shiftType4)) return this.shift.type4[register - M.shiftType4] ?? 0;
    // A drawer cannot hold less than nothing (the core may go below 0 without cash control).
    if (register === M.cashInDrawer) return Math.max(0, this.kkt.statusNow().cashBalance);
    if (register === M.cashInShift) return this.shiftCash('in').sum;
    if (register === M.cashOutShift) return this.shiftCash('out').sum;
    if (register === M.correctionIncome) return this.shift.correctionSums[0] ?? 0;
    if (register === M.correctionExpense) return this.shift.correctionSums[1] ?? 0;
    if (register <= 252) return 0;
    refuse(E.badParameters, `money register ${register} does not exist`);
  }

  /** 1Bh. Numbers 0..255 exist; kkt-emu answers 0 for those it does not keep. */
  async operating(register: number, open: OpenReceiptView | null): Promise<number> {
    await this.sync();
    const O = OPERATING_REGISTER;
    const inRange = (base: number) => register >= base && register < base + OPS;
    const last = this.kkt.statusNow().fn.lastFiscalDocNumber;
    if (inRange(O.receiptLinesDepartment1))
      return open && CHECK_TYPE[open.operation] === register - O.receiptLinesDepartment1 ? open.lines : 0;
    if (inRange(O.shiftLinesDepartment1)) return (this.shift.lines[register - O.shiftLinesDepartment1] ?? 0) & 0xffff;
    if (inRange(O.shiftReceipts)) return (this.shift.receipts[register - O.shiftReceipts] ?? 0) & 0xffff;
    if (register === O.documentNumber || register === O.documentNumberLow) return last & 0xffff;
    if (register === O.documentNumberHigh) return Math.floor(last / 0x10000) & 0xffff;
    if (register === O.cashInsInShift) return this.shiftCash('in').count & 0xffff;
    if (register === O.cashOutsInShift) return this.shiftCash('out').count & 0xffff;
    if (register === O.correctionsIncome || register === O.correctionsExpense)
      return (this.fnCorrections[register - O.correctionsIncome] ?? 0) & 0xffff;
    if (register === O.shiftCorrectionsIncome || register === O.shiftCorrectionsExpense)
      return (this.shift.corrections[register - O.shiftCorrectionsIncome] ?? 0) & 0xffff;
    if (register <= 255) return 0;
    refuse(E.badParameters, `operating register ${register} does not exist`);
  }
}
