import { cutAtNul, decodeCp1251, encodeCp1251 } from '../text.ts';
import { WireFormatError, WireReader, WireWriter } from '../wire.ts';
import { type CommandCodec, emptyAnswer } from './codec.ts';

/**
 * The settings tables (research notes §2.1; javapos `ReadTableInfo`/`ReadFieldInfo`, pyshtrih
 * `'121'` = `<BHB` packing, the vendor text quoted in a Python-2 client's docstrings):
 * 1Eh write, 1Fh read, 2Dh table structure, 2Eh field structure. Values travel as raw bytes:
 * their meaning (BIN little-endian or CP1251 text) is the field's type, which 2Eh tells.
 */

/** Table and field names in 2Dh/2Eh: 40 bytes CP1251, zero-padded. */
export const TABLE_NAME_BYTES = 40;
/** 1Eh: "Значение (X байт) до 40 байт" in the old text; today's CHAR fields hold up to 128. */
export const MAX_TABLE_VALUE_BYTES = 246;

export const FIELD_TYPE = { bin: 0, char: 1 } as const;

export interface TableCell {
  password: number;
  table: number;
  row: number;
  field: number;
}

export interface WriteTable extends TableCell {
  value: Buffer;
}

export interface TableValue {
  value: Buffer;
}

const writeCell = (q: TableCell) =>
  new WireWriter().u32(q.password, 'password').u8(q.table, 'table').u16(q.row, 'row').u8(q.field, 'field');

const readCell = (r: WireReader): TableCell => ({
  password: r.u32('password'),
  table: r.u8('table'),
  row: r.u16('row'),
  field: r.u8('field'),
});

const name40 = (w: WireWriter, name: string) => w.fixed(encodeCp1251(name), TABLE_NAME_BYTES, 'name');
const readName40 = (r: WireReader) => decodeCp1251(cutAtNul(r.bytes(TABLE_NAME_BYTES, 'name')));

export const writeTable: CommandCodec<WriteTable, Record<string, never>> = {
  code: 0x1e,
  name: 'Write table',
  encodeRequest: (q) => {
    if (q.value.length > MAX_TABLE_VALUE_BYTES)
      throw new WireFormatError(`a table value of ${q.value.length} bytes does not fit one frame`);
    return writeCell(q).bytes(q.value).toBuffer();
  },
  decodeRequest: (data) => {
    const r = new WireReader(data, '1Eh request');
    return { ...readCell(r), value: Buffer.from(r.rest()) };
  },
  ...emptyAnswer,
};

export const readTable: CommandCodec<TableCell, TableValue> = {
  code: 0x1f,
  name: 'Read table',
  encodeRequest: (q) => writeCell(q).toBuffer(),
  decodeRequest: (data) => readCell(new WireReader(data, '1Fh request')),
  encodeAnswer: (a) => Buffer.from(a.value),
  decodeAnswer: (data) => ({ value: Buffer.from(data) }),
};

export interface TableInfoRequest {
  password: number;
  table: number;
}

export interface TableInfo {
  name: string;
  rows: number;
  fields: number;
}

export const tableInfo: CommandCodec<TableInfoRequest, TableInfo> = {
  code: 0x2d,
  name: 'Table structure',
  encodeRequest: (q) => new WireWriter().u32(q.password, 'password').u8(q.table, 'table').toBuffer(),
  decodeRequest: (data) => {
    const r = new WireReader(data, '2Dh request');
    return { password: r.u32('password'), table: r.u8('table') };
  },
  encodeAnswer: (a) => name40(new WireWriter(), a.name).u16(a.rows, 'rows').u8(a.fields, 'fields').toBuffer(),
  decodeAnswer: (data) => {
    const r = new WireReader(data, '2Dh answer');
    return { name: readName40(r), rows: r.u16('rows'), fields: r.u8('fields') };
  },
};

export interface FieldInfoRequest {
  password: number;
  table: number;
  field: number;
}

/** 2Eh answer: min and max (`size` bytes each) follow only for BIN fields. */
export type FieldInfo =
  | { name: string; type: 0; size: number; min: number; max: number }
  | { name: string; type: 1; size: number };

export const fieldInfo: CommandCodec<FieldInfoRequest, FieldInfo> = {
  code: 0x2e,
  name: 'Field structure',
  encodeRequest: (q) =>
    new WireWriter().u32(q.password, 'password').u8(q.table, 'table').u8(q.field, 'field').toBuffer(),
  decodeRequest: (data) => {
    const r = new WireReader(data, '2Eh request');
    return { password: r.u32('password'), table: r.u8('table'), field: r.u8('field') };
  },
  encodeAnswer: (a) => {
    const w = name40(new WireWriter(), a.name).u8(a.type, 'type').u8(a.size, 'size');
    if (a.type === FIELD_TYPE.bin) w.uint(a.min, a.size, 'min').uint(a.max, a.size, 'max');
    return w.toBuffer();
  },
  decodeAnswer: (data) => {
    const r = new WireReader(data, '2Eh answer');
    const name = readName40(r);
    const type = r.u8('type');
    const size = r.u8('size');
    if (type === FIELD_TYPE.char) return { name, type, size };
    if (type !== FIELD_TYPE.bin) throw new WireFormatError(`2Eh: field type ${type} is neither BIN nor CHAR`);
    if (size > 6) throw new WireFormatError(`2Eh: a BIN field of ${size} bytes`);
    return { name, type, size, min: r.uint(size, 'min'), max: r.uint(size, 'max') };
  },
};
