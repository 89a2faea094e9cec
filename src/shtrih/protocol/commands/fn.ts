import { decodeCp1251, encodeCp1251 } from '../text.ts';
import { type FnDateTime, type LocalDate, WireFormatError, WireReader, WireWriter } from '../wire.ts';
import { type CommandCodec, type PasswordRequest, passwordRequest } from './codec.ts';

/** FN commands: FF01h…FF63h. Their dates are FN DATE_TIME (YY MM DD HH MM), local time. */

const fnNumberField = (w: WireWriter, fnNumber: string) => {
  if (!/^[0-9]{16}$/.test(fnNumber)) throw new WireFormatError(`ФН number must be 16 digits, got "${fnNumber}"`);
  return w.bytes(Buffer.from(fnNumber, 'ascii'));
};

/** FF01h life-phase bits. A registered, working ФН is 0x03. */
export const FN_PHASE = { configured: 1, fiscalMode: 2, postFiscal: 4, archiveRead: 8 } as const;

/** FF01h "current document" codes. */
export const FN_CURRENT_DOCUMENT = {
  none: 0x00,
  registration: 0x01,
  shiftOpen: 0x02,
  receipt: 0x04,
  shiftClose: 0x08,
  correction: 0x14,
  settlementReport: 0x17,
} as const;

/** FF01h warning bits. */
export const FN_WARNINGS = {
  urgentReplacement: 1 << 0,
  keysExpireIn30Days: 1 << 1,
  memoryAlmostFull: 1 << 2,
  ofdTimeout: 1 << 3,
  critical: 1 << 7,
} as const;

export interface FnStatus {
  phase: number;
  currentDocument: number;
  documentData: number;
  shiftOpen: boolean;
  warnings: number;
  dateTime: FnDateTime;
  fnNumber: string;
  lastDocumentNumber: number;
}

export const fnStatus: CommandCodec<PasswordRequest, FnStatus> = {
  code: 0xff01,
  name: 'ФН status',
  ...passwordRequest,
  encodeAnswer: (a) =>
    fnNumberField(
      new WireWriter()
        .u8(a.phase)
        .u8(a.currentDocument)
        .u8(a.documentData)
        .u8(a.shiftOpen ? 1 : 0)
        .u8(a.warnings)
        .fnDateTime(a.dateTime),
      a.fnNumber,
    )
      .u32(a.lastDocumentNumber)
      .toBuffer(),
  decodeAnswer: (data) => {
    const r = new WireReader(data, 'FF01h answer');
    return {
      phase: r.u8('phase'),
      currentDocument: r.u8('current document'),
      documentData: r.u8('document data'),
      shiftOpen: r.u8('shift') === 1,
      warnings: r.u8('warnings'),
      dateTime: r.fnDateTime(),
      fnNumber: r.bytes(16, 'ФН number').toString('ascii'),
      lastDocumentNumber: r.u32('last document number'),
    };
  },
};

export interface FnNumber {
  fnNumber: string;
}

export const fnNumber: CommandCodec<PasswordRequest, FnNumber> = {
  code: 0xff02,
  name: 'ФН number',
  ...passwordRequest,
  encodeAnswer: (a) => fnNumberField(new WireWriter(), a.fnNumber).toBuffer(),
  decodeAnswer: (data) => ({ fnNumber: new WireReader(data, 'FF02h answer').bytes(16, 'ФН number').toString('ascii') }),
};

export interface FnExpiry {
  expiry: LocalDate;
  reregistrationsLeft: number;
  reregistrationsDone: number;
}

export const fnExpiry: CommandCodec<PasswordRequest, FnExpiry> = {
  code: 0xff03,
  name: 'ФН expiry',
  ...passwordRequest,
  encodeAnswer: (a) => new WireWriter().fnDate(a.expiry).u8(a.reregistrationsLeft).u8(a.reregistrationsDone).toBuffer(),
  decodeAnswer: (data) => {
    const r = new WireReader(data, 'FF03h answer');
    const expiry = r.fnDate();
    // Older firmware stops after the date.
    const reregistrationsLeft = r.remaining > 0 ? r.u8('re-registrations left') : 0;
    const reregistrationsDone = r.remaining > 0 ? r.u8('re-registrations done') : 0;
    return { expiry, reregistrationsLeft, reregistrationsDone };
  },
};

