import type { FiscalDocument, XReport } from '../fiscal/document.ts';
import { documentJson, rememberDocumentJson } from '../fiscal/document-json.ts';
import { type FieldError, FiscalError, type FiscalErrorCode } from '../fiscal/errors.ts';
import type { CashMovement, FnPolicy, FnState } from '../fiscal/fn-core.ts';
import type { ConfirmOutcome } from '../io/sqlite/fiscal-archive.ts';
import type { Job, JobOutcome } from '../machines/kkt.types.ts';

/** What the ФН thread is started with. */
export interface FnThreadData {
  archivePath: string;
  policy?: FnPolicy;
}

export type FnThreadRequest =
  | { type: 'batch'; seq: number; jobs: Job[]; now: number }
  | { type: 'confirm'; seq: number; numbers: readonly number[]; at: number }
  | { type: 'close' };

/** An error as it crosses the thread: a FiscalError keeps its code and field errors, a SQLite one its code. */
export interface WireError {
  message: string;
  fiscal?: { code: FiscalErrorCode; errors: FieldError[] };
  /** The cause's code (SqliteError's or errno's), for the adapter's storage health. */
  causeCode?: string;
  causeMessage?: string;
}

/**
 * A job's outcome as it crosses the thread. Documents travel as the JSON text the archive
 * stored: one string copy instead of a structured clone of the object, and the text is what the
 * adapter's buffer stores too (documentJson), so the document is serialised once in all.
 */
export type WireOutcome =
  | { id: number; ok: true; kind: 'documents'; documents: string[]; cash?: CashMovement }
  | { id: number; ok: true; kind: 'xReport'; report: XReport }
  | { id: number; ok: false; error: WireError };

export type FnThreadReply =
  | { type: 'batch'; seq: number; fn: FnState; outcomes: WireOutcome[] }
  | { type: 'confirm'; seq: number; fn: FnState; outcome: ConfirmOutcome }
  | { type: 'failed'; seq: number; error: WireError }
  | { type: 'closed' };

export function toWireError(e: unknown): WireError {
  const error = e instanceof Error ? e : new Error(String(e));
  const wire: WireError = { message: error.message };
  if (error instanceof FiscalError) wire.fiscal = { code: error.code, errors: error.errors };
  const cause = (error as { cause?: unknown }).cause;
  const coded = cause ?? error;
  const code = typeof coded === 'object' && coded !== null ? (coded as { code?: unknown }).code : undefined;
  if (typeof code === 'string') wire.causeCode = code;
  if (cause instanceof Error) wire.causeMessage = cause.message;
  return wire;
}

/** The error again on the device's side: a FiscalError with its cause's code where it had one. */
export function fromWireError(wire: WireError): Error {
  const error = wire.fiscal
    ? new FiscalError(wire.fiscal.code, wire.message, wire.fiscal.errors)
    : new Error(wire.message);
  if (wire.causeCode !== undefined) {
    const cause = Object.assign(new Error(wire.causeMessage ?? wire.message), { code: wire.causeCode });
    Object.assign(error, { cause });
  }
  return error;
}

export function toWireOutcome(outcome: JobOutcome): WireOutcome {
  if (!outcome.ok) return { id: outcome.id, ok: false, error: toWireError(outcome.error) };
  const { result } = outcome;
  if (result.kind === 'xReport') return { id: outcome.id, ok: true, kind: 'xReport', report: result.report };
  return {
    id: outcome.id,
    ok: true,
    kind: 'documents',
    documents: result.documents.map(documentJson),
    ...(result.cash ? { cash: result.cash } : {}),
  };
}

export function fromWireOutcome(wire: WireOutcome): JobOutcome {
  if (!wire.ok) return { id: wire.id, ok: false, error: fromWireError(wire.error) as FiscalError };
  if (wire.kind === 'xReport') return { id: wire.id, ok: true, result: { kind: 'xReport', report: wire.report } };
  const documents = wire.documents.map((json) => {
    // Written by this kkt-emu a moment ago: no older model to upgrade (stored-document.ts).
    const doc = JSON.parse(json) as FiscalDocument;
    rememberDocumentJson(doc, json);
    return doc;
  });
  return {
    id: wire.id,
    ok: true,
    result: { kind: 'documents', documents, ...(wire.cash ? { cash: wire.cash } : {}) },
  };
}
