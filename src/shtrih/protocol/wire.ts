/**
 * Little-endian field readers and writers for command data. Every multi-byte number on the
 * Shtrih-M wire is little-endian (S1 "Data Format", S3 "Формат передачи значений"); money is
 * kopecks in 5 bytes, FF46h quantities are millionths in 6 bytes. Numbers stay below 2^53, so
 * plain JS numbers hold every field exactly.
 */

export class WireFormatError extends Error {
  override readonly name = 'WireFormatError';
  readonly code = 'WIRE_FORMAT';
}

export interface LocalDate {
  year: number;
  month: number;
  day: number;
}
export interface LocalTime {
  hour: number;
  minute: number;
  second: number;
}
/** FN DATE_TIME: 5 bytes YY MM DD HH MM, local time of the ККТ. */
export interface FnDateTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
}

function checkUint(value: number, bytes: number, what: string): void {
  if (!Number.isSafeInteger(value) || value < 0 || value >= 2 ** (8 * bytes))
    throw new WireFormatError(`${what} ${value} does not fit ${bytes} unsigned bytes`);
}

export class WireWriter {
  private readonly parts: Buffer[] = [];

  u8(v: number, what = 'byte'): this {
    checkUint(v, 1, what);
    this.parts.push(Buffer.from([v]));
    return this;
  }

  u16(v: number, what = 'uint16'): this {
    return this.uint(v, 2, what);
  }

  u32(v: number, what = 'uint32'): this {
    return this.uint(v, 4, what);
  }

  /** Unsigned little-endian integer of `bytes` bytes (up to 6). */
  uint(v: number, bytes: number, what = 'number'): this {
    checkUint(v, bytes, what);
    const b = Buffer.alloc(bytes);
    b.writeUIntLE(v, 0, bytes);
    this.parts.push(b);
    return this;
  }

  i16(v: number, what = 'int16'): this {
    if (!Number.isInteger(v) || v < -0x8000 || v > 0x7fff) throw new WireFormatError(`${what} ${v} out of range`);
    const b = Buffer.alloc(2);
    b.writeInt16LE(v);
    this.parts.push(b);
    return this;
  }

  /** 5-byte money in kopecks. */
  money(v: number, what = 'amount'): this {
    return this.uint(v, 5, what);
  }

  /** 5 bytes, or FF×5 for "not given". */
  optionalMoney(v: number | null, what = 'amount'): this {
    if (v === null) return this.bytes(Buffer.alloc(5, 0xff));
    if (v === 0xff_ff_ff_ff_ff) throw new WireFormatError(`${what} FFFFFFFFFF is reserved for "not given"`);
    return this.money(v, what);
  }

  bytes(b: Uint8Array): this {
    this.parts.push(Buffer.from(b));
    return this;
  }

  /** Exactly `size` bytes: the value, then zero padding. */
  fixed(b: Uint8Array, size: number, what = 'field', pad = 0): this {
    if (b.length > size) throw new WireFormatError(`${what} is ${b.length} bytes, at most ${size} fit`);
    const out = Buffer.alloc(size, pad);
    out.set(b);
    this.parts.push(out);
    return this;
  }

  /** Legacy date DD MM YY. */
  date(d: LocalDate): this {
    return this.u8(d.day, 'day')
      .u8(d.month, 'month')
      .u8(d.year - 2000, 'year');
  }

  /** Legacy time HH MM SS. */
  time(t: LocalTime): this {
    return this.u8(t.hour, 'hour').u8(t.minute, 'minute').u8(t.second, 'second');
  }

  /** FN date YY MM DD. */
  fnDate(d: LocalDate): this {
    return this.u8(d.year - 2000, 'year')
      .u8(d.month, 'month')
      .u8(d.day, 'day');
  }

  /** FN DATE_TIME YY MM DD HH MM. */
  fnDateTime(d: FnDateTime): this {
    return this.fnDate(d).u8(d.hour, 'hour').u8(d.minute, 'minute');
  }

  toBuffer(): Buffer {
    return Buffer.concat(this.parts);
  }
}

export class WireReader {
  private offset = 0;

  constructor(
    private readonly buf: Buffer,
    private readonly what = 'data',
  ) {}

  get remaining(): number {
    return this.buf.length - this.offset;
  }

  private take(n: number, field: string): Buffer {
    if (this.offset + n > this.buf.length)
      throw new WireFormatError(
        `${this.what}: ${field} needs ${n} bytes at offset ${this.offset}, ${this.remaining} left`,
      );
    const out = this.buf.subarray(this.offset, this.offset + n);
    this.offset += n;
    return out;
  }

  u8(field = 'byte'): number {
    return this.take(1, field)[0] as number;
  }

  u16(field = 'uint16'): number {
    return this.uint(2, field);
  }

  u32(field = 'uint32'): number {
    return this.uint(4, field);
  }

  uint(bytes: number, field = 'number'): number {
    return this.take(bytes, field).readUIntLE(0, bytes);
  }

  i16(field = 'int16'): number {
    return this.take(2, field).readInt16LE(0);
  }

  money(field = 'amount'): number {
    return this.uint(5, field);
  }

  optionalMoney(field = 'amount'): number | null {
    const b = this.take(5, field);
    return b.every((x) => x === 0xff) ? null : b.readUIntLE(0, 5);
  }

  bytes(n: number, field = 'bytes'): Buffer {
    return this.take(n, field);
  }

  /** Everything that is left (variable-length text at the end of a command). */
  rest(): Buffer {
    return this.take(this.remaining, 'rest');
  }

  date(): LocalDate {
    const day = this.u8('day');
    const month = this.u8('month');
    return { year: 2000 + this.u8('year'), month, day };
  }

  time(): LocalTime {
    return { hour: this.u8('hour'), minute: this.u8('minute'), second: this.u8('second') };
  }

  fnDate(): LocalDate {
    const year = 2000 + this.u8('year');
    return { year, month: this.u8('month'), day: this.u8('day') };
  }

  fnDateTime(): FnDateTime {
    const d = this.fnDate();
    return { ...d, hour: this.u8('hour'), minute: this.u8('minute') };
  }
}
