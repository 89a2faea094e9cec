import type { EmulatedKkt } from '../../device/emulator.ts';
import { OPERATIONS, TAXATION_TYPES } from '../../fiscal/codes.ts';
import type { FiscalDocument } from '../../fiscal/document.ts';
import {
  deviceType,
  exchangeStatus,
  type FoundDocumentDetails,
  findDocument,
  fnExpiry,
  fnNumber,
  fnResource,
  fnStatus,
  fullStatus,
  readDocument,
  readDocumentBlock,
  shiftParameters,
  shortStatus,
} from '../protocol/commands/index.ts';
import { encodeDocument } from '../protocol/document-tlv.ts';
import { E, refuse } from '../protocol/errors.ts';
import { dateOf, fnDateTimeOf } from '../protocol/time.ts';
import type { CommandTable } from './command-table.ts';
import { exchangeStatusOf, fnStatusOf, fullStatusOf, type SessionView, shortStatusOf } from './status-answers.ts';

const DEVICE_NAME = 'ШТРИХ-М-01Ф kkt-emu';

/**
 * The commands that only read the device: statuses, the ФН's state, documents read back
 * (FF0Ah, FF3Ah/FF3Bh). `view` is the session's own
 * state (open receipt, document in progress) for the status answers.
 */
export function registerQueries(
  table: CommandTable,
  kkt: EmulatedKkt,
  view: (operator: number) => SessionView,
  options: { blockSize: number },
): void {
  const status = () => kkt.statusNow();
  const tz = () => status().timezone;
  // One read cursor, as the device has: FF3Ah selects a document, FF3Bh reads it in blocks.
  let reading: { body: Buffer; offset: number } | null = null;

  const document = async (number: number): Promise<FiscalDocument> => {
    const doc = number >= 1 ? await kkt.getDocument(number) : undefined;
    if (!doc) refuse(E.noData, `no document ${number}`);
    return doc;
  };

  table.on(shortStatus, 'operator', (_q, op) => shortStatusOf(status(), view(op)));
  table.on(fullStatus, 'operator', (_q, op) => fullStatusOf(status(), view(op)));
  table.on(deviceType, 'none', () => ({
    type: 0,
    subtype: 0,
    protocolVersion: 1,
    protocolSubversion: 12,
    model: 0,
    language: 0,
    name: DEVICE_NAME,
  }));
  table.on(fnStatus, 'sysadmin', (_q, op) => fnStatusOf(status(), view(op)));
  table.on(fnNumber, 'sysadmin', () => ({ fnNumber: status().fn.number }));
  table.on(fnExpiry, 'sysadmin', () => ({
    expiry: dateOf(status().fn.validUntil, tz()),
    reregistrationsLeft: 11,
    reregistrationsDone: 0,
  }));
  table.on(exchangeStatus, 'sysadmin', () => exchangeStatusOf(status()));
  table.on(shiftParameters, 'sysadmin', () => {
    const s = status();
    return { shiftOpen: s.shift.state !== 'closed', shiftNumber: s.shift.number, receiptNumber: s.shift.receipts };
  });
  table.on(fnResource, 'sysadmin', () => {
    const s = status();
    return { documentsLeft: Math.max(0, s.fn.capacity - s.fn.lastFiscalDocNumber), memory30DaysKb: 4096 };
  });
  table.on(findDocument, 'sysadmin', async (q) => {
    const doc = await document(q.number);
    // The ОФД has confirmed it when it is not among the unconfirmed documents from its number on.
    const [unsent] = await kkt.unconfirmedDocuments(doc.number, 1);
    return {
      type: encodeDocument(doc, tz()).type,
      ofdReceived: unsent?.number !== doc.number,
      dateTime: fnDateTimeOf(doc.dateTime, tz()),
      number: doc.number,
      fiscalSign: Number(doc.fiscalSign),
      details: details(doc),
    };
  });
  table.on(readDocument, 'sysadmin', async (q) => {
    const { type, body } = encodeDocument(await document(q.number), tz());
    if (body.length > 0xffff) refuse(0x10, 'the document is too large to read');
    reading = { body, offset: 0 };
    return { type, length: body.length };
  });
  table.on(readDocumentBlock, 'sysadmin', () => {
    const r = reading;
    if (!r || r.offset >= r.body.length) refuse(E.noData, 'no document is being read');
    const data = r.body.subarray(r.offset, r.offset + options.blockSize);
    r.offset += data.length;
    return { data };
  });
}

/** FF0Ah's per-type data. */
function details(doc: FiscalDocument): FoundDocumentDetails {
  switch (doc.kind) {
    case 'registration':
    case 'reregistration':
      return {
        kind: 'registration',
        inn: doc.userInn,
        regNumber: doc.kktRegNumber,
        taxation: TAXATION_TYPES[doc.taxation],
        workMode: 0,
      };
    case 'shiftOpen':
    case 'shiftClose':
      return { kind: 'shift', shiftNumber: doc.shiftNumber };
    case 'receipt':
    case 'correction':
      return { kind: 'receipt', operation: OPERATIONS[doc.operation], total: doc.total };
    case 'settlementReport':
    case 'fnClosure':
      return { kind: 'other', raw: Buffer.alloc(0) };
  }
}
