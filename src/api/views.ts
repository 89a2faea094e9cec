import { documentHeaderView } from '../adapter/receipt-response.ts';
import type { DeviceStatus, XReport } from '../device/driver.ts';
import type { OperationTotals, ShiftCloseDocument, ShiftOpenDocument, ShiftTotals } from '../fiscal/document.ts';
import { localIsoWithOffset } from '../fiscal/local-time.ts';
import { toRublesNumber } from '../fiscal/money.ts';

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
      timezone: tz,
    },
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
