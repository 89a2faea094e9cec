import { formatRubles } from '../fiscal/money.ts';
import { OFD_DOCUMENT_TYPES, type OfdDocumentType } from '../fiscal/ofd-payload.ts';

/**
 * What the mock ОФД checks before it accepts a document: the payload's header agrees with the
 * FNS JSON document it carries, and a receipt's QR string is the one the FNS "Проверка чека"
 * service would rebuild from that document. A real ОФД verifies the ФПД cryptographically; the
 * mock cannot (it has no key), so this consistency check is how it catches an adapter that
 * garbles a document on the way.
 */

export type OfdRoute = 'receipt' | 'document';

/** FNS document codes (tag 1000 values) of the document kinds the ОФД accepts. */
const DOCUMENT_CODES: Record<OfdDocumentType, number> = {
  registration: 1,
  reregistration: 11,
  shift_open: 2,
  settlement_report: 21,
  receipt: 3,
  correction: 31,
  shift_close: 5,
  fn_closure: 6,
};
const DOCUMENT_TYPES = new Set<string>(Object.values(OFD_DOCUMENT_TYPES));
const MAX_DOC_NUMBER = 2 ** 32 - 1;

const FN_NUMBER = /^\d{16}$/;
const FISCAL_SIGN = /^\d{10}$/;
const INN = /^(\d{10}|\d{12})$/;
const ISO_WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;
/** FNS JSON `dateTime`: local wall time without an offset. */
const LOCAL_ISO = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::\d{2})?$/;
const QR_KEYS = ['t', 's', 'fn', 'i', 'fp', 'n'] as const;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const isWhole = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v);

/**
 * The QR string the FNS rebuilds from a receipt's FNS JSON, or the problems that stop it from
 * being rebuilt (each prefixed with the document field at fault).
 */
export function expectedQr(
  document: Record<string, unknown>,
): { ok: true; qr: string } | { ok: false; problems: string[] } {
  const problems: string[] = [];
  const { dateTime, totalSum, fiscalDriveNumber, fiscalDocumentNumber, fiscalSign, operationType } = document;
  const m = typeof dateTime === 'string' ? LOCAL_ISO.exec(dateTime) : null;
  if (!m) problems.push('document.dateTime: must be local time YYYY-MM-DDTHH:MM[:SS]');
  if (!isWhole(totalSum) || totalSum < 0) problems.push('document.totalSum: must be a whole number of kopecks');
  if (typeof fiscalDriveNumber !== 'string') problems.push('document.fiscalDriveNumber: must be a string');
  if (!isWhole(fiscalDocumentNumber)) problems.push('document.fiscalDocumentNumber: must be a whole number');
  if (!isWhole(fiscalSign) || fiscalSign < 0) problems.push('document.fiscalSign: must be a non-negative whole number');
  if (!isWhole(operationType) || operationType < 1 || operationType > 4) {
    problems.push('document.operationType: must be 1, 2, 3 or 4');
  }
  if (problems.length > 0 || !m) return { ok: false, problems };
  const t = `${m[1]}${m[2]}${m[3]}T${m[4]}${m[5]}`;
  return {
    ok: true,
    qr: `t=${t}&s=${formatRubles(totalSum as number)}&fn=${fiscalDriveNumber}&i=${fiscalDocumentNumber}&fp=${String(fiscalSign)}&n=${operationType}`,
  };
}

/** Names each QR parameter that differs, so a rejection says what the adapter got wrong. */
function qrProblems(given: string, expected: string): string[] {
  if (given === expected) return [];
  const got = new URLSearchParams(given);
  const want = new URLSearchParams(expected);
  const problems: string[] = [];
  for (const key of QR_KEYS) {
    const g = got.get(key);
    const w = want.get(key);
    if (g !== w) problems.push(`qr_code_data: ${key}=${g ?? '(missing)'} does not match the document (${key}=${w})`);
  }
  if (problems.length === 0) problems.push(`qr_code_data: "${given}" is not in the canonical form "${expected}"`);
  return problems;
}

