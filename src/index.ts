/**
 * kkt-emu's public API for users' own test suites:
 *
 *   import { startStack } from 'kkt-emu';
 *   const stack = await startStack();
 *   await fetch(`${stack.url}/v1/kkt/receipt`, ...);
 *   stack.ofd.setFaults({ permanent_failure: true });
 *   await stack.stop();
 */

export type { DeviceStatus, KktDriver } from './device/driver.ts';
export { EmulatedKkt } from './device/emulator.ts';
export { type Config, ConfigError, loadConfig } from './entry/config.ts';
export { type RunningAdapter, type StartOptions, startAdapter } from './entry/start-adapter.ts';
export { type Stack, type StackOptions, startStack } from './entry/start-stack.ts';
export type { FiscalDocument, ReceiptDocument } from './fiscal/document.ts';
export { FiscalError } from './fiscal/errors.ts';
export type { OfdPayload } from './fiscal/ofd-payload.ts';
export { VirtualClock } from './io/clock.ts';
export { MACHINE_CATALOG } from './machines/catalog.ts';
export type { MockFaults } from './mocks/faults.ts';
export { MockOdooServer } from './mocks/mock-odoo.ts';
export { MockOfdServer } from './mocks/mock-ofd.ts';
