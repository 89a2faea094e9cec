import { cutAtNul, decodeCp1251, encodeCp1251 } from '../text.ts';
import { type LocalDate, type LocalTime, WireReader, WireWriter } from '../wire.ts';
import { type CommandCodec, type PasswordRequest, passwordRequest } from './codec.ts';

/** Bits of the 2-byte ККТ flags in 10h/11h (S1/S2): the ones a POS looks at. */
export const KKT_FLAGS = {
  journalRoll: 1 << 0,
  receiptRoll: 1 << 1,
  receiptOpticalSensor: 1 << 7,
  receiptHeadLeverDown: 1 << 9,
  coverOpen: 1 << 10,
  drawerOpen: 1 << 11,
} as const;

/** 10h answer: the legacy 16-byte layout every client parses (§1.7 "Emit the legacy layout"). */
export interface ShortStatus {
  operator: number;
  flags: number;
  mode: number;
  submode: number;
  receiptOperations: number;
  batteryVoltage: number;
  powerVoltage: number;
  fmError: number;
  eklzError: number;
  /** Model dependent: the PHP client reads temperature, last mode, last print result. */
  reserved: [number, number, number];
}

export const shortStatus: CommandCodec<PasswordRequest, ShortStatus> = {
  code: 0x10,
  name: 'Short status',
  ...passwordRequest,
  encodeAnswer: (a) =>
    new WireWriter()
      .u8(a.operator)
      .u16(a.flags)
      .u8(a.mode)
      .u8(a.submode)
      .u8(a.receiptOperations & 0xff)
      .u8(a.batteryVoltage)
      .u8(a.powerVoltage)
      .u8(a.fmError)
      .u8(a.eklzError)
      .u8(a.receiptOperations >> 8, 'operations in receipt')
      .u8(a.reserved[0])
      .u8(a.reserved[1])
      .u8(a.reserved[2])
      .toBuffer(),
  decodeAnswer: (data) => {
    const r = new WireReader(data, '10h answer');
    const operator = r.u8('operator');
    const flags = r.u16('flags');
    const mode = r.u8('mode');
    const submode = r.u8('submode');
    const opsLow = r.u8('operations low');
    const batteryVoltage = r.u8('battery');
    const powerVoltage = r.u8('power');
    const fmError = r.u8('FM error');
    const eklzError = r.u8('EKLZ error');
    const opsHigh = r.u8('operations high');
    // "16 или 17 байт": the reserved tail is model dependent, so a shorter one is tolerated.
    const reserved: [number, number, number] = [0, 0, 0];
    for (let i = 0; i < 3 && r.remaining > 0; i++) reserved[i] = r.u8('reserved');
    return {
      operator,
      flags,
      mode,
      submode,
      receiptOperations: opsLow | (opsHigh << 8),
      batteryVoltage,
      powerVoltage,
      fmError,
      eklzError,
      reserved,
    };
  },
};

/** 11h answer: the legacy 48-byte layout (pyshtrih, javapos and S4 parse this one). */
export interface FullStatus {
  operator: number;
  /** Two characters, displayed with a dot ("A4" → "A.4"). */
  firmwareVersion: string;
  firmwareBuild: number;
  firmwareDate: LocalDate;
  hallNumber: number;
  documentNumber: number;
  flags: number;
  mode: number;
  submode: number;
  port: number;
  fmVersion: number;
  fmBuild: number;
  fmDate: LocalDate;
  date: LocalDate;
  time: LocalTime;
  fmFlags: number;
  serialLow: number;
  lastClosedShift: number;
  freeFmRecords: number;
  registrations: number;
  reregistrationsLeft: number;
  /** The user's INN as a 6-byte little-endian integer (javapos `readLong(6)`). */
  inn: number;
}

export const fullStatus: CommandCodec<PasswordRequest, FullStatus> = {
  code: 0x11,
  name: 'Full status',
  ...passwordRequest,
  encodeAnswer: (a) =>
    new WireWriter()
      .u8(a.operator)
      .fixed(encodeCp1251(a.firmwareVersion), 2, 'firmware version', 0x20)
      .u16(a.firmwareBuild)
      .date(a.firmwareDate)
      .u8(a.hallNumber)
      .u16(a.documentNumber)
      .u16(a.flags)
      .u8(a.mode)
      .u8(a.submode)
      .u8(a.port)
      .u16(a.fmVersion)
      .u16(a.fmBuild)
      .date(a.fmDate)
      .date(a.date)
      .time(a.time)
      .u8(a.fmFlags)
      .u32(a.serialLow)
      .u16(a.lastClosedShift)
      .u16(a.freeFmRecords)
      .u8(a.registrations)
      .u8(a.reregistrationsLeft)
      .uint(a.inn, 6, 'INN')
      .toBuffer(),
  decodeAnswer: (data) => {
    const r = new WireReader(data, '11h answer');
    return {
      operator: r.u8('operator'),
      firmwareVersion: decodeCp1251(r.bytes(2, 'firmware version')),
      firmwareBuild: r.u16('firmware build'),
      firmwareDate: r.date(),
      hallNumber: r.u8('hall number'),
      documentNumber: r.u16('document number'),
      flags: r.u16('flags'),
      mode: r.u8('mode'),
      submode: r.u8('submode'),
      port: r.u8('port'),
      fmVersion: r.u16('FM version'),
      fmBuild: r.u16('FM build'),
      fmDate: r.date(),
      date: r.date(),
      time: r.time(),
      fmFlags: r.u8('FM flags'),
      serialLow: r.u32('serial'),
      lastClosedShift: r.u16('last closed shift'),
      freeFmRecords: r.u16('free FM records'),
      registrations: r.u8('registrations'),
      reregistrationsLeft: r.u8('re-registrations left'),
      inn: r.uint(6, 'INN'),
    };
  },
};

/** FCh answer (no password). pyshtrih picks its model class by substrings of `name`. */
export interface DeviceType {
  type: number;
  subtype: number;
  protocolVersion: number;
  protocolSubversion: number;
  model: number;
  language: number;
  name: string;
}

export const deviceType: CommandCodec<Record<string, never>, DeviceType> = {
  code: 0xfc,
  name: 'Device type',
  encodeRequest: () => Buffer.alloc(0),
  decodeRequest: () => ({}),
  encodeAnswer: (a) =>
    new WireWriter()
      .u8(a.type)
      .u8(a.subtype)
      .u8(a.protocolVersion)
      .u8(a.protocolSubversion)
      .u8(a.model)
      .u8(a.language)
      .bytes(encodeCp1251(a.name))
      .toBuffer(),
  decodeAnswer: (data) => {
    const r = new WireReader(data, 'FCh answer');
    return {
      type: r.u8('type'),
      subtype: r.u8('subtype'),
      protocolVersion: r.u8('protocol version'),
      protocolSubversion: r.u8('protocol subversion'),
      model: r.u8('model'),
      language: r.u8('language'),
      name: decodeCp1251(cutAtNul(r.rest())),
    };
  },
};

/** The mode (low nibble of the mode byte) and submode values of 10h/11h (reference §1.6). */
export const MODE = {
  shiftOpen: 2,
  shiftExpired: 3,
  shiftClosed: 4,
  /** After 22h, until 23h confirms the date (javapos `checkEcrMode`). */
  awaitingDateConfirmation: 6,
  openDocument: 8,
} as const;
export const SUBMODE = { idle: 0, passiveOutOfPaper: 1, printingReports: 4, printing: 5 } as const;
