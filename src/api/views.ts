import type { DeviceStatus, XReport } from '../device/driver.ts';
import { DOCUMENT_TYPES } from '../fiscal/codes.ts';
import type {
  FiscalDocument,
  OperationTotals,
  SettlementDocument,
  SettlementReportDocument,
  ShiftCloseDocument,
  ShiftOpenDocument,
  ShiftTotals,
} from '../fiscal/document.ts';
import { localIsoWithOffset } from '../fiscal/local-time.ts';
import { toRublesNumber } from '../fiscal/money.ts';
import { receiptQrString } from '../fiscal/qr.ts';
import type { BufferState } from '../service/buffer.ts';
import type { PrintedReceipt, StoredReceipt } from '../service/fiscalizer.ts';
import type { HeartbeatSnapshot } from '../service/heartbeat/heartbeat-service.ts';
import type { BreakerSnapshot } from '../service/sync/breaker.ts';
import type { NetworkStatus, SyncSnapshot } from '../service/sync/sync-service.ts';

/** snake_case, rubles and local times: how the HTTP API shows the device's records. */

const at = (t: number | null, tz: string) => (t === null ? null : localIsoWithOffset(t, tz));

function operationTotalsView(t: OperationTotals) {
  return {
    count: t.count,
    total: toRublesNumber(t.total),
    payments: Object.fromEntries(Object.entries(t.payments).map(([k, v]) => [k, toRublesNumber(v)])),
  };
}

export function shiftTotalsView(totals: ShiftTotals) {
  return Object.fromEntries(Object.entries(totals).map(([op, t]) => [op, operationTotalsView(t)]));
}

export function shiftDocumentView(doc: ShiftOpenDocument | ShiftCloseDocument, tz: string) {
  const common = {
    type: doc.kind === 'shiftOpen' ? 'shift_open' : 'shift_close',
    ...documentHeaderView(doc, tz),
  };
  if (doc.kind === 'shiftOpen') return common;
  return {
    ...common,
    receipts_count: doc.receiptsCount,
    documents_count: doc.documentsCount,
    totals: shiftTotalsView(doc.totals),
    unsent_count: doc.unsentCount,
    first_unsent_number: doc.firstUnsentNumber,
    first_unsent_at: at(doc.firstUnsentAt, tz),
  };
}

export function xReportView(r: XReport, tz: string) {
  return {
    type: 'x_report',
    datetime: localIsoWithOffset(r.at, tz),
    shift_number: r.shiftNumber,
    shift_state: r.shiftState,
    receipts: r.receiptsInShift,
    documents: r.documentsInShift,
    totals: shiftTotalsView(r.totals),
    last_fiscal_doc_number: r.lastDocNumber,
    unsent_count: r.unsentCount,
  };
}

export function deviceStatusView(s: DeviceStatus) {
  const tz = s.timezone;
  return {
    state: s.state,
    blocked_reason: s.blockedReason,
    faults: { paper_out: s.faults.paperOut, cover_open: s.faults.coverOpen },
    queued: s.queued,
    datetime: localIsoWithOffset(s.now, tz),
    kkt: {
      reg_number: s.kkt.regNumber,
      serial: s.kkt.serial,
      inn: s.kkt.userInn,
      company_name: s.kkt.userName,
      address: s.kkt.address,
      place: s.kkt.place,
      taxation_types: s.kkt.taxationTypes,
      timezone: tz,
    },
    /** The registration as API.md names it (the same facts as `kkt`). */
    registration: {
      inn: s.kkt.userInn,
      reg_number: s.kkt.regNumber,
      kkt_serial: s.kkt.serial,
      taxation_types: s.kkt.taxationTypes,
      company_name: s.kkt.userName,
      address: s.kkt.address,
      place: s.kkt.place,
    },
    cash_balance: toRublesNumber(s.cashBalance),
    shift: {
      state: s.shift.state,
      number: s.shift.number,
      opened_at: at(s.shift.openedAt, tz),
      receipts: s.shift.receipts,
      expires_at: at(s.shift.deadline, tz),
    },
    fn: {
      number: s.fn.number,
      last_fiscal_doc_number: s.fn.lastFiscalDocNumber,
      unsent_count: s.fn.unsentCount,
      first_unsent_number: s.fn.firstUnsentNumber,
      oldest_unsent_at: at(s.fn.oldestUnsentAt, tz),
      valid_until: at(s.fn.validUntil, tz),
      capacity: s.fn.capacity,
    },
  };
}

