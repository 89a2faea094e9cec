import { describe, expect, it } from 'vitest';
import { startTestAdapter } from '../helpers/adapter.ts';

describe('KKT_INSPECT', () => {
  it('serves the inspector by default and not at all when switched off', async () => {
    const on = await startTestAdapter();
    const off = await startTestAdapter({ KKT_INSPECT: 'false' });
    try {
      expect((await on.get('/inspect/machines')).status).toBe(200);
      expect(on.running.inspector).toBeDefined();
      expect((await off.get('/inspect')).status).toBe(404);
      expect((await off.get('/inspect/events')).status).toBe(404);
      expect(off.running.inspector).toBeUndefined();
      expect((await off.receipt('k1', (await import('../helpers/sample-receipt.ts')).sampleReceipt())).status).toBe(
        200,
      );
    } finally {
      await on.close();
      await off.close();
    }
  });
});
