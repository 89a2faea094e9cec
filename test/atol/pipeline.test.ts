import fc from 'fast-check';
import { afterEach, describe, expect, test } from 'vitest';
import { type Stack, startStack } from '../../src/entry/start-stack.ts';
import { API_T0 } from '../helpers/adapter.ts';
import { type Json, PosClient, sellTask } from './pos-client.ts';

/**
 * The queue runs receipt requests side by side (AtolQueue.loop): nothing a POS can see may
 * differ from a strictly serial run. The oracle is the same server driven one request at a
 * time (POST, wait until final, next), so only one request is ever in the queue.
 */

const stacks: Stack[] = [];
async function start() {
  const stack = await startStack({ clockStart: API_T0, manualClock: true });
  stacks.push(stack);
  return { stack, pos: new PosClient(stack.atolUrl) };
}
afterEach(async () => {
  await Promise.all(stacks.splice(0).map((s) => s.stop()));
});

const correction = (type: string) =>
  sellTask({ type, correctionType: 'self', correctionBaseDate: '2026.11.20', correctionBaseNumber: '' });

/** Tasks a POS mixes: receipts that print or are refused, corrections, and tasks that run alone. */
const TASKS: Record<string, () => Json> = {
  sell: () => sellTask(),
  sellReturn: () => sellTask({ type: 'sellReturn' }),
  buy: () => sellTask({ type: 'buy' }),
  badSell: () => sellTask({}, { amount: 140 }),
  sellCorrection: () => correction('sellCorrection'),
  cashIn: () => ({ type: 'cashIn', cashSum: 100 }),
  shiftStatus: () => ({ type: 'getShiftStatus' }),
  reportX: () => ({ type: 'reportX' }),
  openShift: () => ({ type: 'openShift', operator: { name: 'Иванов' } }),
  closeShift: () => ({ type: 'closeShift', operator: { name: 'Иванов' } }),
};
const RECEIPTS = ['sell', 'sellReturn', 'buy', 'badSell', 'sellCorrection'];

/** Mostly receipt-only requests (the ones that run side by side), sometimes anything. */
const request = fc.oneof(
  { weight: 4, arbitrary: fc.array(fc.constantFrom(...RECEIPTS), { minLength: 1, maxLength: 1 }) },
  { weight: 1, arbitrary: fc.array(fc.constantFrom(...RECEIPTS), { minLength: 2, maxLength: 3 }) },
  { weight: 1, arbitrary: fc.array(fc.constantFrom(...Object.keys(TASKS)), { minLength: 1, maxLength: 3 }) },
);
/** Phases with the paper in or out for the whole phase, so that both runs see the same device. */
const phases = fc.array(fc.record({ paperOut: fc.boolean(), requests: fc.array(request, { maxLength: 12 }) }), {
  minLength: 1,
  maxLength: 3,
});

type Phase = { paperOut: boolean; requests: string[][] };

/** What a POS sees of a task, without what the clock or the ФН key alone decide. */
function seen(r: Json) {
  const p = r.result?.fiscalParams;
  return {
    status: r.status,
    code: r.error.code,
    ...(p ? { doc: p.fiscalDocumentNumber, receipt: p.fiscalReceiptNumber, shift: p.shiftNumber, total: p.total } : {}),
  };
}

/**
 * The pipelined run posts each phase's requests all at once (the queue numbers them in some
 * order) and returns them in queue order; the serial run then replays that order one by one.
 */
async function run(phasesToRun: Phase[], pipelined: boolean) {
  const { stack, pos } = await start();
  const out: ReturnType<typeof seen>[][] = [];
  const order: Phase[] = [];
  for (const phase of phasesToRun) {
    stack.device.setFaults({ paperOut: phase.paperOut });
    const tasks = phase.requests.map((names) => names.map((n) => (TASKS[n] as () => Json)()));
    if (pipelined) {
      const posted = await Promise.all(tasks.map((t) => pos.post(t)));
      const results = await Promise.all(posted.map((a) => pos.waitFor(a.body.uuid)));
      const byQueue = posted
        .map((a, i) => ({ number: a.body.number as number, names: phase.requests[i] as string[], results: results[i] }))
        .sort((a, b) => a.number - b.number);
      for (const r of byQueue) out.push((r.results as Json[]).map(seen));
      order.push({ paperOut: phase.paperOut, requests: byQueue.map((r) => r.names) });
    } else for (const t of tasks) out.push((await pos.run(t)).map(seen));
  }
  const last = (await stack.device.status()).fn.lastFiscalDocNumber;
  await Promise.all(stacks.splice(0).map((s) => s.stop()));
  return { out, last, order };
}

describe('requests run side by side', () => {
  test('every status, error and document number is what a serial run gives (paper in and out)', async () => {
    await fc.assert(
      fc.asyncProperty(phases, async (p) => {
        const pipelined = await run(p, true);
        const serial = await run(pipelined.order, false);
        expect(pipelined.out).toEqual(serial.out);
        expect(pipelined.last).toBe(serial.last);
      }),
      { numRuns: 12 },
    );
  }, 240_000);

  test('50 concurrent uuids: contiguous document numbers, in the order the queue accepted them', async () => {
    const { stack, pos } = await start();
    const before = (await stack.device.status()).fn.lastFiscalDocNumber;
    const posted = await Promise.all(Array.from({ length: 50 }, () => pos.post([sellTask()])));
    const results = await Promise.all(posted.map((a) => pos.waitFor(a.body.uuid)));
    const byQueue = posted
      .map((a, i) => ({
        number: a.body.number as number,
        doc: results[i]?.[0].result.fiscalParams.fiscalDocumentNumber,
      }))
      .sort((a, b) => a.number - b.number)
      .map((x) => x.doc);
    // The first sale opens the shift (one document) when none is open.
    const first = byQueue[0] as number;
    expect(first).toBeGreaterThan(before);
    expect(byQueue).toEqual(Array.from({ length: 50 }, (_, i) => first + i));
    expect((await stack.device.status()).fn.lastFiscalDocNumber).toBe(first + 49);
  });

  test('a request of several receipts is not overtaken: its documents are consecutive', async () => {
    const { pos } = await start();
    const first = await pos.post([sellTask()]);
    const many = await pos.post([sellTask(), sellTask({ type: 'sellReturn' }), sellTask()]);
    const after = await Promise.all([pos.post([sellTask()]), pos.post([sellTask()])]);
    const docs = async (uuid: string) =>
      (await pos.waitFor(uuid)).map((r: Json) => r.result.fiscalParams.fiscalDocumentNumber as number);
    const [a] = await docs(first.body.uuid);
    expect(await docs(many.body.uuid)).toEqual([(a as number) + 1, (a as number) + 2, (a as number) + 3]);
    const rest = (await Promise.all(after.map((x) => docs(x.body.uuid)))).flat().sort((x, y) => x - y);
    expect(rest).toEqual([(a as number) + 4, (a as number) + 5]);
  });
});
