import type { FiscalDocument, FnIdentity, XReport } from '../fiscal/document.ts';
import type { FiscalError } from '../fiscal/errors.ts';
import type { DeviceFaults } from '../fiscal/faults.ts';
import type { CashMovement, FnOperation, FnState } from '../fiscal/fn-core.ts';

/** Work the device does one at a time on its printer: fiscal operations and the X report. */
export type JobOp = FnOperation | { kind: 'xReport' };

export interface Job {
  id: number;
  op: JobOp;
}

export type JobResult =
  /** A fiscal operation's documents; a cash in / cash out has none, only its movement. */
  { kind: 'documents'; documents: FiscalDocument[]; cash?: CashMovement } | { kind: 'xReport'; report: XReport };

export type JobOutcome = { id: number; ok: true; result: JobResult } | { id: number; ok: false; error: FiscalError };

export interface KktInput {
  identity: FnIdentity;
  fn: FnState;
  /** Jobs fiscalized in one archive transaction when the printer has no delay (group commit). */
  batchLimit: number;
}

export interface KktContext {
  identity: FnIdentity;
  fn: FnState;
  faults: DeviceFaults;
  queue: Job[];
  batch: Job[];
  batchLimit: number;
}

export interface FiscalizeInput {
  jobs: Job[];
}

export interface FiscalizeOutput {
  fn: FnState;
  outcomes: JobOutcome[];
}

export type KktEvent =
  | { type: 'job.submit'; jobs: readonly Job[] }
  | { type: 'fault.set'; faults: Partial<DeviceFaults> }
  /** The ФН's counters changed outside a job (ОФД confirmations), so deadlines need a fresh look. */
  | { type: 'fn.changed'; fn: FnState };

export type KktEmitted = { type: 'job.settled'; outcome: JobOutcome };
