import { type LocalDate, WireReader, WireWriter } from '../wire.ts';
import { type CommandCodec, type PasswordRequest, passwordOnlyCommand, passwordRequest } from './codec.ts';

/**
 * The report on the current state of settlements (form 21): FF37h begins it (FF0Ch TLVs may
 * follow), FF38h forms it. javapos `FSStartCalcReport` / `FSPrintCalcReport` (Javadoc: "Ответ:
 * FF38h Длина сообщения: 16 байт. Код ошибки, Номер ФД: 4 байта, Фискальный признак: 4 байта,
 * Количество неподтверждённых документов: 4 байта, Дата первого неподтверждённого документа:
 * 3 байта ГГ,ММ,ДД"); pyshtrih's FF38h handler slices the same fields.
 */
export const beginSettlementReport = passwordOnlyCommand(0xff37, 'Begin settlement report');

export interface SettlementReportAnswer {
  documentNumber: number;
  fiscalSign: number;
  unconfirmedCount: number;
  /** The first unconfirmed document's date; kkt-emu sends the report's own date when there is none. */
  firstUnconfirmedDate: LocalDate;
}

export const settlementReport: CommandCodec<PasswordRequest, SettlementReportAnswer> = {
  code: 0xff38,
  name: 'Settlement report',
  ...passwordRequest,
  encodeAnswer: (a) =>
    new WireWriter()
      .u32(a.documentNumber, 'document number')
      .u32(a.fiscalSign, 'fiscal sign')
      .u32(a.unconfirmedCount, 'unconfirmed count')
      .fnDate(a.firstUnconfirmedDate)
      .toBuffer(),
  decodeAnswer: (data) => {
    const r = new WireReader(data, 'FF38h answer');
    return {
      documentNumber: r.u32('document number'),
      fiscalSign: r.u32('fiscal sign'),
      unconfirmedCount: r.u32('unconfirmed count'),
      firstUnconfirmedDate: r.fnDate(),
    };
  },
};
