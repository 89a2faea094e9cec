import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { FnIdentity } from '../../src/fiscal/document.ts';
import { applyOperation, register } from '../../src/fiscal/fn-core.ts';
import { type OfdPayload, toOfdPayload } from '../../src/fiscal/ofd-payload.ts';
import { checkOfdPayload, expectedQr } from '../../src/mocks/ofd-check.ts';
import { identity, REGISTERED_AT } from '../fiscal/fixtures.ts';
import { type ReceiptSpec, receiptInput } from '../helpers/kkt-fixtures.ts';
import { FnSim, payloadOf } from './ofd-fixtures.ts';

const QR_KEYS = ['t', 's', 'fn', 'i', 'fp', 'n'] as const;
type QrKey = (typeof QR_KEYS)[number];

const specArb: fc.Arbitrary<ReceiptSpec> = fc.record({
  operation: fc.constantFrom('sale', 'refund', 'purchase', 'purchase_refund'),
  items: fc.array(
    fc.record({
      price: fc.integer({ min: 1, max: 5_000_000 }),
      quantity: fc.integer({ min: 1, max: 20 }),
      vat: fc.constantFrom('none', '0', '10', '22', '22/122'),
    }),
    { minLength: 1, maxLength: 4 },
  ),
  card: fc.integer({ min: 0, max: 10_000_000 }),
  change: fc.integer({ min: 0, max: 10_000 }),
});

/** Identity, clock and drive position vary, so QR times, numbers and signs cover their range. */
const receiptPayloadArb: fc.Arbitrary<OfdPayload> = fc
  .record({
    spec: specArb,
    fnTail: fc.integer({ min: 0, max: 999_999_999_999 }),
    timezone: fc.constantFrom('Europe/Moscow', 'Asia/Vladivostok', 'Europe/Kaliningrad', 'UTC', 'America/New_York'),
    secret: fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => Buffer.from(b).toString('hex')),
    lastDocNumber: fc.integer({ min: 1, max: 200_000 }),
    minutesLater: fc.integer({ min: 1, max: 400 * 24 * 60 }),
  })
  .map(({ spec, fnTail, timezone, secret, lastDocNumber, minutesLater }) => {
    const id: FnIdentity = identity({ fnNumber: `9999${String(fnTail).padStart(12, '0')}`, timezone });
    const registered = register(id, secret);
    const now = REGISTERED_AT + minutesLater * 60_000;
    // The drive has already written `lastDocNumber` documents, all confirmed by the ОФД.
    const state = { ...registered.state, lastDocNumber, lastDocAt: REGISTERED_AT, unsentCount: 0 };
    const step = applyOperation(
      { ...state, firstUnsentAt: null, firstUnsentNumber: null },
      id,
      secret,
      { kind: 'receipt', receipt: receiptInput(spec), autoOpenShift: true },
      now,
    );
    const receipt = step.documents.at(-1)!;
    return toOfdPayload(receipt, timezone, 'receipt-1');
  });

function withQrParam(qr: string, key: QrKey, value: string | null): string {
  const params = new URLSearchParams(qr);
  if (value === null) params.delete(key);
  else params.set(key, value);
  return params.toString();
}

/** Another value for one QR parameter: a different number, a zero-padded one, or none at all. */
const qrMutationArb = fc.record({
  key: fc.constantFrom(...QR_KEYS),
  how: fc.constantFrom('digits', 'pad', 'drop', 'append'),
  digits: fc.stringMatching(/^\d{1,16}$/),
});

