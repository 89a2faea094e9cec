import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { problemShape, startTestAdapter, type TestAdapter } from '../helpers/adapter.ts';

/**
 * Bodies of the shift and emulator routes are checked as written, never coerced: a wrong type
 * is a 400 naming the field, and the device is not touched.
 */
let t: TestAdapter;
beforeAll(async () => {
  t = await startTestAdapter();
});
afterAll(() => t.close());

describe('strict bodies on the shift and emulator routes', () => {
  it.each([
    ['/v1/kkt/shift/open', { cashier: 42 }, '/cashier'],
    ['/v1/kkt/shift/open', { cashier: ['Иванов'] }, '/cashier'],
    ['/v1/kkt/shift/open', { cashier: 'Иванов', role: 'admin' }, ''],
    ['/v1/kkt/shift/close', { cashier: true }, '/cashier'],
    ['/v1/_emulator/clock', { advance_seconds: '3600' }, '/advance_seconds'],
    ['/v1/_emulator/clock', {}, '/advance_seconds'],
  ])('POST %s %j → 400 naming %s, nothing happens', async (path, body, field) => {
    const before = await t.get('/v1/kkt/status');
    const r = await t.post(path, body);
    expect(r.status).toBe(400);
    const p = problemShape(r);
    expect(p.code).toBe('MALFORMED_REQUEST');
    expect(p.errors?.some((e) => e.path === field || (field === '' && e.path !== undefined))).toBe(true);
    const after = await t.get('/v1/kkt/status');
    expect(after.body.fn.last_fiscal_doc_number).toBe(before.body.fn.last_fiscal_doc_number);
    expect(after.body.datetime).toBe(before.body.datetime);
  });

  it('PUT /v1/_emulator/faults {"paper_out":"yes"} → 400; faults unchanged', async () => {
    const r = await t.put('/v1/_emulator/faults', { paper_out: 'yes' });
    expect(r.status).toBe(400);
    expect(problemShape(r).errors?.[0]?.path).toBe('/paper_out');
    expect((await t.get('/v1/kkt/status')).body.faults).toEqual({ paper_out: false, cover_open: false });
  });

  it('the well-formed bodies still work, with or without a body', async () => {
    expect((await t.post('/v1/kkt/shift/open', { cashier: 'Иванов И.И.' })).status).toBe(200);
    expect((await t.post('/v1/kkt/shift/close')).status).toBe(200);
    expect((await t.post('/v1/_emulator/clock', { advance_seconds: 60 })).status).toBe(200);
    expect((await t.put('/v1/_emulator/faults', { paper_out: false })).status).toBe(200);
  });
});
