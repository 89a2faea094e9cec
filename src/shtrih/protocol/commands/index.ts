import { cashIn, cashOut } from './cash.ts';
import type { CommandCodec } from './codec.ts';
import { beginCorrection, correctionV2 } from './correction.ts';
import {
  cancelFnDocument,
  confirmDate,
  cut,
  feed,
  moneyRegister,
  openDrawer,
  operatingRegister,
  repeatDocument,
  setDate,
  setTime,
  unconfirmedCount,
} from './device.ts';
import {
  exchangeStatus,
  findDocument,
  fnExpiry,
  fnNumber,
  fnResource,
  fnStatus,
  readDocument,
  readDocumentBlock,
  shiftParameters,
} from './fn.ts';
import {
  beep,
  closeCheck,
  discount,
  openCheck,
  printString,
  purchase,
  purchaseReturn,
  sale,
  saleReturn,
  storno,
  subtotal,
  surcharge,
  voidDiscount,
  voidSurcharge,
} from './legacy.ts';
import { cancelCheck, closeCheckEx, operationV2, receiptDiscount, sendOperationTlv, sendTlv } from './receipt.ts';
import { beginSettlementReport, settlementReport } from './settlement.ts';
import { beginCloseShift, beginOpenShift, openShift, xReport, zReport } from './shift.ts';
import { deviceType, fullStatus, shortStatus } from './status.ts';
import { fieldInfo, readTable, tableInfo, writeTable } from './tables.ts';

export * from './cash.ts';
export * from './codec.ts';
export * from './correction.ts';
export * from './device.ts';
export * from './fn.ts';
export * from './legacy.ts';
export * from './receipt.ts';
export * from './settlement.ts';
export * from './shift.ts';
export * from './status.ts';
export * from './tables.ts';

/** Every command kkt-emu speaks, by code. */
export const COMMANDS: ReadonlyMap<number, CommandCodec<never, unknown>> = new Map(
  (
    [
      shortStatus,
      fullStatus,
      beep,
      printString,
      xReport,
      zReport,
      sale,
      purchase,
      saleReturn,
      purchaseReturn,
      closeCheck,
      cancelCheck,
      openCheck,
      openShift,
      deviceType,
      fnStatus,
      fnNumber,
      fnExpiry,
      findDocument,
      sendTlv,
      exchangeStatus,
      readDocument,
      readDocumentBlock,
      shiftParameters,
      beginOpenShift,
      beginCloseShift,
      closeCheckEx,
      operationV2,
      sendOperationTlv,
      fnResource,
      moneyRegister,
      operatingRegister,
      writeTable,
      readTable,
      setTime,
      setDate,
      confirmDate,
      cut,
      openDrawer,
      feed,
      tableInfo,
      fieldInfo,
      repeatDocument,
      cancelFnDocument,
      unconfirmedCount,
      cashIn,
      cashOut,
      storno,
      discount,
      surcharge,
      voidDiscount,
      voidSurcharge,
      receiptDiscount,
      subtotal,
      beginSettlementReport,
      settlementReport,
      beginCorrection,
      correctionV2,
    ] as CommandCodec<never, unknown>[]
  ).map((c) => [c.code, c]),
);

/** `10h`, `FF46h`: how the vendor documents write codes. */
export function formatCode(code: number): string {
  return `${code
    .toString(16)
    .toUpperCase()
    .padStart(code > 0xff ? 4 : 2, '0')}h`;
}

export function commandName(code: number): string {
  return COMMANDS.get(code)?.name ?? 'unknown command';
}
