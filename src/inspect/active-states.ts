import type { AnyStateMachine, StateValue } from 'xstate';

export interface ActiveStates {
  /** XState ids of every active state below the root (`kkt.printer`, `kkt.printer.printing`, …). */
  ids: string[];
  /** Paths of the active leaves (`printer.printing`), one per region: what a person reads. */
  leaves: string[];
}

interface NodeLike {
  id: string;
  path: string[];
  states: Record<string, NodeLike>;
}

const NONE: ActiveStates = Object.freeze({ ids: [], leaves: [] }) as ActiveStates;

/**
 * Active states of one machine from a snapshot value. Walks the value instead of calling
 * `getStateNodes`, which repeats ancestors and throws on a value that does not fit the machine
 * (an inspector must never throw). Results are cached per value: consecutive log entries share
 * value objects, and string values repeat.
 */
export class StateResolver {
  private readonly root: NodeLike;
  private readonly byObject = new WeakMap<object, ActiveStates>();
  private readonly byString = new Map<string, ActiveStates>();

  constructor(machine: AnyStateMachine) {
    this.root = machine.root as unknown as NodeLike;
  }

  resolve(value: StateValue | undefined): ActiveStates {
    if (value === undefined || value === null) return NONE;
    if (typeof value === 'string') {
      let hit = this.byString.get(value);
      if (!hit) {
        hit = this.compute(value);
        // Bounded by the number of states of the machine.
        if (this.byString.size < 1024) this.byString.set(value, hit);
      }
      return hit;
    }
    if (typeof value !== 'object') return NONE;
    let hit = this.byObject.get(value);
    if (!hit) {
      hit = this.compute(value);
      this.byObject.set(value, hit);
    }
    return hit;
  }

  private compute(value: StateValue): ActiveStates {
    const ids: string[] = [];
    const leaves: string[] = [];
    const walk = (node: NodeLike, v: unknown) => {
      if (typeof v === 'string') {
        const child = node.states[v];
        if (!child) return;
        ids.push(child.id);
        leaves.push(child.path.join('.'));
        return;
      }
      if (!v || typeof v !== 'object') return;
      for (const key of Object.keys(v)) {
        const child = node.states[key];
        if (!child) continue;
        ids.push(child.id);
        const sub = (v as Record<string, unknown>)[key];
        // `{ region: {} }`: an atomic child of a parallel state.
        if (sub && typeof sub === 'object' && Object.keys(sub).length === 0) leaves.push(child.path.join('.'));
        else walk(child, sub);
      }
    };
    walk(this.root, value);
    return { ids, leaves };
  }
}
