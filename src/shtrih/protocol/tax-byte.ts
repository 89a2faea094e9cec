import { VAT_TAG_1199, type VatRate } from '../../fiscal/vat.ts';

/**
 * The FF46h tax-rate byte. No vendor document fixes its encoding (reference shtrih-m.md §1.7):
 * the vendor OPOS driver sends a bit mask (1 << (tax number − 1)), javapos and the Go driver
 * send the tax number itself. Tax numbers 1..6 are the pre-2026 table: 20 %, 10 %, 0 %, без НДС,
 * 20/120, 10/110. The 2026 rates (5 %, 7 %, 5/105, 7/107, 22 %, 22/122) have no public
 * encoding yet; kkt-emu sends and accepts `0x40 | tag-1199 code` for them (a kkt-emu extension;
 * 0x40 plus anything is never a single-bit mask nor a tax number, so it cannot be misread).
 */
export type TaxByteMode = 'mask' | 'index';

export const TAX_TABLE: readonly VatRate[] = ['20', '10', '0', 'none', '20/120', '10/110'];
export const TAX_EXTENSION = 0x40;

const RATE_BY_1199 = new Map(Object.entries(VAT_TAG_1199).map(([rate, code]) => [code, rate as VatRate]));

export function encodeTaxByte(rate: VatRate, mode: TaxByteMode = 'mask'): number {
  const n = TAX_TABLE.indexOf(rate);
  if (n === -1) return TAX_EXTENSION | VAT_TAG_1199[rate];
  return mode === 'mask' ? 1 << n : n + 1;
}

export function decodeTaxByte(byte: number, mode: TaxByteMode = 'mask'): VatRate | undefined {
  if ((byte & 0xc0) === TAX_EXTENSION) return RATE_BY_1199.get(byte & 0x3f);
  if (mode === 'index') return TAX_TABLE[byte - 1];
  if (byte === 0 || (byte & (byte - 1)) !== 0 || byte > 0x20) return undefined;
  return TAX_TABLE[Math.log2(byte)];
}

/** 80h–85h tax groups 1..4 of the same table; 0 = no tax (без НДС). Only the first group set counts. */
export function legacyTaxRate(taxes: readonly number[]): VatRate | undefined {
  const group = taxes.find((t) => t !== 0);
  if (group === undefined) return 'none';
  return group >= 1 && group <= 4 ? TAX_TABLE[group - 1] : undefined;
}