describe('checkOfdPayload', () => {
  it('accepts every receipt payload built from a real document', () => {
    fc.assert(
      fc.property(receiptPayloadArb, (payload) => {
        expect(checkOfdPayload(payload, 'receipt')).toEqual([]);
        expect(checkOfdPayload(structuredClone(payload), 'receipt')).toEqual([]);
      }),
      { numRuns: 150 },
    );
  });

  it('refuses a receipt whose QR differs from the document in any one parameter', () => {
    fc.assert(
      fc.property(receiptPayloadArb, qrMutationArb, (payload, { key, how, digits }) => {
        const qr = payload.qr_code_data!;
        const original = new URLSearchParams(qr).get(key)!;
        const value =
          how === 'drop'
            ? null
            : how === 'pad'
              ? `0${original}`
              : how === 'append'
                ? `${original}1`
                : digits === original
                  ? `${digits}9`
                  : digits;
        const mutated = withQrParam(qr, key, value);
        const problems = checkOfdPayload({ ...payload, qr_code_data: mutated }, 'receipt');
        expect(problems.length).toBeGreaterThan(0);
        expect(problems.every((p) => p.startsWith('qr_code_data'))).toBe(true);
        expect(problems.join(' ')).toContain(`${key}=`);
      }),
      { numRuns: 300 },
    );
  });

  it('accepts registration and shift reports on the document route only', () => {
    const fn = new FnSim();
    const docs = [fn.registration, fn.openShift(), fn.closeShift()].map((d) => payloadOf(d));
    for (const p of docs) {
      expect(checkOfdPayload(p, 'document')).toEqual([]);
      expect(checkOfdPayload(p, 'receipt').join(' ')).toMatch(/document_type: .* belongs on POST \/ofd\/v1\/document/);
    }
    const receipt = payloadOf(fn.receipt());
    expect(checkOfdPayload(receipt, 'document')).toContain(
      'document_type: receipts belong on POST /ofd/v1/receipt, not /ofd/v1/document',
    );
  });

  it('names each header field that disagrees with the document', () => {
    const p = payloadOf(new FnSim().receipt());
    const problems = (patch: Record<string, unknown>) => checkOfdPayload({ ...p, ...patch }, 'receipt');
    expect(problems({ fn_number: '9999078900000002' })).toContain('document.fiscalDriveNumber: must equal fn_number');
    expect(problems({ fiscal_doc_number: p.fiscal_doc_number + 1 })).toContain(
      'document.fiscalDocumentNumber: must equal fiscal_doc_number',
    );
    const otherSign = p.fiscal_sign === '0000000001' ? '0000000002' : '0000000001';
    expect(problems({ fiscal_sign: otherSign })).toContain('document.fiscalSign: must equal fiscal_sign as a number');
    expect(problems({ fiscal_sign: '123' })).toContain('fiscal_sign: must be 10 digits');
    expect(problems({ fn_number: '123' })).toContain('fn_number: must be 16 digits');
    expect(problems({ document_type: 'cheque' })[0]).toMatch(/^document_type: must be one of/);
    expect(problems({ qr_code_data: undefined })).toContain('qr_code_data: is required for a receipt');
    expect(problems({ document: 'x' })).toContain('document: must be a JSON object (the document in FNS JSON fields)');
    expect(problems({ document: { ...p.document, code: 2 } })).toContain(
      'document.code: must be 3 for document_type receipt',
    );
    expect(problems({ user_inn: 'abc' })).toContain('user_inn: must be 10 or 12 digits');
    expect(problems({ fiscal_datetime: '2026-11-25 14:05' })).toContain(
      'fiscal_datetime: must be an ISO 8601 time with a UTC offset',
    );
    expect(checkOfdPayload([], 'receipt')).toEqual(['body: must be a JSON object']);
    expect(checkOfdPayload(null, 'document')).toEqual(['body: must be a JSON object']);
  });

  it('refuses a QR that cannot be rebuilt because the document lacks a field', () => {
    const p = payloadOf(new FnSim().receipt());
    const { totalSum: _, ...document } = p.document;
    const problems = checkOfdPayload({ ...p, document }, 'receipt');
    expect(problems).toContain('document.totalSum: must be a whole number of kopecks (needed to check qr_code_data)');
  });

  it('rebuilds the QR from FNS JSON exactly as the API.md example prints it', () => {
    expect(
      expectedQr({
        dateTime: '2026-11-25T14:05:00',
        totalSum: 20_000,
        fiscalDriveNumber: '9999078900000001',
        fiscalDocumentNumber: 3,
        fiscalSign: 123456789,
        operationType: 1,
      }),
    ).toEqual({ ok: true, qr: 't=20261125T1405&s=200.00&fn=9999078900000001&i=3&fp=123456789&n=1' });
    const noSeconds = expectedQr({
      dateTime: '2026-01-02T03:04',
      totalSum: 5,
      fiscalDriveNumber: '9999078900000001',
      fiscalDocumentNumber: 1,
      fiscalSign: 0,
      operationType: 4,
    });
    expect(noSeconds).toEqual({ ok: true, qr: 't=20260102T0304&s=0.05&fn=9999078900000001&i=1&fp=0&n=4' });
  });

  it('refuses a QR with the same values in another order', () => {
    const p = payloadOf(new FnSim().receipt());
    const params = new URLSearchParams(p.qr_code_data);
    const reordered = new URLSearchParams([...params].reverse()).toString();
    expect(checkOfdPayload({ ...p, qr_code_data: reordered }, 'receipt')[0]).toMatch(/not in the canonical form/);
  });
});
