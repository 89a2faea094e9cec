import { FiscalError } from '../fiscal/errors.ts';
import type { KktDriver } from './driver.ts';

/** The fiscal operations a driver may not send yet (the vendor protocol work adds them one by one). */
export type LaterOperations = Pick<
  KktDriver,
  'printCorrection' | 'cashIn' | 'cashOut' | 'settlementReport' | 'findCashMovement'
>;

/**
 * Refusals for the operations `driver` cannot send yet: `NOT_SUPPORTED` before anything reaches
 * the device, so the adapter answers 501 and nothing is printed or paid. No cash is ever moved
 * through such a driver, so there is no movement to find after a crash.
 */
export function notYetSupported(driver: string): LaterOperations {
  const refuse = <T>(what: string): Promise<T> =>
    Promise.reject(
      new FiscalError(
        'NOT_SUPPORTED',
        `the ${driver} driver does not send ${what} yet; nothing was sent to the device`,
      ),
    );
  return {
    printCorrection: () => refuse('correction receipts'),
    cashIn: () => refuse('cash in'),
    cashOut: () => refuse('cash out'),
    settlementReport: () => refuse('the settlement report (form 21)'),
    findCashMovement: async () => undefined,
  };
}
