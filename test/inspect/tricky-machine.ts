import { fromPromise, not, setup } from 'xstate';

/**
 * Every construct the diagram generators must survive: a parallel root, keyword-named states
 * (`default`, `state`, `end`), a final and a deep history state, numeric and named delays, an
 * invoke, a negated guard, a transition across parallel regions, one between the substates of
 * two composites, one from a composite into its own substate, and an event name with `:` and `;`.
 */
export const trickyMachine = setup({
  guards: { ok: () => true },
  actors: { job: fromPromise(async () => 1) },
  delays: { slow: 1000 },
  actions: { note: () => {} },
}).createMachine({
  id: 'tricky',
  type: 'parallel',
  states: {
    default: {
      initial: 'state',
      on: { 'odd:event;name': '.wait' },
      states: {
        state: { on: { go: { target: '#tricky.other.deep.inner', guard: 'ok' } } },
        wait: {
          entry: 'note',
          after: { 500: 'end', slow: 'state' },
          invoke: { src: 'job', onDone: 'end', onError: 'state' },
        },
        hist: { type: 'history', history: 'deep' },
        end: { type: 'final' },
      },
    },
    other: {
      initial: 'deep',
      states: {
        deep: {
          initial: 'inner',
          states: { inner: { on: { out: '#tricky.other.flat', again: 'inner' } } },
        },
        flat: { always: { target: 'deep', guard: not('ok') }, on: { poke: { actions: 'note' } } },
      },
    },
  },
});
