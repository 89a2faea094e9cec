import type { AnyStateMachine } from 'xstate';
import { circuitBreakerMachine } from './circuit-breaker.machine.ts';
import { heartbeatMachine } from './heartbeat.machine.ts';
import { kktMachine } from './kkt.machine.ts';
import { syncWorkerMachine } from './sync-worker.machine.ts';

/**
 * Every machine kkt-emu runs, by the system id its actor is registered under: what the
 * inspector draws and what `kkt-emu statecharts` writes to docs/statecharts.
 */
export const MACHINE_CATALOG: ReadonlyArray<{ id: string; title: string; machine: AnyStateMachine }> = [
  { id: 'kkt', title: 'Emulated ККТ (device)', machine: kktMachine },
  { id: 'circuitBreaker', title: 'ОФД circuit breaker', machine: circuitBreakerMachine },
  { id: 'syncWorker', title: 'ОФД sync worker', machine: syncWorkerMachine },
  { id: 'heartbeat', title: 'ERP (Odoo) heartbeat', machine: heartbeatMachine },
];