/** The fields every fiscal document shows a POS: receipt, correction or report. */
export function documentHeaderView(doc: FiscalDocument, timezone: string) {
  return {
    document_type: DOCUMENT_TYPES[doc.kind],
    fiscal_doc_number: doc.number,
    fiscal_sign: doc.fiscalSign,
    fiscal_datetime: localIsoWithOffset(doc.dateTime, timezone),
    fn_number: doc.fnNumber,
    kkt_number: doc.kktRegNumber,
    shift_number: 'shiftNumber' in doc ? (doc.shiftNumber ?? null) : null,
  };
}

/** `fiscal_doc` of API.md: the receipt (or correction receipt) as a POS sees it. */
export function fiscalDocView(doc: SettlementDocument, timezone: string) {
  // The header's fields assigned, not spread: a spread into a literal that then gains keys takes V8's
  // slow path (several µs on Node 20), and this runs for every receipt's answer.
  return Object.assign(documentHeaderView(doc, timezone), {
    receipt_number: doc.receiptNumber,
    total: toRublesNumber(doc.total),
    qr_code_data: receiptQrString(doc, timezone),
  });
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

/** The answer to POST /v1/kkt/receipt, the first time and on every replay. */
export function receiptResponseView(r: PrintedReceipt, tz: string): ReceiptResponse {
  return {
    status: 'printed',
    receipt_id: r.receiptId,
    idempotency_key: r.idempotencyKey,
    fiscal_doc: fiscalDocView(r.document, tz),
    buffer: { status: 'pending' },
    warnings: r.warnings,
  };
}

export function storedReceiptView(r: StoredReceipt, tz: string) {
  return {
    receipt_id: r.receiptId,
    idempotency_key: r.idempotencyKey,
    request: r.request,
    fiscal_doc: fiscalDocView(r.document, tz),
    sync_status: r.syncStatus,
    ofd_id: r.ofdId,
    retry_count: r.retryCount,
    last_error: r.lastError,
    hlc: r.hlc,
    created_at: localIsoWithOffset(r.createdAt, tz),
    synced_at: at(r.syncedAt, tz),
  };
}

export function bufferView(b: BufferState, network: NetworkStatus, tz: string) {
  return {
    capacity: b.capacity,
    pending: b.pending,
    synced: b.synced,
    failed: b.failed,
    total_receipts: b.pending + b.synced + b.failed,
    percent_full: b.percentFull,
    oldest_pending_at: at(b.oldestPendingAt, tz),
    network_status: network,
  };
}

export function syncView(s: SyncSnapshot, tz: string) {
  const last = s.lastPass;
  return {
    state: s.state,
    interval_s: s.intervalMs / 1000,
    batch_size: s.batchSize,
    concurrency: s.concurrency,
    passes: s.passes,
    last_pass:
      last === null
        ? null
        : {
            pass: last.passNo,
            manual: last.manual,
            started_at: localIsoWithOffset(last.startedAt, tz),
            finished_at: localIsoWithOffset(last.finishedAt, tz),
            duration_ms: last.finishedAt - last.startedAt,
            synced: last.synced,
            failed: last.failed,
            skipped: last.skipped,
            documents: last.documents,
            errors: last.errors,
            breaker_open: last.breakerOpen,
          },
    totals: {
      synced: s.totals.synced,
      failed: s.totals.failed,
      documents: s.totals.documents,
      errors: s.totals.errors,
    },
    last_success_at: at(s.lastSuccessAt, tz),
    last_error: s.lastError ? { message: s.lastError.message, at: localIsoWithOffset(s.lastError.at, tz) } : null,
  };
}

export function breakerView(b: BreakerSnapshot, tz: string) {
  return {
    state: b.state,
    failure_count: b.failureCount,
    threshold: b.threshold,
    open_delay_s: b.openDelayMs / 1000,
    opened_at: at(b.openedAt, tz),
    opens: b.opens,
    last_failure: b.lastFailure,
  };
}

export function heartbeatView(h: HeartbeatSnapshot, tz: string) {
  return {
    state: h.state,
    interval_s: h.intervalMs / 1000,
    beats: h.beats,
    consecutive_failures: h.consecutiveFailures,
    last_ok_at: at(h.lastOkAt, tz),
    last_error: h.lastError,
  };
}

export function settlementReportView(doc: SettlementReportDocument, tz: string) {
  return {
    type: 'settlement_report',
    ...documentHeaderView(doc, tz),
    unsent_count: doc.unsentCount,
    first_unsent_number: doc.firstUnsentNumber,
    first_unsent_at: at(doc.firstUnsentAt, tz),
  };
}
