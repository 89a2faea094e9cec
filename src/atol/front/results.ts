import type { DeviceStatus, ShiftTotalsRead, XReport } from '../../device/driver.ts';
import type { OperationTotals } from '../../fiscal/document.ts';
import { FNS_SITE } from '../../fiscal/fns-site.ts';
import { localIsoWithOffset } from '../../fiscal/local-time.ts';
import { toRublesNumber } from '../../fiscal/money.ts';
import { cashResult, NO_EXCHANGE_ERROR } from '../protocol/results.ts';

/**
 * Results of the query tasks and of the synchronous `/operations/query*` calls, from the
 * device's status. Field names follow the JSON-task results (KKTServiceLib, node-atol-rpc) for
 * tasks and ATOL's OpenAPI 1.0.4.0 for `/operations`, which differ (e.g. `expiredTime` versus
 * `expiredAt`). Sources: docs/atol.md.
 */

/** What the status does not say about the registration (from the configuration). */
export interface RegistrationExtras {
  taxationTypes: string[];
  ofdName: string;
  ofdInn: string;
  version: string;
}

const DAY_MS = 24 * 60 * 60 * 1000;
const iso = (t: number, tz: string) => localIsoWithOffset(t, tz);

export function deviceStatusResult(s: DeviceStatus) {
  return {
    deviceStatus: {
      currentDateTime: iso(s.now, s.timezone),
      shift: s.shift.state,
      blocked: s.state === 'blocked',
      coverOpened: s.faults.coverOpen,
      paperPresent: !s.faults.paperOut,
      fiscal: true,
      fnFiscal: true,
      fnPresent: true,
      cashDrawerOpened: false,
    },
  };
}

export function shiftStatusResult(s: DeviceStatus, operation = false) {
  const expired = s.shift.deadline === null ? undefined : iso(s.shift.deadline, s.timezone);
  const shiftStatus: Record<string, unknown> = { state: s.shift.state, number: s.shift.number };
  if (expired !== undefined) shiftStatus[operation ? 'expiredAt' : 'expiredTime'] = expired;
  return { shiftStatus };
}

function fnWarnings(s: DeviceStatus) {
  return {
    memoryOverflow: s.fn.lastFiscalDocNumber > 0.9 * s.fn.capacity,
    needReplacement: s.fn.validUntil - s.now < 30 * DAY_MS,
    ofdTimeout: s.blockedReason === 'ofdTimeout',
    resourceExhausted: s.blockedReason === 'fnFull',
    criticalError: false,
  };
}

export function fnInfoResult(s: DeviceStatus, extras: RegistrationExtras, operation = false) {
  const validity = {
    numberOfRegistrations: 1,
    registrationsRemaining: 29,
    validityDate: iso(s.fn.validUntil, s.timezone),
  };
  const common = {
    serial: s.fn.number,
    livePhase: s.blockedReason === 'fnExpired' ? 'postFiscalMode' : 'fiscalMode',
    ffdVersion: '1.2',
    fnFfdVersion: '1.2',
    warnings: fnWarnings(s),
  };
  if (operation) return { fnInfo: { ...common, validity } };
  return { fnInfo: { ...common, ...validity, version: `kkt-emu ${extras.version}`, execution: 'emulated' } };
}

export function fnStatusResult(s: DeviceStatus) {
  return {
    fnStatus: {
      fiscalDocumentNumber: s.fn.lastFiscalDocNumber,
      fiscalReceiptNumber: s.shift.receipts,
      warnings: fnWarnings(s),
    },
  };
}

function exchangeStatus(s: DeviceStatus) {
  return {
    notSentCount: s.fn.unsentCount,
    notSentFirstDocNumber: s.fn.firstUnsentNumber ?? 0,
    notSentFirstDocDateTime: s.fn.oldestUnsentAt === null ? '' : iso(s.fn.oldestUnsentAt, s.timezone),
  };
}

export function ofdExchangeStatusResult(s: DeviceStatus, operation = false) {
  const errors = {
    fnCommandCode: 0,
    documentNumber: 0,
    fn: NO_EXCHANGE_ERROR,
    network: NO_EXCHANGE_ERROR,
    ofd: NO_EXCHANGE_ERROR,
  };
  if (operation) return { ofdExchangeStatus: exchangeStatus(s), ofdExchangeErrors: errors };
  return { status: exchangeStatus(s), errors, warnings: { dataForSendIsEmpty: s.fn.unsentCount === 0 } };
}

