import { VAT_RATES, type VatRate } from '../../fiscal/vat.ts';
import { VAT22_MODE } from './tables.ts';

/**
 * VAT on the wire is a row of table 6 (research notes §7). What a row means is its position
 * (plain rate, calculated rate, 0 %, без НДС) and its value (table 6 field 1, in 0.01 %):
 * rows 1..6 are 20 %, 10 %, 0 %, без НДС, 20/120, 10/110 (the vendor's factory table), and
 * 2026 firmware adds row 11 = 22 % and row 12 = 22/122 (fr_drv_ng#328). Rows 7..10 exist on
 * 2026 firmware, but no public source says which rates they hold: they name no rate here.
 */
const ROW_KIND: Readonly<Record<number, 'plain' | 'calculated' | 'zero' | 'none'>> = {
  1: 'plain',
  2: 'plain',
  3: 'zero',
  4: 'none',
  5: 'calculated',
  6: 'calculated',
  11: 'plain',
  12: 'calculated',
};

/** The rate a table-6 row holds, from its position and its value; undefined when it names none the ФН knows. */
export function rateOfTaxRow(row: number, hundredths: number): VatRate | undefined {
  const kind = ROW_KIND[row];
  if (kind === 'zero') return '0';
  if (kind === 'none') return 'none';
  if (!kind || hundredths <= 0 || hundredths % 100 !== 0) return undefined;
  const p = hundredths / 100;
  const rate = kind === 'plain' ? String(p) : `${p}/${100 + p}`;
  return (VAT_RATES as readonly string[]).includes(rate) ? (rate as VatRate) : undefined;
}

/**
 * How FF46h carries the row. The vendor OPOS driver (`GetFSTaxBits`) and current javapos
 * (`getTaxBits`) send a bit mask, `1 << (row − 1)`, for rows 1..6; the Go driver and older
 * javapos send the row number itself (`index`). Rows 11 and 12 do not fit a one-byte mask; the
 * vendor says the host "passes 11" for 22 % (fr_drv_ng#328), so 11 and 12 are row numbers in
 * both modes (neither is a single bit, so a mask cannot be misread).
 */
export type TaxByteMode = 'mask' | 'index';

const ROWS_2026 = [11, 12];

export function taxRowOfByte(byte: number, mode: TaxByteMode = 'mask'): number | undefined {
  if (ROWS_2026.includes(byte)) return byte;
  if (mode === 'index') return byte >= 1 && byte <= 6 ? byte : undefined;
  if (byte === 0 || (byte & (byte - 1)) !== 0 || byte > 0x20) return undefined;
  return Math.log2(byte) + 1;
}

export function taxByteOfRow(row: number, mode: TaxByteMode = 'mask'): number {
  if (ROWS_2026.includes(row)) return row;
  if (row < 1 || row > 6) throw new RangeError(`table 6 row ${row} has no FF46h encoding`);
  return mode === 'mask' ? 1 << (row - 1) : row;
}

const CLASSIC_ROW: Partial<Record<VatRate, number>> = {
  '20': 1,
  '10': 2,
  '0': 3,
  none: 4,
  '20/120': 5,
  '10/110': 6,
};

/**
 * The table-6 row the host sends for `rate`, given the ККТ's table 17 field 71 (undefined: the
 * firmware has no such field, i.e. it predates 22 %) and the ККТ's year. Refuses what no source
 * lets a host encode: 5 %, 7 %, 5/105, 7/107 (rows 7..10 unpublished), 22/122 unless field 71
 * is 2 (whether mode 1 also turns row 5 into 22/122 is not confirmed), and in mode 1 from 2026
 * the 20 % rates (the ККТ would print 22 %).
 */
export function taxRowForRate(
  rate: VatRate,
  vat22Mode: number | undefined,
  year: number,
): { row: number } | { refused: string } {
  const substitutes = vat22Mode === VAT22_MODE.substitute && year >= 2026;
  if (rate === '22') {
    if (vat22Mode === VAT22_MODE.explicit) return { row: 11 };
    if (substitutes) return { row: 1 };
    return {
      refused:
        vat22Mode === undefined
          ? 'VAT 22 %: the ККТ has no table 17 field 71 (firmware before 2026), so it cannot print 22 %'
          : `VAT 22 %: table 17 field 71 is ${vat22Mode} and the ККТ's date is before 2026, so it would print 20 %`,
    };
  }
  if (rate === '22/122') {
    if (vat22Mode === VAT22_MODE.explicit) return { row: 12 };
    return { refused: 'VAT 22/122: only with table 17 field 71 = 2 (row 12); no source says how else to send it' };
  }
  const row = CLASSIC_ROW[rate];
  if (row === undefined)
    return {
      refused: `VAT ${rate}: no public Shtrih-M source gives its table 6 row or its FF46h encoding, so the driver does not send it`,
    };
  if (substitutes && (row === 1 || row === 5))
    return { refused: `VAT ${rate}: with table 17 field 71 = 1 the ККТ prints 22 % for it from 2026` };
  return { row };
}

/** Table 17 field 71 = 1 from 2026: the ККТ prints 22 % (22/122, inferred) where the host sent row 1 (5). */
export function substitutedRate(rate: VatRate, vat22Mode: number, at: { year: number }): VatRate {
  if (vat22Mode !== VAT22_MODE.substitute || at.year < 2026) return rate;
  if (rate === '20') return '22';
  if (rate === '20/120') return '22/122';
  return rate;
}
