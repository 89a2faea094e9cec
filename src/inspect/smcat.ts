import type { IActionType, IState, IStateMachine, ITransition } from 'state-machine-cat';
import type { MachineDefinition, StateDef, TransitionDef } from './definition.ts';

/**
 * A machine definition as a state-machine-cat AST. Each smcat state is named by its XState
 * state id, so Graphviz writes that id into the `<title>` of the state's SVG group (nodes) or
 * `cluster_<id>` (composite states): that is how the page finds a state to highlight.
 */
export function toSmcat(def: MachineDefinition): IStateMachine {
  const byId = new Map(def.states.map((s) => [s.id, s]));
  const root = def.states[0];
  if (!root) return { states: [] };
  // Transitions hang at the level of the lowest common ancestor of their ends, as smcat expects
  // for transitions that cross composite states.
  const transitionsAt = new Map<string, ITransition[]>();
  let nextId = 1;
  for (const t of def.transitions) {
    for (const target of t.targets) {
      const at = commonAncestor(byId, t.source, target);
      const list = transitionsAt.get(at) ?? [];
      list.push({ id: nextId++, from: t.source, to: target, label: t.label, class: `kind-${t.trigger.kind}` });
      transitionsAt.set(at, list);
    }
  }
  const internal = new Map<string, TransitionDef[]>();
  for (const t of def.transitions) {
    if (t.targets.length > 0) continue;
    const list = internal.get(t.source) ?? [];
    list.push(t);
    internal.set(t.source, list);
  }

  const stateOf = (s: StateDef): IState => {
    const state: IState = { name: s.id, type: smcatType(s), label: s.key };
    const actions: IActionType[] = [
      ...s.entry.map((body) => ({ type: 'entry' as const, body })),
      ...s.exit.map((body) => ({ type: 'exit' as const, body })),
      ...s.invoke.map((i) => ({ type: 'activity' as const, body: `invoke ${i.src}` })),
      ...(internal.get(s.id) ?? []).map((t) => ({ type: 'activity' as const, body: t.label })),
    ];
    if (s.kind === 'final') actions.unshift({ type: 'activity', body: 'final' });
    if (actions.length > 0 && state.type !== 'history' && state.type !== 'deephistory') state.actions = actions;
    if (s.kind === 'final') state.class = 'final';
    if (s.children.length > 0) {
      const states: IState[] = [];
      const transitions: ITransition[] = [];
      if (s.initial) {
        const name = `${s.id}.[initial]`;
        states.push({ name, type: 'initial' });
        transitions.push({ id: nextId++, from: name, to: s.initial });
      }
      for (const childId of s.children) {
        const child = byId.get(childId);
        if (child) states.push(stateOf(child));
      }
      transitions.push(...(transitionsAt.get(s.id) ?? []));
      state.statemachine = { states, transitions };
    }
    return state;
  };
  // The root is drawn as a box too: it carries the machine's own (root-level) transitions and
  // shows whether the machine is parallel.
  return { states: [stateOf(root)] };
}

function smcatType(s: StateDef): IState['type'] {
  if (s.kind === 'parallel') return 'parallel';
  if (s.kind === 'history') return s.history === 'deep' ? 'deephistory' : 'history';
  return 'regular';
}

/**
 * The id of the state whose nested machine holds a transition from `a` to `b`: the closest
 * common ancestor. A transition between a state and its own descendant (or itself) belongs to
 * the parent of the outer one, so that both ends are inside the level it is declared on.
 */
function commonAncestor(byId: Map<string, StateDef>, a: string, b: string): string {
  const chain = (id: string) => {
    const ids: string[] = [];
    for (let s = byId.get(id); s; s = s.parent ? byId.get(s.parent) : undefined) ids.push(s.id);
    return ids;
  };
  const ofB = new Set(chain(b));
  for (const id of chain(a)) {
    if (id !== a && id !== b && ofB.has(id)) return id;
  }
  // `a` is `b`, or one contains the other: declare the edge one level up.
  const outer = ofB.has(a) ? a : b;
  return byId.get(outer)?.parent ?? outer;
}
