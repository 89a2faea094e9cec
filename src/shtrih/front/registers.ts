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
  documentNumberLow: 0xb9,
  documentNumberHigh: 0xba,
} as const;

const OPS = 4;
const zero = () => [0, 0, 0, 0];
/** Cash goes into the drawer on a sale and a return of purchase, out on the other two. */
const CASH_SIGN: Record<Operation, number> = { sale: 1, purchase: -1, refund: -1, purchase_refund: 1 };

interface ShiftSums {
  totals: number[];
  cash: number[];
  type2: number[];
  type3: number[];
  type4: number[];
  receipts: number[];
  lines: number[];
}

const emptyShift = (): ShiftSums => ({
  totals: zero(),
  cash: zero(),
  type2: zero(),
  type3: zero(),
  type4: zero(),
  receipts: zero(),
  lines: zero(),
});

/** What the open receipt adds (money register 0..3, operating register 0..3). */
export interface OpenReceiptView {
  operation: Operation;
  total: number;
  lines: number;
}

/**
 * Sums over the archive, read incrementally (each document once) and started over when the
 * ФН changes. Shift registers clear at the Z report; register 241 (cash in drawer) clears at
 * the Z report only when table 1 field 2 is 1, which `autoCashReset` reads when a Z report is
 * counted.
 */
export class Registers {
  private fn = '';
  private scanned = 0;
  private shift = emptyShift();
  private drawer = 0;

  constructor(
    private readonly kkt: EmulatedKkt,
    private readonly autoCashReset: () => boolean,
  ) {}

  /** Reads documents not counted yet. */
  async sync(): Promise<void> {
    const s = this.kkt.statusNow();
    if (s.fn.number !== this.fn) {
      this.fn = s.fn.number;
      this.scanned = 0;
      this.shift = emptyShift();
      this.drawer = 0;
    }
    while (this.scanned < s.fn.lastFiscalDocNumber) {
      const doc = await this.kkt.getDocument(this.scanned + 1);
      this.scanned++;
      if (doc?.kind === 'shiftClose') {
        this.shift = emptyShift();
        if (this.autoCashReset()) this.drawer = 0;
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
        // TODO(cash drawer phase): cash in/out (50h/51h) and the fiscal core's drawer balance
        // belong in 241, 242 and 243; until then 241 is the cash receipts moved.
        this.drawer += CASH_SIGN[doc.operation] * cashKept;
      }
    }
  }

  /** 1Ah. Numbers 0..252 and 4224/4225 exist; kkt-emu answers 0 for those it does not keep. */
  async money(register: number, open: OpenReceiptView | null): Promise<number> {
    await this.sync();
    const inRange = (base: number) => register >= base && register < base + OPS;
    const M = MONEY_REGISTER;
    if (inRange(M.receiptDepartment1))
      return open && CHECK_TYPE[open.operation] === register - M.receiptDepartment1 ? open.total : 0;
    if (inRange(M.shiftDepartment1)) return this.shift.totals[register - M.shiftDepartment1] ?? 0;
    if (inRange(M.shiftCash)) return this.shift.cash[register - M.shiftCash] ?? 0;
    if (inRange(M.shiftType2)) return this.shift.type2[register - M.shiftType2] ?? 0;
    if (inRange(M.shiftType3)) return this.shift.type3[register - M.shiftType3] ?? 0;
    if (inRange(M.shiftType4)) return this.shift.type4[register - M.shiftType4] ?? 0;
    // A drawer cannot hold less than nothing; refunds beyond what came in read as 0.
    if (register === M.cashInDrawer) return Math.max(0, this.drawer);
    if (register <= 252 || register === M.correctionIncome || register === M.correctionExpense) return 0;
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
    if (register <= 255) return 0;
    refuse(E.badParameters, `operating register ${register} does not exist`);
  }
}
