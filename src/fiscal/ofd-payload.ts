import type { FiscalDocument } from './document.ts';
import { toFnsJson } from './fns-json.ts';
import { localIsoWithOffset } from './local-time.ts';
import { receiptQrString } from './qr.ts';

/** How a document kind is named on the ОФД wire (snake_case, like every JSON field of kkt-emu). */
export const OFD_DOCUMENT_TYPES = {
  registration: 'registration',
  reregistration: 'reregistration',
  shiftOpen: 'shift_open',
  receipt: 'receipt',
  correction: 'correction',
  shiftClose: 'shift_close',
  settlementReport: 'settlement_report',
  fnClosure: 'fn_closure',
} as const;
export type OfdDocumentType = (typeof OFD_DOCUMENT_TYPES)[keyof typeof OFD_DOCUMENT_TYPES];

/**
 * One fiscal document as the adapter sends it to the ОФД: the identifying header the ОФД
 * deduplicates on (`fn_number`, `fiscal_doc_number`), the QR string for receipts, and the full
 * document in FNS JSON field names. Receipts go to `POST /ofd/v1/receipt`, every other kind to
 * `POST /ofd/v1/document`.
 */
export interface OfdPayload {
  fn_number: string;
  fiscal_doc_number: number;
  fiscal_sign: string;
  document_type: OfdDocumentType;
  kkt_reg_number: string;
  user_inn: string;
  fiscal_datetime: string;
  /** Receipts only. */
  qr_code_data?: string;
  /** Receipts only: the adapter's id, so the ОФД side can be matched to API answers. */
  receipt_id?: string;
  document: Record<string, unknown>;
}

export function toOfdPayload(doc: FiscalDocument, timezone: string, receiptId?: string): OfdPayload {
  const payload: OfdPayload = {
    fn_number: doc.fnNumber,
    fiscal_doc_number: doc.number,
    fiscal_sign: doc.fiscalSign,
    document_type: OFD_DOCUMENT_TYPES[doc.kind],
    kkt_reg_number: doc.kktRegNumber,
    user_inn: doc.userInn,
    fiscal_datetime: localIsoWithOffset(doc.dateTime, timezone),
    document: toFnsJson(doc, timezone),
  };
  if (doc.kind === 'receipt') payload.qr_code_data = receiptQrString(doc, timezone);
  // Receipts and corrections both come from the adapter's buffer, with the request's receipt id.
  if ((doc.kind === 'receipt' || doc.kind === 'correction') && receiptId !== undefined) payload.receipt_id = receiptId;
  return payload;
}

/** The ОФД path a payload is posted to, relative to the ОФД base URL. */
export const ofdPath = (p: Pick<OfdPayload, 'document_type'>) =>
  p.document_type === 'receipt' ? '/ofd/v1/receipt' : '/ofd/v1/document';
