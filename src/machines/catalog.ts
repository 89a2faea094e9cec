import type { AnyStateMachine } from 'xstate';
import { kktMachine } from './kkt.machine.ts';

/**
 * Every machine kkt-emu runs, by the system id its actor is registered under: what the
 * inspector draws and what `kkt-emu statecharts` writes to docs/statecharts.
 */
export const MACHINE_CATALOG: ReadonlyArray<{ id: string; title: string; machine: AnyStateMachine }> = [
  { id: 'kkt', title: 'Emulated ККТ (device)', machine: kktMachine },
];
