import type { FieldError, FiscalError, FiscalErrorCode } from '../fiscal/errors.ts';

/** An RFC 9457 problem, the one shape every error answer of the adapter takes. */
export interface Problem {
  status: number;
  title: string;
  detail: string;
  code: string;
  errors?: FieldError[];
}

export class ProblemError extends Error {
  override readonly name = 'ProblemError';
  constructor(readonly problem: Problem) {
    super(problem.detail);
  }
}

/** Shift-state refusals are the POS's to fix (409); a device that cannot work now is 503. */
const DEVICE_STATUS: Record<FiscalErrorCode, number> = {
  VALIDATION_FAILED: 400,
  SHIFT_CLOSED: 409,
  SHIFT_ALREADY_OPEN: 409,
  SHIFT_EXPIRED: 409,
  DOCUMENT_NOT_FOUND: 404,
  PAPER_OUT: 503,
  COVER_OPEN: 503,
  FN_FULL: 503,
  FN_EXPIRED: 503,
  OFD_TIMEOUT: 503,
  DEVICE_STOPPED: 503,
};

export function deviceProblem(e: FiscalError): Problem {
  const problem: Problem = {
    status: DEVICE_STATUS[e.code],
    title: e.code === 'VALIDATION_FAILED' ? 'Invalid request' : 'Device refused the operation',
    detail: e.message,
    code: e.code,
  };
  if (e.errors.length > 0) problem.errors = e.errors;
  return problem;
}

export function validationProblem(errors: FieldError[]): Problem {
  const first = errors[0];
  return {
    status: 400,
    title: 'Invalid request',
    detail: first
      ? `${first.path || 'body'} ${first.message}${errors.length > 1 ? ` (and ${errors.length - 1} more)` : ''}`
      : 'invalid request',
    code: 'VALIDATION_FAILED',
    errors,
  };
}
