import type { FieldError } from '../fiscal/errors.ts';
import type { ServiceErrorCode, ServiceFailure } from '../service/errors.ts';

/** An RFC 9457 problem, the one shape every error answer of the adapter takes. */
export interface Problem {
  status: number;
  title: string;
  detail: string;
  code: string;
  errors?: FieldError[];
}

/**
 * Each service code's HTTP status and title. Shift-state refusals are the POS's to fix (409);
 * a device that cannot work now is 503; an outcome that must be learnt by retrying is 503 too.
 */
const STATUS: Record<ServiceErrorCode, [number, string]> = {
  VALIDATION_FAILED: [400, 'Invalid request'],
  SHIFT_CLOSED: [409, 'Device refused the operation'],
  SHIFT_ALREADY_OPEN: [409, 'Device refused the operation'],
  SHIFT_EXPIRED: [409, 'Device refused the operation'],
  DOCUMENT_NOT_FOUND: [404, 'Device refused the operation'],
  PAPER_OUT: [503, 'Device refused the operation'],
  COVER_OPEN: [503, 'Device refused the operation'],
  FN_FULL: [503, 'Device refused the operation'],
  FN_EXPIRED: [503, 'Device refused the operation'],
  OFD_TIMEOUT: [503, 'Device refused the operation'],
  DEVICE_STOPPED: [503, 'Device refused the operation'],
  INSUFFICIENT_CASH: [409, 'Device refused the operation'],
  CLOCK_BEHIND_LAST_DOCUMENT: [409, 'Device refused the operation'],
  FN_CLOSED: [503, 'Device refused the operation'],
  NOT_SUPPORTED: [501, 'Not supported by this driver'],
  IDEMPOTENCY_KEY_IN_FLIGHT: [409, 'Request in progress'],
  IDEMPOTENCY_KEY_MISMATCH: [422, 'Idempotency-Key reused'],
  BUFFER_FULL: [503, 'Buffer full'],
  DEVICE_UNAVAILABLE: [503, 'Device unavailable'],
  STORAGE_UNAVAILABLE: [503, 'Storage unavailable'],
};

export function problemOf(f: ServiceFailure): Problem {
  const [status, title] = STATUS[f.code];
  const problem: Problem = { status, title, detail: f.message, code: f.code };
  if (f.errors && f.errors.length > 0) problem.errors = f.errors;
  return problem;
}
