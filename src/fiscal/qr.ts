import { OPERATIONS } from './codes.ts';
import type { SettlementDocument } from './document.ts';
import { localParts } from './local-time.ts';
import { formatRubles } from './money.ts';

const p2 = (n: number) => String(n).padStart(2, '0');

/**
 * `t=YYYYMMDDTHHMM&s=RUB.kk&fn=&i=&fp=&n=` in the ККТ's local time, as printed on receipts
 * (ffd.md §4). Correction receipts carry the same string: their 1054 is the `n` of the
 * operation corrected (FFD 1.2 prints the QR code on a чек коррекции as on a кассовый чек).
 */
export function receiptQrString(doc: SettlementDocument, timezone: string): string {
  const l = localParts(doc.dateTime, timezone);
  const t = `${l.year}${p2(l.month)}${p2(l.day)}T${p2(l.hour)}${p2(l.minute)}`;
  const fp = String(Number(doc.fiscalSign));
  return `t=${t}&s=${formatRubles(doc.total)}&fn=${doc.fnNumber}&i=${doc.number}&fp=${fp}&n=${OPERATIONS[doc.operation]}`;
}
