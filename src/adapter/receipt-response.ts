import type { ReceiptDocument, ShiftCloseDocument, ShiftOpenDocument } from '../fiscal/document.ts';
import { localIsoWithOffset } from '../fiscal/local-time.ts';
import { toRublesNumber } from '../fiscal/money.ts';
import { receiptQrString } from '../fiscal/qr.ts';

/** The fields every fiscal document shows a POS, receipt or shift report. */
export function documentHeaderView(doc: ReceiptDocument | ShiftOpenDocument | ShiftCloseDocument, timezone: string) {
  return {
    fiscal_doc_number: doc.number,
    fiscal_sign: doc.fiscalSign,
    fiscal_datetime: localIsoWithOffset(doc.dateTime, timezone),
    fn_number: doc.fnNumber,
    kkt_number: doc.kktRegNumber,
    shift_number: doc.shiftNumber,
  };
}

/** `fiscal_doc` of API.md: the receipt document as a POS sees it. */
export function fiscalDocView(doc: ReceiptDocument, timezone: string) {
  return {
    ...documentHeaderView(doc, timezone),
    receipt_number: doc.receiptNumber,
    total: toRublesNumber(doc.total),
    qr_code_data: receiptQrString(doc, timezone),
  };
}

export type FiscalDocView = ReturnType<typeof fiscalDocView>;

export interface ReceiptResponse {
  status: 'printed';
  receipt_id: string;
  idempotency_key: string;
  fiscal_doc: FiscalDocView;
  buffer: { status: 'pending' };
  warnings: string[];
}
