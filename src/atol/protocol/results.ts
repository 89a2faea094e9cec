import type { FiscalDocument, SettlementReportDocument } from '../../fiscal/document.ts';
import { FNS_SITE } from '../../fiscal/fns-site.ts';
import { localIsoWithOffset } from '../../fiscal/local-time.ts';
import { toRublesNumber } from '../../fiscal/money.ts';

/** Tag 1060, the tax service's site, as ATOL results carry it. */

/** `fiscalParams` of a fiscal task's result (spec `BaseResultFiscalParams` and its extensions). */
export interface FiscalParams {
  fiscalDocumentDateTime: string;
  fiscalDocumentNumber: number;
  /** The ФПД as a string of 10 digits (leading zeros kept). */
  fiscalDocumentSign: string;
  fnNumber: string;
  registrationNumber: string;
  shiftNumber: number;
  fnsUrl: string;
  /** Receipts and corrections: the receipt's number in its shift. */
  fiscalReceiptNumber?: number;
  /** Receipts and corrections: the total in rubles. */
  total?: number;
  /** closeShift: receipts in the shift. */
  receiptsCount?: number;
}

export interface FiscalWarnings {
  notPrinted: boolean;
  /** The result was rebuilt from the ФН after the queue was blocked (a crash or a lost link). */
  recovered?: boolean;
  /** kkt-emu: what `/v1` would put in `warnings` (e.g. the 20 % rate on a 2026 document). */
  messages?: string[];
}

export interface FiscalResult {
  fiscalParams: FiscalParams;
  warnings: FiscalWarnings;
}

export function fiscalParams(doc: FiscalDocument, timezone: string): FiscalParams {
  const base: FiscalParams = {
    fiscalDocumentDateTime: localIsoWithOffset(doc.dateTime, timezone),
    fiscalDocumentNumber: doc.number,
    fiscalDocumentSign: doc.fiscalSign,
    fnNumber: doc.fnNumber,
    registrationNumber: doc.kktRegNumber,
    shiftNumber: 'shiftNumber' in doc ? (doc.shiftNumber ?? 0) : 0,
    fnsUrl: FNS_SITE,
  };
  if (doc.kind === 'receipt' || doc.kind === 'correction') {
    base.fiscalReceiptNumber = doc.receiptNumber;
    base.total = toRublesNumber(doc.total);
  }
  if (doc.kind === 'shiftClose') base.receiptsCount = doc.receiptsCount;
  return base;
}

export function fiscalResult(
  doc: FiscalDocument,
  timezone: string,
  extra: { recovered?: boolean; messages?: readonly string[] } = {},
): FiscalResult {
  const warnings: FiscalWarnings = { notPrinted: false };
  if (extra.recovered) warnings.recovered = true;
  if (extra.messages && extra.messages.length > 0) warnings.messages = [...extra.messages];
  return { fiscalParams: fiscalParams(doc, timezone), warnings };
}

/** The `{code, description}` of an exchange without errors (spec `OfdExchangeErrorsFn` example). */
export const NO_EXCHANGE_ERROR = { code: 0, description: 'Ошибок нет' };

/**
 * The result of `reportOfdExchangeStatus` (spec `ReportOfdExchangeStatusResult`): the form 21's
 * fiscal parameters, the ОФД exchange status it reports (1097, 1116, 1098) and the last exchange
 * error (none: the emulated ККТ's exchange is the adapter's sync).
 */
export function settlementReportResult(
  doc: SettlementReportDocument,
  timezone: string,
  extra: { recovered?: boolean } = {},
) {
  const { fiscalParams: params, warnings } = fiscalResult(doc, timezone, extra);
  return {
    fiscalParams: params,
    errors: {
      fnCommandCode: 0,
      documentNumber: 0,
      fn: NO_EXCHANGE_ERROR,
      network: NO_EXCHANGE_ERROR,
      ofd: NO_EXCHANGE_ERROR,
    },
    status: {
      notSentCount: doc.unsentCount,
      notSentFirstDocNumber: doc.firstUnsentNumber ?? 0,
      notSentFirstDocDateTime: doc.firstUnsentAt === null ? '' : localIsoWithOffset(doc.firstUnsentAt, timezone),
    },
    warnings,
  };
}

/** `cashIn` / `cashOut` (spec `CashMovementResult`): the drawer after the operation, in rubles. */
export function cashResult(balance: number) {
  return { counters: { cashSum: toRublesNumber(balance) } };
}