/** FF39h: the ФН's queue for the ОФД (javapos FSReadCommStatus, PHP FNGetInfoExchangeStatus). */
export interface ExchangeStatus {
  status: number;
  readingMessage: number;
  messageCount: number;
  /** 0 when nothing waits. */
  firstDocumentNumber: number;
  firstDocumentDateTime: FnDateTime;
}

export const exchangeStatus: CommandCodec<PasswordRequest, ExchangeStatus> = {
  code: 0xff39,
  name: 'ОФД exchange status',
  ...passwordRequest,
  encodeAnswer: (a) =>
    new WireWriter()
      .u8(a.status)
      .u8(a.readingMessage)
      .u16(a.messageCount)
      .u32(a.firstDocumentNumber)
      .fnDateTime(a.firstDocumentDateTime)
      .toBuffer(),
  decodeAnswer: (data) => {
    const r = new WireReader(data, 'FF39h answer');
    return {
      status: r.u8('status'),
      readingMessage: r.u8('reading'),
      messageCount: r.u16('message count'),
      firstDocumentNumber: r.u32('first document'),
      firstDocumentDateTime: r.fnDateTime(),
    };
  },
};

export interface ShiftParameters {
  shiftOpen: boolean;
  shiftNumber: number;
  receiptNumber: number;
}

/** FF40h: state, shift number, receipt number (S4 forgets the state byte; javapos and pyshtrih read it). */
export const shiftParameters: CommandCodec<PasswordRequest, ShiftParameters> = {
  code: 0xff40,
  name: 'Shift parameters',
  ...passwordRequest,
  encodeAnswer: (a) =>
    new WireWriter()
      .u8(a.shiftOpen ? 1 : 0)
      .u16(a.shiftNumber)
      .u16(a.receiptNumber)
      .toBuffer(),
  decodeAnswer: (data) => {
    const r = new WireReader(data, 'FF40h answer');
    return {
      shiftOpen: r.u8('state') === 1,
      shiftNumber: r.u16('shift number'),
      receiptNumber: r.u16('receipt number'),
    };
  },
};

export interface FnResource {
  /** About how many more documents the ФН can take. */
  documentsLeft: number;
  memory30DaysKb: number;
}

/** FF63h "Запрос ресурса свободной памяти в ФН" (javapos FSReadMemorySize). */
export const fnResource: CommandCodec<PasswordRequest, FnResource> = {
  code: 0xff63,
  name: 'ФН memory resource',
  ...passwordRequest,
  encodeAnswer: (a) => new WireWriter().u32(a.documentsLeft).u32(a.memory30DaysKb).toBuffer(),
  decodeAnswer: (data) => {
    const r = new WireReader(data, 'FF63h answer');
    return { documentsLeft: r.u32('documents left'), memory30DaysKb: r.u32('30-day memory') };
  },
};

export interface DocumentNumberRequest {
  password: number;
  number: number;
}

const documentNumberRequest = {
  encodeRequest: (r: DocumentNumberRequest) => new WireWriter().u32(r.password).u32(r.number, 'document').toBuffer(),
  decodeRequest: (data: Buffer): DocumentNumberRequest => {
    const r = new WireReader(data, 'request');
    return { password: r.u32('password'), number: r.u32('document number') };
  },
};

/** FF0Ah answer: a fixed header, then data whose layout depends on the document type. */
export interface FoundDocument {
  type: number;
  ofdReceived: boolean;
  dateTime: FnDateTime;
  number: number;
  /** The printed ФПД as a uint32. */
  fiscalSign: number;
  details: FoundDocumentDetails;
}

/** Per-type data of FF0Ah (PHP FNFindDocument, which follows S2). */
export type FoundDocumentDetails =
  | { kind: 'registration'; inn: string; regNumber: string; taxation: number; workMode: number }
  | { kind: 'shift'; shiftNumber: number }
  | { kind: 'receipt'; operation: number; total: number }
  | { kind: 'other'; raw: Buffer };

