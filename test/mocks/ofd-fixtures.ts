import type {
  CorrectionDocument,
  CorrectionInput,
  FiscalDocument,
  FnIdentity,
  ReceiptDocument,
  ReceiptInput,
  ShiftCloseDocument,
  ShiftOpenDocument,
} from '../../src/fiscal/document.ts';
import { applyOperation, type FnOperation, type FnState, register } from '../../src/fiscal/fn-core.ts';
import { type OfdPayload, toOfdPayload } from '../../src/fiscal/ofd-payload.ts';
import { identity, receiptInput, SECRET } from '../fiscal/fixtures.ts';

/**
 * A fiscal drive driven through the real pure core, so the documents the mock ОФД and the
 * client tests send are exactly what the adapter would send, ФПД and QR included.
 */
export class FnSim {
  state: FnState;
  readonly registration: FiscalDocument;
  now: number;

  constructor(
    readonly id: FnIdentity = identity(),
    readonly secret = SECRET,
  ) {
    const step = register(id, secret);
    this.state = step.state;
    this.registration = step.documents[0]!;
    this.now = id.registeredAt + 60_000;
  }

  #apply(op: FnOperation): FiscalDocument {
    // A second per operation: thousands of receipts stay well inside one 24-hour shift.
    this.now += 1_000;
    const step = applyOperation(this.state, this.id, this.secret, op, this.now);
    this.state = step.state;
    return step.documents.at(-1)!;
  }

  /** A receipt (opening the shift first when none is open). */
  receipt(input: ReceiptInput = receiptInput()): ReceiptDocument {
    return this.#apply({ kind: 'receipt', receipt: input, autoOpenShift: true }) as ReceiptDocument;
  }

  /** A correction receipt (form 31) for a settlement of the registration day. */
  correction(
    input: ReceiptInput = receiptInput(),
    kind: CorrectionInput['correction']['kind'] = 'self',
  ): CorrectionDocument {
    const date = new Date(this.id.registeredAt).toISOString().slice(0, 10);
    const correction: CorrectionInput = {
      ...input,
      correction: kind === 'self' ? { kind, date } : { kind, date, number: 'ФНС-1' },
    };
    return this.#apply({ kind: 'correction', correction, autoOpenShift: true }) as CorrectionDocument;
  }

  openShift(): ShiftOpenDocument {
    return this.#apply({ kind: 'openShift', cashier: 'Иванов И.И.' }) as ShiftOpenDocument;
  }

  closeShift(): ShiftCloseDocument {
    return this.#apply({ kind: 'closeShift', cashier: 'Иванов И.И.' }) as ShiftCloseDocument;
  }
}

export const TZ = 'Europe/Moscow';

export const payloadOf = (doc: FiscalDocument, receiptId?: string): OfdPayload => toOfdPayload(doc, TZ, receiptId);

/** A fresh receipt payload of its own drive state. */
export function receiptPayload(fn: FnSim = new FnSim(), price = 10_000): OfdPayload {
  return payloadOf(fn.receipt(receiptInput(price)), `r-${fn.state.lastDocNumber}`);
}
