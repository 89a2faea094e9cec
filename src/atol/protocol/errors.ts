/**
 * ATOL driver error codes (`error.code` in Web Requests task results) with their Russian texts,
 * as the driver's `errorDescription()` gives them. Texts follow KKTServiceLib
 * `KKTErrorType.cs` (documentation 10.10.7.0); 500–505 are the web server's own range
 * (`libfptr10.py`, Java `IFptr`). Sources: docs/atol.md.
 */
export const ATOL_ERRORS = {
  OK: [0, 'Ошибок нет'],
  NO_CONNECTION: [2, 'Нет связи'],
  NO_REQUIRED_PARAM: [8, 'Не найден обязательный параметр'],
  NOT_SUPPORTED: [11, 'Не поддерживается в данной версии'],
  INVALID_MODE: [12, 'Не поддерживается в данном режиме'],
  // The first "е" is a Latin "e" in the driver's own text.
  INVALID_PARAM: [13, 'Нeкорректное значение параметра'],
  UNKNOWN: [15, 'Неизвестная ошибка'],
  INVALID_SUM: [16, 'Неверная цена (сумма)'],
  INVALID_QUANTITY: [17, 'Неверное количество'],
  NO_PAPER: [44, 'Нет бумаги'],
  COVER_OPENED: [45, 'Открыта крышка'],
  INVALID_RECEIPT_TYPE: [48, 'Неверный тип чека'],
  NONCASH_PAYMENTS_TOO_MUCH: [52, 'Сумма не наличных платежей превышает сумму чека'],
  INVALID_PAYMENT_TYPE: [60, 'Неверный вид оплаты'],
  NOT_FULLY_PAID: [66, 'Чек оплачен не полностью'],
  SHIFT_EXPIRED: [68, 'Смена превысила 24 часа'],
  DENIED_IN_CLOSED_SHIFT: [73, 'Смена закрыта - операция невозможна'],
  NO_CASH: [80, 'В ККТ нет денег для выплаты'],
  DENIED_IN_OPENED_SHIFT: [83, 'Смена открыта, операция невозможна'],
  FN_EXPIRED: [120, 'Закончен срок эксплуатации ФН'],
  FN_RESOURCE_HAS_EXPIRED: [137, 'Ресурс хранения ФД исчерпан'],
  FN_TIMEOUT: [140, 'Исчерпан ресурс ожидания передачи сообщения в ФН'],
  INVALID_TAXATION_TYPE: [143, 'Некорректная СНО'],
  INVALID_TAX_TYPE: [144, 'Недопустимый номер ставки налога'],
  CLOSE_RECEIPT_INTERRUPTED: [177, 'Закрытие чека прервано'],
  DATE_TIME_LESS_THAN_FS: [36, 'Дата/время меньше даты/времени последнего ФД'],
  RECEIPT_PARSE_ERROR: [501, 'Ошибка парсинга запроса'],
  INTERRUPTED_BY_PREVIOUS_ERRORS: [502, 'Выполнение прервано из-за предыдущих ошибок'],
  WEB_FAIL: [505, 'Ошибка веб-сервера'],
} as const satisfies Record<string, readonly [number, string]>;

export type AtolErrorName = keyof typeof ATOL_ERRORS;

/** The error object of a task result: `{code, description}`. */
export interface AtolError {
  code: number;
  description: string;
}

/**
 * The error object for `name`. A detail is appended (`text: detail`) only to the codes whose
 * text alone would not tell a POS developer what to fix: parse errors and invalid parameters.
 */
export function atolError(name: AtolErrorName, detail?: string): AtolError {
  const [code, text] = ATOL_ERRORS[name];
  const withDetail =
    detail !== undefined &&
    (name === 'RECEIPT_PARSE_ERROR' ||
      name === 'INVALID_PARAM' ||
      name === 'NO_REQUIRED_PARAM' ||
      name === 'NOT_SUPPORTED');
  return { code, description: withDetail ? `${text}: ${detail}` : text };
}

export const NO_ERROR: AtolError = atolError('OK');
