import { describe, expect, it } from 'vitest';
import type { Operation } from '../../src/fiscal/codes.ts';
import { receiptQrString } from '../../src/fiscal/qr.ts';
import { KNOWN_INSTANT, knownReceipt } from './fixtures.ts';

describe('receiptQrString', () => {
  it('renders the API.md example exactly', () => {
    expect(receiptQrString(knownReceipt(), 'Europe/Moscow')).toBe(
      't=20261125T1405&s=200.00&fn=9999078900000001&i=3&fp=123456789&n=1',
    );
  });

  it.each([
    ['sale', 1],
    ['refund', 2],
    ['purchase', 3],
    ['purchase_refund', 4],
  ] as [Operation, number][])('writes %s as n=%d', (operation, n) => {
    expect(receiptQrString({ ...knownReceipt(), operation }, 'Europe/Moscow')).toBe(
      `t=20261125T1405&s=200.00&fn=9999078900000001&i=3&fp=123456789&n=${n}`,
    );
  });

  it('writes the total with two decimals and the document number and ФПД as plain decimals', () => {
    const doc = { ...knownReceipt(), total: 128_521, number: 30_526, fiscalSign: '1168453787' };
    expect(receiptQrString(doc, 'Europe/Moscow')).toBe(
      't=20261125T1405&s=1285.21&fn=9999078900000001&i=30526&fp=1168453787&n=1',
    );
    expect(receiptQrString({ ...knownReceipt(), total: 5, fiscalSign: '0000000000' }, 'Europe/Moscow')).toBe(
      't=20261125T1405&s=0.05&fn=9999078900000001&i=3&fp=0&n=1',
    );
    expect(receiptQrString({ ...knownReceipt(), total: 20_050, fiscalSign: '4294967295' }, 'Europe/Moscow')).toBe(
      't=20261125T1405&s=200.50&fn=9999078900000001&i=3&fp=4294967295&n=1',
    );
  });

  it('uses the local time of the ККТ, to the minute', () => {
    const at = (dateTime: number, tz: string) => receiptQrString({ ...knownReceipt(), dateTime }, tz).slice(0, 15);
    expect(at(KNOWN_INSTANT + 59_999, 'Europe/Moscow')).toBe('t=20261125T1405');
    expect(at(KNOWN_INSTANT, 'Europe/Berlin')).toBe('t=20261125T1205');
    expect(at(KNOWN_INSTANT, 'Asia/Vladivostok')).toBe('t=20261125T2105');
    expect(at(KNOWN_INSTANT, 'America/New_York')).toBe('t=20261125T0605');
    // 21:00 UTC on New Year's Eve is already the next day (and year) in Moscow, at 00, not 24
    expect(at(Date.UTC(2026, 11, 31, 21, 0), 'Europe/Moscow')).toBe('t=20270101T0000');
  });
});
