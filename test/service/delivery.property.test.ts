import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/entry/config.ts';
import { type RunningAdapter, startAdapter } from '../../src/entry/start-adapter.ts';
import { MockOfdServer } from '../../src/mocks/mock-ofd.ts';
import { callJson } from '../helpers/http.ts';
import { sampleReceipt } from '../helpers/sample-receipt.ts';

/**
 * Exactly-once delivery under any interleaving of receipts, ОФД faults, adapter restarts and
 * manual syncs: once the ОФД is healthy again and syncs have run, every fiscal document of the
 * ФН is at the mock ОФД exactly once and every receipt is `synced` with the id the ОФД gave it;
 * at no point is a receipt `synced` that the ОФД did not accept.
 */
type Command =
  | { kind: 'receipts'; n: number }
  | { kind: 'faults'; faults: Record<string, number | boolean> }
  | { kind: 'sync' }
  | { kind: 'restart' }
  | { kind: 'wait'; ms: number };

const commandArb: fc.Arbitrary<Command> = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: 1, max: 4 }).map((n) => ({ kind: 'receipts' as const, n })) },
  {
    weight: 3,
    arbitrary: fc
      .oneof(
        fc.constant({}),
        fc.constant({ permanent_failure: true }),
        fc.integer({ min: 5, max: 40 }).map((latency_ms) => ({ latency_ms })),
        fc.integer({ min: 2, max: 4 }).map((fail_every_n) => ({ fail_every_n })),
        fc.integer({ min: 1, max: 6 }).map((failure_count) => ({ failure_count })),
      )
      .map((faults) => ({ kind: 'faults' as const, faults })),
  },
  { weight: 2, arbitrary: fc.constant({ kind: 'sync' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'restart' as const }) },
  { weight: 1, arbitrary: fc.integer({ min: 10, max: 120 }).map((ms) => ({ kind: 'wait' as const, ms })) },
);

describe('ОФД delivery (property)', () => {
  it('every document reaches the ОФД exactly once; nothing is synced without an acceptance', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(commandArb, { minLength: 1, maxLength: 10 }), async (commands) => {
        const dir = mkdtempSync(join(tmpdir(), 'kkt-delivery-'));
        const ofd = new MockOfdServer();
        const ofdUrl = await ofd.start();
        const config = loadConfig({
          KKT_DATA_DIR: dir,
          KKT_HTTP_PORT: '0',
          KKT_PRINT_DELAY_MS: '0',
          KKT_OFD_API_URL: ofdUrl,
          KKT_HLC_SYNC_INTERVAL: '0.05',
          KKT_CIRCUIT_BREAKER_THRESHOLD: '3',
          KKT_CIRCUIT_BREAKER_TIMEOUT: '0.1',
          KKT_CIRCUIT_BREAKER_RECOVERY_TIMEOUT: '0.2',
          KKT_OFD_TIMEOUT: '2',
          KKT_SYNC_BATCH_SIZE: '5',
        });
        const tuning = { sync: { kickMs: 5, backoffBaseMs: 2, backoffMaxMs: 10 } };
        let adapter: RunningAdapter = await startAdapter(config, tuning);
        const receipts: string[] = [];
        let key = 0;
        const accepted = () =>
          new Map([...ofd.receipts(), ...ofd.documents()].map((p) => [`${p.fn_number}:${p.fiscal_doc_number}`, p]));
        const noUnacceptedSync = async () => {
          // Buffer first, ОФД second: a receipt synced in between is then seen at the ОФД too.
          const synced: string[] = [];
          for (const id of receipts) {
            const r = await callJson('GET', `${adapter.url}/v1/kkt/receipt/${id}`);
            expect(r.status).toBe(200);
            if (r.body.sync_status === 'synced') synced.push(id);
          }
          const atOfd = new Set(ofd.receipts().map((p) => p.receipt_id));
          for (const id of synced) expect(atOfd.has(id)).toBe(true);
        };
        try {
          for (const c of commands) {
            if (c.kind === 'receipts') {
              const answers = await Promise.all(
                Array.from({ length: c.n }, () =>
                  callJson('POST', `${adapter.url}/v1/kkt/receipt`, sampleReceipt(), {
                    'idempotency-key': `k-${key++}`,
                  }),
                ),
              );
              for (const a of answers) {
                expect(a.status).toBe(200);
                receipts.push(a.body.receipt_id);
              }
            } else if (c.kind === 'faults') ofd.setFaults(c.faults);
            else if (c.kind === 'sync')
              expect((await callJson('POST', `${adapter.url}/v1/kkt/buffer/sync`)).status).toBe(202);
            else if (c.kind === 'restart') {
              await adapter.close();
              adapter = await startAdapter(config, tuning);
            } else await new Promise((r) => setTimeout(r, c.ms));
            await noUnacceptedSync();
          }
          // Heal the ОФД; manual syncs (each forces the breaker's probe) drain everything.
          ofd.setFaults({});
          for (let i = 0; i < 50; i++) {
            await callJson('POST', `${adapter.url}/v1/kkt/buffer/sync`);
            const status = (await callJson('GET', `${adapter.url}/v1/kkt/status`)).body;
            const buffer = (await callJson('GET', `${adapter.url}/v1/kkt/buffer/status`)).body;
            if (buffer.pending === 0 && status.fn.unsent_count === 0) break;
          }
          const status = (await callJson('GET', `${adapter.url}/v1/kkt/status`)).body;
          const buffer = (await callJson('GET', `${adapter.url}/v1/kkt/buffer/status`)).body;
          expect(buffer).toMatchObject({ pending: 0, failed: 0, synced: receipts.length });
          expect(status.fn.unsent_count).toBe(0);
          const atOfd = accepted();
          const fn = status.fn.number as string;
          const last = status.fn.last_fiscal_doc_number as number;
          expect(ofd.receipts().length + ofd.documents().length).toBe(last);
          for (let n = 1; n <= last; n++) expect(atOfd.has(`${fn}:${n}`)).toBe(true);
          expect(new Set(ofd.receipts().map((p) => p.receipt_id))).toEqual(new Set(receipts));
          for (const id of receipts) {
            const r = (await callJson('GET', `${adapter.url}/v1/kkt/receipt/${id}`)).body;
            const p = atOfd.get(`${r.fiscal_doc.fn_number}:${r.fiscal_doc.fiscal_doc_number}`);
            expect(p?.receipt_id).toBe(id);
            expect(r.sync_status).toBe('synced');
            expect(r.ofd_id).toMatch(/^OFD-/);
          }
        } finally {
          await adapter.close();
          await ofd.stop();
          rmSync(dir, { recursive: true, force: true });
        }
      }),
      { numRuns: 12 },
    );
  }, 120_000);
});
