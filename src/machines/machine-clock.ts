import type { Clock } from '../fiscal/clock.ts';

/** What a machine reads time from: the clock its owner injects (virtual in tests and in mock mode). */
export type MachineClock = Pick<Clock, 'now'>;

/**
 * The clock of the machine definitions kept for diagrams and the inspector's catalog: their
 * structure is read, never run. Running one is a wiring mistake, so reading this clock throws.
 */
export const DIAGRAM_CLOCK: MachineClock = {
  now() {
    throw new Error('this machine definition only serves diagrams; create a running one with its clock');
  },
};
