import type { FieldError, FiscalError, FiscalErrorCode } from '../fiscal/errors.ts';

/**
 * Why a service refused or could not finish a request: the device's own codes plus the
 * adapter's. Services never speak HTTP; src/api maps each code to a status (api/problems.ts).
 */
export type ServiceErrorCode =
  | FiscalErrorCode
  /** The same Idempotency-Key is being processed right now. */
  | 'IDEMPOTENCY_KEY_IN_FLIGHT'
  /** The Idempotency-Key was used before with another body. */
  | 'IDEMPOTENCY_KEY_MISMATCH'
  /** The buffer is at its block threshold; nothing was fiscalized. */
  | 'BUFFER_FULL'
  /** The device's outcome is unknown; retrying the same key learns it from the archive. */
  | 'DEVICE_UNAVAILABLE'
  /**
   * The adapter could not write its records (disk full, read-only, I/O error). The receipt may
   * have been printed: retrying the same key gives its answer once storage is back.
   */
  | 'STORAGE_UNAVAILABLE';

export interface ServiceFailure {
  code: ServiceErrorCode;
  message: string;
  errors?: FieldError[];
}

export function failureOf(e: FiscalError): ServiceFailure {
  return { code: e.code, message: e.message, ...(e.errors.length > 0 ? { errors: e.errors } : {}) };
}

/** Every field problem of a request at once; the message names the first. */
export function validationFailure(errors: FieldError[]): ServiceFailure {
  const first = errors[0];
  const message = first
    ? `${first.path || 'body'} ${first.message}${errors.length > 1 ? ` (and ${errors.length - 1} more)` : ''}`
    : 'invalid request';
  return { code: 'VALIDATION_FAILED', message, errors };
}
