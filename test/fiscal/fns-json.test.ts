import { describe, expect, it } from 'vitest';
import type {
  ReceiptDocument,
  RegistrationDocument,
  ShiftCloseDocument,
  ShiftOpenDocument,
} from '../../src/fiscal/document.ts';
import { emptyShiftTotals } from '../../src/fiscal/fn-core.ts';
import { countersJson, padInn, padRegNumber, toFnsJson } from '../../src/fiscal/fns-json.ts';
import type { VatRate } from '../../src/fiscal/vat.ts';
import { FN_NUMBER, KKT_REG_NUMBER, KNOWN_INSTANT, knownReceipt, USER_INN } from './fixtures.ts';

const header = {
  fnNumber: FN_NUMBER,
  kktRegNumber: KKT_REG_NUMBER,
  userInn: USER_INN,
};

const common = {
  fiscalDocumentFormatVer: 4,
  userInn: '7700000009  ',
  kktRegId: '0000000001012345    ',
  fiscalDriveNumber: '9999078900000001',
};

describe('padding', () => {
  it('pads INNs to 12 and the registration number to 20 characters with spaces', () => {
    expect(padInn('7700000009')).toBe('7700000009  ');
    expect(padInn('772210689013')).toBe('772210689013');
    expect(padRegNumber('0007795807005569')).toBe('0007795807005569    ');
  });
});

describe('toFnsJson: receipt', () => {
  it('renders the API.md example in FNS field names', () => {
    expect(toFnsJson(knownReceipt(), 'Europe/Moscow')).toStrictEqual({
      code: 3,
      ...common,
      dateTime: '2026-11-25T14:05:00',
      fiscalDocumentNumber: 3,
      fiscalSign: 123_456_789,
      requestNumber: 1,
      shiftNumber: 1,
      operationType: 1,
      appliedTaxationType: 1,
      totalSum: 20_000,
      cashTotalSum: 20_000,
      ecashTotalSum: 0,
      prepaidSum: 0,
      creditSum: 0,
      provisionSum: 0,
      items: [
        {
          name: 'Lens',
          price: 10_000,
          quantity: 2,
          sum: 20_000,
          nds: 11,
          ndsSum: 3_607,
          paymentType: 4,
          productType: 1,
          itemsQuantityMeasure: 0,
        },
      ],
      buyerPhoneOrAddress: '+79161234567',
      operator: 'Иванов И.И.',
    });
  });

  it('keeps cash net of change, sums receipt-level VAT tags that exist, and codes every field', () => {
    const lines: [string, number, number, number, VatRate, number][] = [
      // name, price, quantity, sum, rate, VAT
      ['A', 11_000, 1_000, 11_000, '10', 1_000],
      ['B', 1_100, 2_000, 2_200, '10', 200],
      ['C', 1_200, 1_000, 1_200, '20/120', 200],
      ['D', 500, 1_000, 500, '0', 0],
      ['E', 300, 1_000, 300, 'none', 0],
      ['F', 12_200, 1_000, 12_200, '22', 2_200],
      ['G', 2_400, 500, 1_200, '20', 200],
      ['H', 1_100, 1_000, 1_100, '10/110', 100],
      ['I', 10_500, 1_000, 10_500, '5', 500],
    ];
    const items: ReceiptDocument['items'] = lines.map(([name, price, quantity, sum, vatRate, vatSum]) => ({
      name,
      price,
      quantityMicro: quantity * 1000,
      sum,
      vatRate,
      vatSum,
      paymentMethod: 'prepayment',
      paymentObject: 'service',
    }));
    const total = items.reduce((s, it) => s + it.sum, 0); // 40200
    const doc: ReceiptDocument = {
      ...knownReceipt(),
      operation: 'refund',
      taxation: 'usn_income_outcome',
      items,
      // 200.00 card + 50.00 prepaid + 10.00 credit + 5.00 other + 200.00 cash for 402.00 → 63.00 change
      payments: { cash: 20_000, card: 20_000, prepaid: 5_000, credit: 1_000, other: 500 },
      total,
      change: 6_300,
      vatTotals: {},
      receiptNumber: 7,
      shiftNumber: 12,
      number: 99,
    };
    delete doc.cashier;
    delete doc.customerContact;
    const json = toFnsJson(doc, 'Europe/Moscow');
    expect(json).toMatchObject({
      code: 3,
      fiscalDocumentNumber: 99,
      requestNumber: 7,
      shiftNumber: 12,
      operationType: 2,
      appliedTaxationType: 4,
      totalSum: 40_200,
      cashTotalSum: 13_700,
      ecashTotalSum: 20_000,
      prepaidSum: 5_000,
      creditSum: 1_000,
      provisionSum: 500,
      nds10: 1_200,
      ndsCalculated18: 200,
      nds0: 500,
      ndsNo: 300,
      nds18: 200,
      ndsCalculated10: 100,
    });
    // the FFD has no receipt-level tag for 5 %, 7 % and 22 % yet: those stay on the items only
    expect(
      Object.keys(json)
        .filter((k) => k.startsWith('nds'))
        .sort(),
    ).toEqual(['nds0', 'nds10', 'nds18', 'ndsCalculated10', 'ndsCalculated18', 'ndsNo'].sort());
    // payments add up to the total once change is taken off
    const paid = ['cashTotalSum', 'ecashTotalSum', 'prepaidSum', 'creditSum', 'provisionSum'].map((k) => json[k]);
    expect((paid as number[]).reduce((a, b) => a + b, 0)).toBe(json.totalSum);
    expect((json.items as { nds: number }[]).map((it) => it.nds)).toEqual([2, 2, 3, 5, 6, 11, 1, 4, 7]);
    expect((json.items as { quantity: number }[]).map((it) => it.quantity)).toEqual([1, 2, 1, 1, 1, 1, 0.5, 1, 1]);
    expect(json.items).toContainEqual({
      name: 'I',
      price: 10_500,
      quantity: 1,
      sum: 10_500,
      nds: 7,
      ndsSum: 500,
      paymentType: 2,
      productType: 4,
      itemsQuantityMeasure: 0,
    });
    expect(json).not.toHaveProperty('operator');
    expect(json).not.toHaveProperty('buyerPhoneOrAddress');
  });

  it('writes dateTime in the ККТ timezone, without offset', () => {
    expect(toFnsJson(knownReceipt(), 'Europe/Berlin').dateTime).toBe('2026-11-25T12:05:00');
    expect(toFnsJson(knownReceipt(), 'Asia/Kamchatka').dateTime).toBe('2026-11-25T23:05:00');
  });

  it('writes the ФПД as a number and survives JSON', () => {
    const json = toFnsJson({ ...knownReceipt(), fiscalSign: '0000000042' }, 'Europe/Moscow');
    expect(json.fiscalSign).toBe(42);
    expect(JSON.parse(JSON.stringify(json))).toStrictEqual(json);
  });
});

