import type {
  FiscalDocument,
  RegistrationDocument,
  ReregistrationDocument,
  ShiftOpenDocument,
} from '../../fiscal/document.ts';
import { fnNumber } from '../protocol/commands/index.ts';
import { SerialLinkError } from '../protocol/errors.ts';
import type { WireClient } from './wire-client.ts';

/** How many read-back documents the driver keeps; the registration report always stays. */
const CACHE_LIMIT = 5000;

/**
 * Documents read back from the ФН (FF3Ah/FF3Bh). They never change, so they are kept, for one
 * ФН: a replaced drive numbers its documents from 1 again, so the cache empties whenever the
 * device reports another ФН number.
 */
export class DocumentReader {
  private fn: string | undefined;
  private readonly docs = new Map<number, FiscalDocument>();
  private readonly shiftOpens = new Map<number, ShiftOpenDocument>();

  constructor(
    private readonly wire: WireClient,
    private readonly timezone: string,
  ) {}

  noteFn(fn: string): void {
    if (this.fn === fn) return;
    this.fn = fn;
    this.docs.clear();
    this.shiftOpens.clear();
  }

  /** Asks the device which ФН it has now (FF02h). */
  async checkFn(): Promise<void> {
    this.noteFn((await this.wire.call(fnNumber, { password: this.wire.password })).fnNumber);
  }

  remember(doc: FiscalDocument): void {
    this.noteFn(doc.fnNumber);
    if (doc.kind === 'shiftOpen') this.shiftOpens.set(doc.shiftNumber, doc);
    if (this.docs.size >= CACHE_LIMIT) {
      for (const n of this.docs.keys()) {
        if (n !== 1) {
          this.docs.delete(n);
          break;
        }
      }
    }
    this.docs.set(doc.number, doc);
  }

  async document(number: number): Promise<FiscalDocument | undefined> {
    const cached = this.docs.get(number);
    if (cached) return cached;
    const doc = await this.wire.readDocument(number, this.timezone);
    if (doc) this.remember(doc);
    return doc;
  }

  async documentOf<K extends FiscalDocument['kind']>(
    number: number,
    kind: K,
  ): Promise<Extract<FiscalDocument, { kind: K }>> {
    const doc = await this.document(number);
    if (doc?.kind !== kind)
      throw new SerialLinkError(
        'protocol',
        `document ${number} should be a ${kind}, the ФН has ${doc?.kind ?? 'nothing'}`,
      );
    return doc as Extract<FiscalDocument, { kind: K }>;
  }

  /** Document 1: the registration report, or the re-registration (form 11) of a replacement ФН. */
  async registration(): Promise<RegistrationDocument | ReregistrationDocument> {
    const doc = await this.document(1);
    if (doc?.kind === 'registration' || doc?.kind === 'reregistration') return doc;
    throw new SerialLinkError('protocol', `document 1 should be a registration, the ФН has ${doc?.kind ?? 'nothing'}`);
  }

  /**
   * The report that opened shift `shiftNumber`. Usually the document just before the shift's
   * receipts; otherwise a binary search, since shift numbers never decrease along the archive.
   */
  async shiftOpening(shiftNumber: number, receipts: number, last: number): Promise<ShiftOpenDocument> {
    const known = this.shiftOpens.get(shiftNumber);
    if (known) return known;
    const guess = await this.document(last - receipts);
    if (guess?.kind === 'shiftOpen' && guess.shiftNumber === shiftNumber) return guess;
    let lo = 1;
    let hi = last;
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      if (shiftOf(await this.document(mid)) < shiftNumber) lo = mid + 1;
      else hi = mid;
    }
    const doc = await this.document(lo);
    if (doc?.kind !== 'shiftOpen' || doc.shiftNumber !== shiftNumber)
      throw new SerialLinkError('protocol', `the ФН has no report opening shift ${shiftNumber}`);
    return doc;
  }
}

function shiftOf(doc: FiscalDocument | undefined): number {
  if (!doc || doc.kind === 'registration' || doc.kind === 'reregistration') return 0;
  return doc.shiftNumber ?? 0;
}
