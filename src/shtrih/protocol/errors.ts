import { FiscalError, type FiscalErrorCode } from '../../fiscal/errors.ts';
import { formatCode } from './commands/index.ts';

/**
 * The error byte of an answer (reference shtrih-m.md §1.5). On devices with a ФН, 0x01–0x20 are
 * the ФН's own codes (S2/S3); above that the ККТ's codes, worded as the vendor tables word them.
 */
export const WIRE_ERRORS: Readonly<Record<number, string>> = {
  0: 'Ошибок нет',
  1: 'Неизвестная команда, неверный формат посылки или неизвестные параметры',
  2: 'Неверное состояние ФН',
  3: 'Отказ ФН',
  4: 'Отказ КС',
  5: 'Закончен срок эксплуатации ФН',
  6: 'Архив ФН переполнен',
  7: 'Неверные дата и/или время',
  8: 'Нет запрошенных данных',
  9: 'Некорректное значение параметров команды',
  16: 'Превышение размеров TLV данных',
  17: 'Нет транспортного соединения',
  18: 'Исчерпан ресурс КС (срок действия ключей ФН истёк)',
  20: 'Исчерпан ресурс хранения',
  21: 'Исчерпан ресурс ожидания передачи сообщения (30 дней без подтверждения ОФД)',
  22: 'Продолжительность смены более 24 часов',
  23: 'Неверная разница во времени между двумя операциями',
  32: 'Сообщение от ОФД не может быть принято',
  47: 'Тайм-аут обмена с ФН',
  48: 'ФН не отвечает',
  51: 'Некорректные параметры в команде',
  52: 'Нет данных',
  53: 'Некорректный параметр при данных настройках',
  54: 'Некорректные параметры в команде для данной реализации ККТ',
  55: 'Команда не поддерживается в данной реализации ККТ',
  56: 'Ошибка в ПЗУ',
  57: 'Внутренняя ошибка ПО ККТ',
  60: 'Смена открыта, операция невозможна',
  61: 'Смена не открыта, операция невозможна',
  69: 'Сумма всех типов оплаты меньше итога чека',
  70: 'Не хватает наличности в кассе',
  73: 'Операция невозможна в открытом чеке данного типа',
  74: 'Открыт чек, операция невозможна',
  75: 'Буфер чека переполнен',
  77: 'Вносимая безналичной оплатой сумма больше суммы чека',
  78: 'Смена превысила 24 часа',
  79: 'Неверный пароль',
  80: 'Идёт печать предыдущей команды',
  85: 'Чек закрыт, операция невозможна',
  88: 'Ожидание команды продолжения печати',
  94: 'Некорректная операция',
  95: 'Отрицательный итог чека',
  107: 'Нет чековой ленты',
  114: 'Команда не поддерживается в данном подрежиме',
  115: 'Команда не поддерживается в данном режиме',
  123: 'Ошибка оборудования',
  126: 'Неверное значение в поле длины',
  142: 'Нулевой итог чека',
  148: 'Исчерпан лимит операций в чеке',
  86: 'Нет документа для повтора',
  93: 'Таблица не определена',
  122: 'Поле не редактируется',
  124: 'Не совпадает дата',
  125: 'Неверный формат даты',
};

export function wireErrorMessage(code: number): string {
  return WIRE_ERRORS[code] ?? 'Неизвестная ошибка';
}

/** `0x4F Неверный пароль`. */
export function describeWireError(code: number): string {
  return `0x${code.toString(16).toUpperCase().padStart(2, '0')} ${wireErrorMessage(code)}`;
}

/** Codes kkt-emu's device front answers with, by name, so both ends agree on one table. */
export const E = {
  badFormat: 0x01,
  fnState: 0x02,
  badDateTime: 0x07,
  noData: 0x08,
  fnKeysExpired: 0x12,
  fnFull: 0x14,
  ofdTimeout: 0x15,
  badParameters: 0x33,
  notSupported: 0x37,
  internal: 0x39,
  shiftOpen: 0x3c,
  shiftClosed: 0x3d,
  paymentsTooSmall: 0x45,
  noCash: 0x46,
  wrongReceiptType: 0x49,
  receiptOpen: 0x4a,
  nonCashTooLarge: 0x4d,
  shiftOver24h: 0x4e,
  wrongPassword: 0x4f,
  receiptClosed: 0x55,
  noPaper: 0x6b,
  hardware: 0x7b,
  badLength: 0x7e,
  receiptBufferFull: 0x4b,
  noDocumentToRepeat: 0x56,
  tableUndefined: 0x5d,
  notInThisMode: 0x73,
  fieldReadOnly: 0x7a,
  dateMismatch: 0x7c,
  badDateFormat: 0x7d,
  zeroTotal: 0x8e,
  tooManyOperations: 0x94,
} as const;

/**
 * The wire failed: no answer, a lost answer, a closed port. The outcome of the command is
 * unknown, which is what DEVICE_STOPPED tells the adapter (it then asks the device's archive).
 */
export type LinkFailure = 'noLink' | 'timeout' | 'answerLost' | 'closed' | 'protocol';

export class SerialLinkError extends FiscalError {
  readonly link: LinkFailure;
  constructor(link: LinkFailure, message: string) {
    super('DEVICE_STOPPED', message);
    this.link = link;
  }
}

/** The ККТ answered with a non-zero error byte: a definite refusal (or DEVICE_STOPPED when unclear). */
export class DeviceRefusal extends FiscalError {
  readonly command: number;
  readonly wireCode: number;
  constructor(code: FiscalError['code'], command: number, wireCode: number, detail?: string) {
    super(
      code,
      `the ККТ refused ${formatCode(command)}: ${describeWireError(wireCode)}${detail ? ` (${detail})` : ''}`,
    );
    this.command = command;
    this.wireCode = wireCode;
  }
}

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
  INSUFFICIENT_CASH: E.noCash,
  // The ФН's "Неверные дата и/или время" is its answer to a date before its last document.
  CLOCK_BEHIND_LAST_DOCUMENT: E.badDateTime,
  FN_CLOSED: E.fnState,
  NOT_SUPPORTED: E.notSupported,
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
  [E.noCash, 'INSUFFICIENT_CASH'],
  [E.badDateTime, 'CLOCK_BEHIND_LAST_DOCUMENT'],
  [E.receiptBufferFull, 'VALIDATION_FAILED'],
  [E.tableUndefined, 'VALIDATION_FAILED'],
  [E.fieldReadOnly, 'VALIDATION_FAILED'],
  [E.dateMismatch, 'VALIDATION_FAILED'],
  [E.badDateFormat, 'VALIDATION_FAILED'],
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
