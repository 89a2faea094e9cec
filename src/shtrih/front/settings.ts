import type { CellStore } from '../../io/sqlite/settings-store.ts';
import type { FieldInfo, TableInfo } from '../protocol/commands/index.ts';
import { FIELD_TYPE } from '../protocol/commands/index.ts';
import { E, refuse } from '../protocol/errors.ts';
import {
  type FieldSpec,
  type FieldValue,
  fieldBytes,
  fieldSpec,
  fieldValue,
  normalizeWrite,
  TABLES,
} from '../protocol/tables.ts';

/** Values the device writes itself (ФН data in table 18, the ОФД queue in table 20). */
export type LiveValues = (table: number, row: number, field: number) => FieldValue | undefined;

/**
 * The emulated ККТ's settings tables: the vendor's structure (protocol/tables.ts), the values
 * hosts wrote (kept in a CellStore, on disk beside the ФН archive), the factory values for the
 * rest, and device-derived values for the read-only fields. Refusal codes (notes §2.1, texts
 * from the vendor's error tables; which condition gets which code is kkt-emu's inference):
 * 5Dh table not defined, 33h row or field out of range or a value out of its range, 7Ah field
 * not editable.
 */
export class DeviceSettings {
  constructor(
    private readonly store: CellStore,
    private readonly live: LiveValues = () => undefined,
  ) {}

  tableInfo(table: number): TableInfo {
    const spec = TABLES.get(table);
    if (!spec) refuse(E.tableUndefined, `table ${table} is not defined`);
    return { name: spec.name, rows: spec.rows, fields: spec.fields.length };
  }

  fieldInfo(table: number, field: number): FieldInfo {
    const f = this.spec(table, 1, field);
    return f.type === FIELD_TYPE.bin
      ? { name: f.name, type: FIELD_TYPE.bin, size: f.size, min: f.min, max: f.max }
      : { name: f.name, type: FIELD_TYPE.char, size: f.size };
  }

  /** 1Fh: the value at the field's size. */
  read(table: number, row: number, field: number): Buffer {
    const f = this.spec(table, row, field);
    const live = this.live(table, row, field);
    if (live !== undefined) return fieldBytes(f, live);
    return this.store.get(table, row, field) ?? fieldBytes(f, f.initial(row));
  }

  value(table: number, row: number, field: number): FieldValue {
    return fieldValue(this.spec(table, row, field), this.read(table, row, field));
  }

  number(table: number, row: number, field: number): number {
    return Number(this.value(table, row, field));
  }

  /** 1Eh. */
  write(table: number, row: number, field: number, raw: Buffer): void {
    const f = this.spec(table, row, field);
    if (f.readOnly) refuse(E.fieldReadOnly, `table ${table} field ${field} is written by the device`);
    const v = normalizeWrite(f, raw);
    if ('refused' in v) refuse(E.badParameters, `table ${table} row ${row} field ${field}: ${v.refused}`);
    this.store.set(table, row, field, v.ok);
  }

  close(): void {
    this.store.close();
  }

  private spec(table: number, row: number, field: number): FieldSpec {
    const t = TABLES.get(table);
    if (!t) refuse(E.tableUndefined, `table ${table} is not defined`);
    if (row < 1 || row > t.rows) refuse(E.badParameters, `table ${table} has rows 1..${t.rows}`);
    const f = fieldSpec(table, field);
    if (!f) refuse(E.badParameters, `table ${table} has fields 1..${t.fields.length}`);
    return f;
  }
}
