import { describe, expect, test } from 'vitest';
import { startTestAdapter } from '../helpers/adapter.ts';

/**
 * The adapter's own HTTP suites run a third time with KKT_DRIVER_TYPE=atol: the adapter drives
 * kkt-emu's ATOL Web Requests server in another process (`node bin/kkt-emu.js up`) over HTTP,
 * as it would drive a shop's ATOL driver, and every answer must be the one the in-process
 * emulator gives. Each vitest file runs in its own process, so the setting reaches only the
 * adapters started here.
 */
process.env.KKT_TEST_DRIVER_ENV = JSON.stringify({ KKT_TEST_ATOL_CHILD: 'true' });
describe('over the ATOL Web Requests API', async () => {
  test('the adapters of these suites really drive an ATOL server', async () => {
    const t = await startTestAdapter();
    try {
      expect(t.running.driver.kind).toBe('atol');
      const r = await t.receipt('atol-1', {
        type: 'sale',
        items: [{ name: 'Lens', price: 100, quantity: 2, vat_rate: 22 }],
        payments: [{ type: 'cash', amount: 200 }],
      });
      expect(r.status, r.text).toBe(200);
    } finally {
      await t.close();
    }
  });
  await import('../api/receipt.test.ts');
  await import('../api/buffer.test.ts');
  await import('../api/bad-input.test.ts');
  await import('../api/auth-and-modes.test.ts');
  await import('../api/ffd-operations.test.ts');
});
