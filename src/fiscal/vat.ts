import { divRoundHalfUp, type Kopecks } from './money.ts';

export const VAT_RATES = [
  'none',
  '0',
  '5',
  '7',
  '10',
  '20',
  '22',
  '5/105',
  '7/107',
  '10/110',
  '20/120',
  '22/122',
] as const;
export type VatRate = (typeof VAT_RATES)[number];

/** Tag 1199 codes (FFD table 8, incl. Приказ ЕД-7-20/1050@: 11 = 22 %, 12 = 22/122). */
export const VAT_TAG_1199: Record<VatRate, number> = {
  '20': 1,
  '10': 2,
  '20/120': 3,
  '10/110': 4,
  '0': 5,
  none: 6,
  '5': 7,
  '7': 8,
  '5/105': 9,
  '7/107': 10,
  '22': 11,
  '22/122': 12,
};

const PERCENT: Record<VatRate, number> = {
  none: 0,
  '0': 0,
  '5': 5,
  '7': 7,
  '10': 10,
  '20': 20,
  '22': 22,
  '5/105': 5,
  '7/107': 7,
  '10/110': 10,
  '20/120': 20,
  '22/122': 22,
};

export function vatPercent(rate: VatRate): number {
  return PERCENT[rate];
}

/** Accepts `22`, `"22"`, `"22/122"`, `"none"`; anything else is not a rate. */
export function parseVatRate(value: unknown): VatRate | undefined {
  const text = typeof value === 'number' && Number.isFinite(value) ? String(value) : value;
  if (typeof text !== 'string') return undefined;
  return (VAT_RATES as readonly string[]).includes(text) ? (text as VatRate) : undefined;
}

/**
 * VAT contained in a gross amount (tag 1200). Russian retail prices include VAT, so both the
 * plain and the calculated rate give sum × p / (100 + p), rounded half-up to the kopeck.
 */
export function vatAmount(sum: Kopecks, rate: VatRate): Kopecks {
  const p = PERCENT[rate];
  if (p === 0) return 0;
  return Number(divRoundHalfUp(BigInt(sum) * BigInt(p), BigInt(100 + p)));
}

/** The general rate was 20 % until 2025; from 2026 it is 22 % (425-ФЗ). */
export function isLegacyGeneralRate(rate: VatRate): boolean {
  return rate === '20' || rate === '20/120';
}
