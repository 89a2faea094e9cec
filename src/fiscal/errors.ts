/** Every refusal in the fiscal domain carries a stable code; adapters map codes to HTTP or wire answers. */
export type FiscalErrorCode =
  | 'VALIDATION_FAILED'
  | 'SHIFT_CLOSED'
  | 'SHIFT_ALREADY_OPEN'
  | 'SHIFT_EXPIRED'
  | 'FN_FULL'
  | 'FN_EXPIRED'
  | 'OFD_TIMEOUT'
  | 'PAPER_OUT'
  | 'COVER_OPEN'
  | 'DOCUMENT_NOT_FOUND'
  | 'DEVICE_STOPPED'
  /** Cash paid out (refund, purchase, cash out) beyond the drawer balance, with cash control on. */
  | 'INSUFFICIENT_CASH'
  /** The clock is before the ФН's last document: a ФН refuses rather than back-dates. */
  | 'CLOCK_BEHIND_LAST_DOCUMENT'
  /** The ФН was closed (form 6): it answers reads only until it is replaced. */
  | 'FN_CLOSED'
  /** This driver cannot do the operation (yet); nothing was sent to the device. */
  | 'NOT_SUPPORTED';

export interface FieldError {
  /** JSON pointer into the request, e.g. `/items/0/price`. */
  path: string;
  message: string;
}

/** FN (fiscal drive) error numbers as a real ФН reports them, where one exists. */
export const FN_ERROR_CODES: Partial<Record<FiscalErrorCode, number>> = {
  SHIFT_CLOSED: 0x02,
  SHIFT_ALREADY_OPEN: 0x02,
  FN_EXPIRED: 0x12,
  FN_FULL: 0x14,
  OFD_TIMEOUT: 0x15,
  SHIFT_EXPIRED: 0x16,
};

export class FiscalError extends Error {
  override readonly name = 'FiscalError';
  readonly code: FiscalErrorCode;
  /** The ФН error number (e.g. 0x16), when the refusal comes from the fiscal drive. */
  readonly fnCode: number | undefined;
  readonly errors: FieldError[];

  constructor(code: FiscalErrorCode, message: string, errors: FieldError[] = []) {
    super(message);
    this.code = code;
    this.fnCode = FN_ERROR_CODES[code];
    this.errors = errors;
  }
}

export function isFiscalError(e: unknown): e is FiscalError {
  return e instanceof FiscalError;
}