describe('toFnsJson: reports', () => {
  it('registration (code 1)', () => {
    const doc: RegistrationDocument = {
      kind: 'registration',
      number: 1,
      dateTime: KNOWN_INSTANT,
      ...header,
      fiscalSign: '2853205313',
      userName: 'ООО "Ромашка"',
      address: 'г. Москва, ул. Тверская, д. 1',
      taxation: 'usn_income',
      ofdName: 'ООО "Тестовый ОФД"',
      ofdInn: '7700000016',
      kktSerial: '00000000381001',
      ffdVersion: '1.2',
    };
    expect(toFnsJson(doc, 'Europe/Moscow')).toStrictEqual({
      code: 1,
      ...common,
      dateTime: '2026-11-25T14:05:00',
      fiscalDocumentNumber: 1,
      fiscalSign: 2_853_205_313,
      user: 'ООО "Ромашка"',
      retailPlaceAddress: 'г. Москва, ул. Тверская, д. 1',
      // 1062 of a registration is `taxationType`, the receipt's 1055 is `appliedTaxationType`;
      // a document without a 1062 list registered its default taxation only.
      taxationType: 2,
      ofdInn: '7700000016  ',
      ofdName: 'ООО "Тестовый ОФД"',
      kktNumber: '00000000381001',
    });
  });

  it('shift open (code 2)', () => {
    const doc: ShiftOpenDocument = {
      kind: 'shiftOpen',
      number: 2,
      dateTime: KNOWN_INSTANT,
      ...header,
      fiscalSign: '0000000001',
      shiftNumber: 1,
      cashier: 'Иванов И.И.',
    };
    expect(toFnsJson(doc, 'Europe/Moscow')).toStrictEqual({
      code: 2,
      ...common,
      dateTime: '2026-11-25T14:05:00',
      fiscalDocumentNumber: 2,
      fiscalSign: 1,
      shiftNumber: 1,
      operator: 'Иванов И.И.',
    });
    const { cashier: _, ...anonymous } = doc;
    expect(toFnsJson(anonymous, 'Europe/Moscow')).not.toHaveProperty('operator');
  });

  it('shift close (code 5)', () => {
    const doc: ShiftCloseDocument = {
      kind: 'shiftClose',
      number: 10,
      dateTime: KNOWN_INSTANT,
      ...header,
      fiscalSign: '1234567890',
      shiftNumber: 1,
      receiptsCount: 7,
      documentsCount: 9,
      totals: emptyShiftTotals(),
      unsentCount: 4,
      firstUnsentNumber: 6,
      firstUnsentAt: Date.UTC(2026, 10, 25, 9, 30),
    };
    expect(toFnsJson(doc, 'Europe/Moscow')).toStrictEqual({
      code: 5,
      ...common,
      dateTime: '2026-11-25T14:05:00',
      fiscalDocumentNumber: 10,
      fiscalSign: 1_234_567_890,
      shiftNumber: 1,
      receiptsQuantity: 7,
      documentsQuantity: 9,
      notTransmittedDocumentsQuantity: 4,
      notTransmittedDocumentsDateTime: '2026-11-25T12:30:00',
      notTransmittedDocumentNumber: 6,
      // a 0.1 document: receipt totals only, so the correction counters are zero
      shiftSumReports: countersJson({ receipts: emptyShiftTotals(), corrections: emptyShiftTotals() }),
    });
    const allSent = toFnsJson(
      { ...doc, unsentCount: 0, firstUnsentNumber: null, firstUnsentAt: null, cashier: 'Петров' },
      'Europe/Moscow',
    );
    expect(allSent).toMatchObject({ notTransmittedDocumentsQuantity: 0, notTransmittedDocumentsDateTime: null });
    expect(allSent.operator).toBe('Петров');
  });
});
