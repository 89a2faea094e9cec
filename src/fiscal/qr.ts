import { OPERATIONS } from './codes.ts';
import type { ReceiptDocument } from './document.ts';
import { localParts } from './local-time.ts';
import { formatRubles } from './money.ts';

const p2 = (n: number) => String(n).padStart(2, '0');

/** `t=YYYYMMDDTHHMM&s=RUB.kk&fn=&i=&fp=&n=` in the ККТ's local time, as printed on receipts. */
export function receiptQrString(doc: ReceiptDocument, timezone: string): string {
  const l = localParts(doc.dateTime, timezone);
  const t = `${l.year}${p2(l.month)}${p2(l.day)}T${p2(l.hour)}${p2(l.minute)}`;
  const fp = String(Number(doc.fiscalSign));
  return `t=${t}&s=${formatRubles(doc.total)}&fn=${doc.fnNumber}&i=${doc.number}&fp=${fp}&n=${OPERATIONS[doc.operation]}`;
}
