import { WireReader, WireWriter } from '../wire.ts';
import { type CommandCodec, passwordOnlyCommand } from './codec.ts';

/**
 * Correction receipts (form 31).
 *
 * - FF35h "Начать формирование чека коррекции" (javapos `FSStartCorrectionReceipt`: pw, answer
 *   the error byte). kkt-emu takes it as the start of the FFD 1.2 flow too: FF0Ch TLVs (1173,
 *   1174 or its parts 1178/1179), FF46h lines, FF45h close (research notes §6.3; the vendor
 *   driver's own FFD 1.2 flow is `FNOpenCheckCorrection` + `FNSendTag` + `FNOperation` +
 *   `FNCloseCheckEx`, whose opening command byte no public source shows: unconfirmed).
 * - FF4Ah "Сформировать чек коррекции V2", as javapos `FSPrintCorrectionReceipt2` and kulyasovr
 *   `correction_close` send it (research notes §6.2): totals only, no lines.
 */
export const beginCorrection = passwordOnlyCommand(0xff35, 'Begin correction receipt');

export interface CorrectionV2 {
  password: number;
  /** 1173: 0 самостоятельно, 1 по предписанию. */
  correctionType: number;
  /** 1054 as FF4Ah has it: 1 коррекция прихода, 3 коррекция расхода. */
  calculationSign: number;
  total: number;
  cash: number;
  electronic: number;
  prepayment: number;
  credit: number;
  counterProvision: number;
  /** VAT 20 %, VAT 10 %, turnover 0 %, turnover без НДС, VAT 20/120, VAT 10/110. */
  taxes: [number, number, number, number, number, number];
  /** 1055 bit mask, as in FF45h. */
  taxSystem: number;
}

export interface CorrectionAnswer {
  receiptNumber: number;
  documentNumber: number;
  fiscalSign: number;
}

export const correctionV2: CommandCodec<CorrectionV2, CorrectionAnswer> = {
  code: 0xff4a,
  name: 'Correction receipt V2',
  encodeRequest: (q) => {
    const w = new WireWriter()
      .u32(q.password, 'password')
      .u8(q.correctionType, 'correction type')
      .u8(q.calculationSign, 'calculation sign')
      .money(q.total, 'total')
      .money(q.cash, 'cash')
      .money(q.electronic, 'electronic')
      .money(q.prepayment, 'prepayment')
      .money(q.credit, 'credit')
      .money(q.counterProvision, 'counter-provision');
    for (const t of q.taxes) w.money(t, 'tax sum');
    return w.u8(q.taxSystem, 'tax system').toBuffer();
  },
  decodeRequest: (data) => {
    const r = new WireReader(data, 'FF4Ah request');
    return {
      password: r.u32('password'),
      correctionType: r.u8('correction type'),
      calculationSign: r.u8('calculation sign'),
      total: r.money('total'),
      cash: r.money('cash'),
      electronic: r.money('electronic'),
      prepayment: r.money('prepayment'),
      credit: r.money('credit'),
      counterProvision: r.money('counter-provision'),
      taxes: [
        r.money('VAT 20'),
        r.money('VAT 10'),
        r.money('0 %'),
        r.money('без НДС'),
        r.money('20/120'),
        r.money('10/110'),
      ],
      taxSystem: r.u8('tax system'),
    };
  },
  encodeAnswer: (a) =>
    new WireWriter()
      .u16(a.receiptNumber, 'receipt number')
      .u32(a.documentNumber, 'document number')
      .u32(a.fiscalSign, 'fiscal sign')
      .toBuffer(),
  decodeAnswer: (data) => {
    const r = new WireReader(data, 'FF4Ah answer');
    return {
      receiptNumber: r.u16('receipt number'),
      documentNumber: r.u32('document number'),
      fiscalSign: r.u32('fiscal sign'),
    };
  },
};
