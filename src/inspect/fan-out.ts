import type { InspectionEvent } from 'xstate';

export type InspectObserver = (event: InspectionEvent) => void;

/**
 * One `inspect` option for several observers (the hub, the Stately transport). XState lets an
 * exception in `inspect` propagate out of `actor.send()`, so each observer is isolated: one that
 * throws neither reaches the register nor keeps the others from seeing the event.
 */
export function fanOut(...observers: ReadonlyArray<InspectObserver | undefined>): InspectObserver | undefined {
  const list = observers.filter((o): o is InspectObserver => o !== undefined);
  if (list.length === 0) return undefined;
  return (event) => {
    for (const observe of list) {
      try {
        observe(event);
      } catch {
        // Swallowed on purpose: inspection is never allowed to fail a transition.
      }
    }
  };
}
