import { FiscalError, type FiscalErrorCode } from '../../fiscal/errors.ts';
import { E } from '../../io/serial/error-codes.ts';
import { DeviceRefusal } from './link-errors.ts';

/**
 * One table for both directions: the device front answers a FiscalError of the emulated ККТ
 * with these wire codes, and the driver turns them back into the same FiscalError codes.
 * Cover open has no code in the vendor tables; kkt-emu answers 7Bh "Ошибка оборудования" and
 * sets the cover bit in 10h/11h.
 */
const TO_WIRE: Record<FiscalErrorCode, number> = {
  VALIDATION_FAILED: E.badParameters,
  SHIFT_CLOSED: E.shiftClosed,
  SHIFT_ALREADY_OPEN: E.shiftOpen,
  SHIFT_EXPIRED: E.shiftOver24h,
  FN_FULL: E.fnFull,
  FN_EXPIRED: E.fnKeysExpired,
  OFD_TIMEOUT: E.ofdTimeout,
  PAPER_OUT: E.noPaper,
  COVER_OPEN: E.hardware,
  DOCUMENT_NOT_FOUND: E.noData,
  DEVICE_STOPPED: E.internal,
};

export function wireCodeOf(e: FiscalError): number {
  return TO_WIRE[e.code];
}

const FROM_WIRE = new Map<number, FiscalErrorCode>([
  [E.shiftClosed, 'SHIFT_CLOSED'],
  [E.shiftOpen, 'SHIFT_ALREADY_OPEN'],
  [E.shiftOver24h, 'SHIFT_EXPIRED'],
  [0x16, 'SHIFT_EXPIRED'],
  [E.fnFull, 'FN_FULL'],
  [0x06, 'FN_FULL'],
  [E.fnKeysExpired, 'FN_EXPIRED'],
  [0x05, 'FN_EXPIRED'],
  [E.ofdTimeout, 'OFD_TIMEOUT'],
  [E.noPaper, 'PAPER_OUT'],
  [E.hardware, 'COVER_OPEN'],
  [E.noData, 'DOCUMENT_NOT_FOUND'],
  [0x34, 'DOCUMENT_NOT_FOUND'],
  [E.badFormat, 'VALIDATION_FAILED'],
  [0x09, 'VALIDATION_FAILED'],
  [E.badParameters, 'VALIDATION_FAILED'],
  [0x35, 'VALIDATION_FAILED'],
  [0x36, 'VALIDATION_FAILED'],
  [E.paymentsTooSmall, 'VALIDATION_FAILED'],
  [E.nonCashTooLarge, 'VALIDATION_FAILED'],
  [E.zeroTotal, 'VALIDATION_FAILED'],
  [E.badLength, 'VALIDATION_FAILED'],
  [E.tooManyOperations, 'VALIDATION_FAILED'],
  [E.wrongReceiptType, 'VALIDATION_FAILED'],
]);

/** Anything the table does not name leaves the outcome to the archive: DEVICE_STOPPED. */
export function refusalOf(command: number, wireCode: number, detail?: string): DeviceRefusal {
  return new DeviceRefusal(FROM_WIRE.get(wireCode) ?? 'DEVICE_STOPPED', command, wireCode, detail);
}

/** A refusal the device front makes itself (bad request, wrong password, wrong mode). */
export class CommandRefusal extends Error {
  override readonly name = 'CommandRefusal';
  readonly code = 'COMMAND_REFUSED';
  constructor(
    readonly wireCode: number,
    message: string,
  ) {
    super(message);
  }
}

export function refuse(wireCode: number, message: string): never {
  throw new CommandRefusal(wireCode, message);
}

export { FiscalError };