function detailsKind(type: number): FoundDocumentDetails['kind'] {
  if (type === 1 || type === 11) return 'registration';
  if (type === 2 || type === 5) return 'shift';
  if (type === 3 || type === 4 || type === 31) return 'receipt';
  return 'other';
}

function encodeDetails(type: number, d: FoundDocumentDetails): Buffer {
  if (d.kind !== detailsKind(type))
    throw new WireFormatError(`FF0Ah: ${d.kind} data does not fit document type ${type}`);
  const w = new WireWriter();
  switch (d.kind) {
    case 'registration':
      return w
        .fixed(encodeCp1251(d.inn), 12, 'INN', 0x20)
        .fixed(encodeCp1251(d.regNumber), 20, 'registration number', 0x20)
        .u8(d.taxation)
        .u8(d.workMode)
        .toBuffer();
    case 'shift':
      return w.u16(d.shiftNumber).toBuffer();
    case 'receipt':
      return w.u8(d.operation).money(d.total).toBuffer();
    case 'other':
      return w.bytes(d.raw).toBuffer();
  }
}

function decodeDetails(type: number, r: WireReader): FoundDocumentDetails {
  switch (detailsKind(type)) {
    case 'registration': {
      const inn = decodeCp1251(r.bytes(12, 'INN')).trimEnd();
      const regNumber = decodeCp1251(r.bytes(20, 'registration number')).trimEnd();
      return { kind: 'registration', inn, regNumber, taxation: r.u8('taxation'), workMode: r.u8('work mode') };
    }
    case 'shift':
      return { kind: 'shift', shiftNumber: r.u16('shift number') };
    case 'receipt':
      return { kind: 'receipt', operation: r.u8('operation'), total: r.money('total') };
    case 'other':
      return { kind: 'other', raw: Buffer.from(r.rest()) };
  }
}

export const findDocument: CommandCodec<DocumentNumberRequest, FoundDocument> = {
  code: 0xff0a,
  name: 'Find ФН document',
  ...documentNumberRequest,
  encodeAnswer: (a) =>
    new WireWriter()
      .u8(a.type)
      .u8(a.ofdReceived ? 1 : 0)
      .fnDateTime(a.dateTime)
      .u32(a.number)
      .u32(a.fiscalSign)
      .bytes(encodeDetails(a.type, a.details))
      .toBuffer(),
  decodeAnswer: (data) => {
    const r = new WireReader(data, 'FF0Ah answer');
    const type = r.u8('type');
    return {
      type,
      ofdReceived: r.u8('ОФД receipt') === 1,
      dateTime: r.fnDateTime(),
      number: r.u32('number'),
      fiscalSign: r.u32('fiscal sign'),
      details: decodeDetails(type, r),
    };
  },
};

export interface DocumentHeader {
  /** The document's STLV tag: its form code (1 registration, 2 shift open, 3 receipt, 5 shift close). */
  type: number;
  length: number;
}

/** FF3Ah "Запросить фискальный документ в TLV формате" (javapos FSReadDocument). */
export const readDocument: CommandCodec<DocumentNumberRequest, DocumentHeader> = {
  code: 0xff3a,
  name: 'Read ФН document (TLV)',
  ...documentNumberRequest,
  encodeAnswer: (a) => new WireWriter().u16(a.type).u16(a.length).toBuffer(),
  decodeAnswer: (data) => {
    const r = new WireReader(data, 'FF3Ah answer');
    return { type: r.u16('type'), length: r.u16('length') };
  },
};

export interface DocumentBlock {
  data: Buffer;
}

/** FF3Bh "Чтение TLV фискального документа": the next block of the document FF3Ah selected. */
export const readDocumentBlock: CommandCodec<PasswordRequest, DocumentBlock> = {
  code: 0xff3b,
  name: 'Read ФН document block',
  ...passwordRequest,
  encodeAnswer: (a) => Buffer.from(a.data),
  decodeAnswer: (data) => ({ data: Buffer.from(data) }),
};
