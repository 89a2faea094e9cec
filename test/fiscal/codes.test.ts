import { describe, expect, it } from 'vitest';
import { PAYMENT_OBJECTS } from '../../src/fiscal/codes.ts';
import { toFnsJson } from '../../src/fiscal/fns-json.ts';
import { knownReceipt } from './fixtures.ts';

/**
 * Tag 1212, the FFD 1.2 marking codes. Sources (docs/fiscal.md "Tag 1212"): KKTServiceLib
 * `KKTServiceLib.Atol/Types/Enums/PaymentObjectType.cs` — ExciseWithoutMarking = 30 "Подакцизный
 * товар, подлежащий маркировке (без КМ)", ExciseWithMarking = 31 "(с КМ)", CommodityWithoutMarking
 * = 32 "Товар, подлежащий маркировке (без КМ)", CommodityWithMarking = 33 "(с КМ)"; the ATOL
 * Online v5 clients list the same order as АТНМ, АТМ, ТНМ, ТМ. A review found 30/31 and 32/33
 * swapped here; this pins them.
 */
describe('tag 1212 marking codes', () => {
  it('30 АТНМ, 31 АТМ, 32 ТНМ, 33 ТМ', () => {
    expect(PAYMENT_OBJECTS.excise_without_marking).toBe(30);
    expect(PAYMENT_OBJECTS.excise_with_marking).toBe(31);
    expect(PAYMENT_OBJECTS.commodity_without_marking).toBe(32);
    expect(PAYMENT_OBJECTS.commodity_with_marking).toBe(33);
  });

  it('the FNS JSON carries the code of the marking meaning (productType)', () => {
    const doc = knownReceipt();
    const items = doc.items.map((it) => ({ ...it, paymentObject: 'commodity_with_marking' as const }));
    const json = toFnsJson({ ...doc, items }, 'Europe/Moscow') as { items: { productType: number }[] };
    expect(json.items.map((it) => it.productType)).toEqual(items.map(() => 33));
  });

  it('every code is used once', () => {
    const codes = Object.values(PAYMENT_OBJECTS);
    expect(new Set(codes).size).toBe(codes.length);
  });
});
