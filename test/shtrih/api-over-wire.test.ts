import { describe, expect, test } from 'vitest';
import { startTestAdapter } from '../helpers/adapter.ts';
import { HAS_SOCAT, PTY_SKIP_MESSAGE } from '../helpers/pty.ts';

/**
 * The adapter's own HTTP suites (receipts, idempotency, buffer, shifts, bad input, modes) run a
 * second time with KKT_DRIVER_TYPE=shtrih: the adapter drives the emulated device through a
 * socat pseudo-terminal pair, byte for byte as it would drive hardware, and every answer must be
 * the one the in-process emulator gives. Each vitest file runs in its own process, so the
 * setting reaches only the adapters started here.
 */
if (HAS_SOCAT) {
  process.env.KKT_TEST_DRIVER_ENV = JSON.stringify({ KKT_DRIVER_TYPE: 'shtrih', KKT_SERIAL_PAIR: 'true' });
  describe('over the Shtrih-M wire', async () => {
    test('the adapters of these suites really speak Shtrih-M', async () => {
      const t = await startTestAdapter();
      try {
        expect(t.running.driver.kind).toBe('shtrih');
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
} else {
  test.skip(PTY_SKIP_MESSAGE, () => {});
}