/** `getCashDrawerStatus` (node-atol-rpc `GetCashDrawerStatusTaskResult`): the balance; no drawer to open. */
export function cashDrawerStatusResult(s: DeviceStatus) {
  return { ...cashResult(s.cashBalance), cashDrawerStatus: { cashDrawerOpened: false } };
}

export function registrationInfoResult(s: DeviceStatus, extras: RegistrationExtras) {
  return {
    organization: {
      name: s.kkt.userName,
      vatin: s.kkt.userInn,
      email: '',
      address: s.kkt.address,
      taxationTypes: extras.taxationTypes,
      agents: [],
    },
    device: {
      registrationNumber: s.kkt.regNumber,
      paymentsAddress: s.kkt.address,
      fnsUrl: FNS_SITE,
      ffdVersion: '1.2',
      offlineMode: false,
      autoMode: false,
      encryption: false,
      internet: false,
      service: false,
      excise: false,
      gambling: false,
      lottery: false,
      bso: false,
      machineInstallation: false,
      machineNumber: '',
      ofdChannel: 'auto',
    },
    ofd: { name: extras.ofdName, vatin: extras.ofdInn, host: '', port: 0, dns: '' },
  };
}

export function deviceInfoResult(s: DeviceStatus, extras: RegistrationExtras, operation = false) {
  const common = {
    model: 0,
    modelName: 'kkt-emu',
    serial: s.kkt.serial,
    firmwareVersion: extras.version,
    receiptLineLength: 48,
    receiptLineLengthPix: 576,
    ffdVersion: '1.2',
    fnFfdVersion: '1.2',
  };
  if (operation)
    return {
      deviceInfo: {
        ...common,
        appVersion: extras.version,
        boolVersion: extras.version,
        scriptsVersion: '',
        scriptsName: '',
      },
    };
  return { deviceInfo: { ...common, configurationVersion: extras.version } };
}

function receiptTotals(t: OperationTotals) {
  return {
    count: t.count,
    sum: toRublesNumber(t.total),
    payments: {
      cash: toRublesNumber(t.payments.cash),
      electronically: toRublesNumber(t.payments.card),
      prepaid: toRublesNumber(t.payments.prepaid),
      credit: toRublesNumber(t.payments.credit),
      other: toRublesNumber(t.payments.other),
      userTypes: [],
    },
  };
}

/**
 * `incomeTotals` / `outcomeTotals`: the spec's "Итоги по внесениям" / "Итоги по выплатам"
 * (schema `ShiftTotals`, ATOL Web Requests 1.0.4.0): the shift's cash-ins and cash-outs, not
 * the money receipts took or paid (that is `receiptsTotals`).
 */
function flows(r: ShiftTotalsRead) {
  return {
    incomeTotals: { sum: toRublesNumber(r.cash.in.total), count: r.cash.in.count },
    outcomeTotals: { sum: toRublesNumber(r.cash.out.total), count: r.cash.out.count },
  };
}

export function receiptsTotals(r: XReport) {
  return {
    sell: receiptTotals(r.totals.sale),
    sellReturn: receiptTotals(r.totals.refund),
    buy: receiptTotals(r.totals.purchase),
    buyReturn: receiptTotals(r.totals.purchase_refund),
  };
}

/** `cashDrawerTotals.sum` is the drawer's balance (spec `CashDrawerTotals`: "Сумма в денежном ящике"). */
export function shiftTotalsResult(r: ShiftTotalsRead, cashBalance: number) {
  return {
    shiftTotals: {
      cashDrawerTotals: { sum: toRublesNumber(cashBalance) },
      ...flows(r),
      receiptsTotals: receiptsTotals(r),
    },
  };
}

export function incomeTotalsResult(r: ShiftTotalsRead) {
  return { incomeTotals: flows(r).incomeTotals };
}

export function outcomeTotalsResult(r: ShiftTotalsRead) {
  return { outcomeTotals: flows(r).outcomeTotals };
}
