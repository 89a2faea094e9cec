import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { OfdPayload } from '../../src/fiscal/ofd-payload.ts';
import { MockOfdServer } from '../../src/mocks/mock-ofd.ts';
import { flkProblem } from '../../src/mocks/ofd-flk.ts';
import { callJson } from '../helpers/http.ts';
import { FnSim, payloadOf } from './ofd-fixtures.ts';

/*
 * The mock ОФД's format and logic check of receipts and corrections: every rule on a document the
 * adapter's own code produced, broken in one place, answered 422 with the first tag at fault; the
 * `accept_invalid` fault is the only way past it.
 */

type Doc = Record<string, unknown>;

const fn = new FnSim();
const receipt = () => payloadOf(fn.receipt(), 'r-1');
const correction = (kind: 'self' | 'instruction' = 'self') => payloadOf(fn.correction(undefined, kind));

/** A copy of `p` with its FNS JSON document changed by `change`. */
function broken(p: OfdPayload, change: (doc: Doc) => void): OfdPayload {
  const copy = structuredClone(p);
  change(copy.document);
  return copy;
}
const item = (doc: Doc, i = 0) => (doc.items as Doc[])[i] as Doc;

describe('flkProblem: the rules', () => {
  it("the adapter's own receipts and corrections pass", () => {
    expect(flkProblem(receipt().document, 'receipt')).toBeNull();
    expect(flkProblem(correction().document, 'correction')).toBeNull();
    expect(flkProblem(correction('instruction').document, 'correction')).toBeNull();
  });

  const missing: Array<[number, (d: Doc) => void]> = [
    [1048, (d) => delete d.user],
    [1018, (d) => delete d.userInn],
    [1037, (d) => delete d.kktRegId],
    [1041, (d) => delete d.fiscalDriveNumber],
    [1040, (d) => delete d.fiscalDocumentNumber],
    [1077, (d) => delete d.fiscalSign],
    [1012, (d) => delete d.dateTime],
    [1054, (d) => delete d.operationType],
    [1055, (d) => delete d.appliedTaxationType],
    [1020, (d) => delete d.totalSum],
    [1059, (d) => delete d.items],
    [1059, (d) => (d.items = [])],
    [1030, (d) => delete item(d).name],
    [1079, (d) => delete item(d).price],
    [1023, (d) => delete item(d).quantity],
    [1043, (d) => delete item(d).sum],
    [1199, (d) => delete item(d).nds],
    [1212, (d) => delete item(d).productType],
    [1214, (d) => delete item(d).paymentType],
    [2108, (d) => delete item(d).itemsQuantityMeasure],
    [1031, (d) => delete d.cashTotalSum],
    [1081, (d) => delete d.ecashTotalSum],
    [1215, (d) => delete d.prepaidSum],
    [1216, (d) => delete d.creditSum],
    [1217, (d) => delete d.provisionSum],
  ];
  for (const [tag, change] of missing) {
    it(`a receipt without ${tag} is refused, naming ${tag}`, () => {
      const p = flkProblem(broken(receipt(), change).document, 'receipt');
      expect(p?.tag).toBe(tag);
      expect(p?.message).toMatch(new RegExp(`^${tag} \\(`));
    });
  }

  const invalid: Array<[number, (d: Doc) => void]> = [
    [1048, (d) => (d.user = '  ')],
    [1018, (d) => (d.userInn = '12345')],
    [1041, (d) => (d.fiscalDriveNumber = '99990789')],
    [1054, (d) => (d.operationType = 5)],
    [1055, (d) => (d.appliedTaxationType = 3)],
    [1012, (d) => (d.dateTime = '2026-11-25T14:05:00+03:00')],
    [1030, (d) => (item(d).name = 'x'.repeat(129))],
    [1023, (d) => (item(d).quantity = 0)],
    [1199, (d) => (item(d).nds = 0)],
    [1214, (d) => (item(d).paymentType = 8)],
    [2108, (d) => (item(d).itemsQuantityMeasure = 256)],
  ];
  for (const [tag, change] of invalid) {
    it(`an invalid ${tag} is refused, naming ${tag}`, () => {
      expect(flkProblem(broken(receipt(), change).document, 'receipt')?.tag).toBe(tag);
    });
  }

  it("1020 must be the sum of the items' 1043", () => {
    const p = flkProblem(
      broken(receipt(), (d) => {
        item(d).sum = (item(d).sum as number) + 1;
      }).document,
      'receipt',
    );
    expect(p?.tag).toBe(1020);
    expect(p?.message).toMatch(/is not the sum of the items' 1043/);
  });

  it('the payments must pay 1020 exactly', () => {
    const short = broken(receipt(), (d) => {
      d.cashTotalSum = 0;
      d.ecashTotalSum = 0;
    });
    const p = flkProblem(short.document, 'receipt');
    expect(p?.tag).toBe(1031);
    expect(p?.message).toMatch(/do not pay 1020/);
  });

  it('the first problem is the answer, in tag order of the header, then items, then payments', () => {
    const p = flkProblem(
      broken(receipt(), (d) => {
        delete d.user;
        delete item(d).name;
        d.cashTotalSum = -1;
      }).document,
      'receipt',
    );
    expect(p?.tag).toBe(1048);
  });

  it('a correction needs 1173, 1174 with 1178, and 1179 when it follows an order', () => {
    const c = correction();
    expect(flkProblem(broken(c, (d) => delete d.correctionType).document, 'correction')?.tag).toBe(1173);
    expect(flkProblem(broken(c, (d) => (d.correctionType = 2)).document, 'correction')?.tag).toBe(1173);
    expect(flkProblem(broken(c, (d) => delete d.correctionBase).document, 'correction')?.tag).toBe(1174);
    expect(
      flkProblem(broken(c, (d) => delete (d.correctionBase as Doc).correctionDocumentDate).document, 'correction')?.tag,
    ).toBe(1178);
    const ordered = correction('instruction');
    expect(
      flkProblem(
        broken(ordered, (d) => delete (d.correctionBase as Doc).correctionDocumentNumber).document,
        'correction',
      )?.tag,
    ).toBe(1179);
    // And the settlement rules apply to corrections as to receipts.
    expect(flkProblem(broken(c, (d) => delete item(d).productType).document, 'correction')?.tag).toBe(1212);
  });
});

describe('the mock ОФД answers the ФЛК over HTTP', () => {
  const ofd = new MockOfdServer();
  let url: string;
  beforeAll(async () => {
    url = await ofd.start();
  });
  afterAll(() => ofd.stop());
  beforeEach(() => ofd.reset());
  const post = (path: string, body: unknown) => callJson('POST', `${url}${path}`, body);

  it('422 naming the tag; nothing is stored; a fixed resend is accepted', async () => {
    const good = receipt();
    const bad = broken(good, (d) => delete item(d).paymentType);
    const res = await post('/ofd/v1/receipt', bad);
    expect(res.status).toBe(422);
    expect(res.body).toEqual({
      error: expect.stringMatching(/^ФЛК: 1214 \(items\[0\]\.paymentType\): missing/),
      tag: 1214,
    });
    expect(ofd.receipts()).toEqual([]);
    expect(ofd.flkRejections).toBe(1);
    expect((await post('/ofd/v1/receipt', good)).status).toBe(200);
    expect(ofd.receipts()).toHaveLength(1);
  });

  it('corrections on the document route are checked too; other reports are not', async () => {
    const bad = broken(correction(), (d) => delete d.correctionType);
    const res = await post('/ofd/v1/document', bad);
    expect(res.status).toBe(422);
    expect(res.body.tag).toBe(1173);
    expect((await post('/ofd/v1/document', correction())).status).toBe(200);
    expect((await post('/ofd/v1/document', payloadOf(fn.closeShift()))).status).toBe(200);
  });

  it('only the accept_invalid fault lets a bad document through', async () => {
    const bad = broken(receipt(), (d) => {
      d.totalSum = (d.totalSum as number) + 100;
    });
    expect((await post('/ofd/v1/receipt', bad)).status).toBe(400); // the QR no longer matches either
    const qrOk = structuredClone(bad);
    qrOk.qr_code_data = qrOk.qr_code_data?.replace(
      /s=[\d.]+/,
      `s=${((qrOk.document.totalSum as number) / 100).toFixed(2)}`,
    );
    expect((await post('/ofd/v1/receipt', qrOk)).status).toBe(422);
    expect((await callJson('PUT', `${url}/ofd/v1/_test/faults`, { accept_invalid: true })).status).toBe(200);
    expect((await post('/ofd/v1/receipt', qrOk)).status).toBe(200);
    expect(ofd.health().accept_invalid).toBe(true);
    // {} heals: the check is back.
    await callJson('PUT', `${url}/ofd/v1/_test/faults`, {});
    const other = broken(receipt(), (d) => delete d.user);
    expect((await post('/ofd/v1/receipt', other)).status).toBe(422);
  });
});