/** Problems with a payload posted to `POST /ofd/v1/{route}`; empty when it is well formed. */
export function checkOfdPayload(body: unknown, route: OfdRoute): string[] {
  if (!isRecord(body)) return ['body: must be a JSON object'];
  const problems: string[] = [];
  const {
    fn_number,
    fiscal_doc_number,
    fiscal_sign,
    document_type,
    kkt_reg_number,
    user_inn,
    fiscal_datetime,
    qr_code_data,
    receipt_id,
    document,
  } = body;

  if (typeof fn_number !== 'string' || !FN_NUMBER.test(fn_number)) problems.push('fn_number: must be 16 digits');
  if (!isWhole(fiscal_doc_number) || fiscal_doc_number < 1 || fiscal_doc_number > MAX_DOC_NUMBER) {
    problems.push(`fiscal_doc_number: must be a whole number from 1 to ${MAX_DOC_NUMBER}`);
  }
  if (typeof fiscal_sign !== 'string' || !FISCAL_SIGN.test(fiscal_sign))
    problems.push('fiscal_sign: must be 10 digits');
  if (typeof document_type !== 'string' || !DOCUMENT_TYPES.has(document_type)) {
    problems.push(`document_type: must be one of ${[...DOCUMENT_TYPES].join(', ')}`);
  } else if (route === 'receipt' && document_type !== 'receipt') {
    problems.push(`document_type: ${document_type} belongs on POST /ofd/v1/document, not /ofd/v1/receipt`);
  } else if (route === 'document' && document_type === 'receipt') {
    problems.push('document_type: receipts belong on POST /ofd/v1/receipt, not /ofd/v1/document');
  }
  if (typeof kkt_reg_number !== 'string' || kkt_reg_number.trim() === '' || kkt_reg_number.length > 20) {
    problems.push('kkt_reg_number: must be a non-empty string of at most 20 characters');
  }
  if (typeof user_inn !== 'string' || !INN.test(user_inn.trim())) problems.push('user_inn: must be 10 or 12 digits');
  if (typeof fiscal_datetime !== 'string' || !ISO_WITH_OFFSET.test(fiscal_datetime)) {
    problems.push('fiscal_datetime: must be an ISO 8601 time with a UTC offset');
  }
  if (receipt_id !== undefined && typeof receipt_id !== 'string') problems.push('receipt_id: must be a string');

  const isReceipt = route === 'receipt';
  if (isReceipt && typeof qr_code_data !== 'string') problems.push('qr_code_data: is required for a receipt');
  if (!isReceipt && qr_code_data !== undefined) problems.push('qr_code_data: only receipts carry a QR code');

  if (!isRecord(document)) {
    problems.push('document: must be a JSON object (the document in FNS JSON fields)');
    return problems;
  }
  if (document.fiscalDriveNumber !== fn_number) problems.push('document.fiscalDriveNumber: must equal fn_number');
  if (document.fiscalDocumentNumber !== fiscal_doc_number) {
    problems.push('document.fiscalDocumentNumber: must equal fiscal_doc_number');
  }
  if (typeof fiscal_sign === 'string' && document.fiscalSign !== Number(fiscal_sign)) {
    problems.push('document.fiscalSign: must equal fiscal_sign as a number');
  }
  if (typeof document_type === 'string' && DOCUMENT_TYPES.has(document_type)) {
    const code = DOCUMENT_CODES[document_type as OfdDocumentType];
    if (document.code !== code) problems.push(`document.code: must be ${code} for document_type ${document_type}`);
  }
  if (isReceipt && typeof qr_code_data === 'string') {
    const qr = expectedQr(document);
    if (qr.ok) problems.push(...qrProblems(qr_code_data, qr.qr));
    else problems.push(...qr.problems.map((p) => `${p} (needed to check qr_code_data)`));
  }
  return problems;
}
