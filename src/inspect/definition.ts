import type { AnyStateMachine } from 'xstate';

/**
 * A machine definition reduced to what diagrams and the inspector page need. Built by walking
 * the live `StateNode`s rather than `machine.toJSON()`, which omits `always` transitions and
 * turns inline implementations into `null` (see the XState reference, §4).
 */
export type StateKind = 'atomic' | 'compound' | 'parallel' | 'final' | 'history';

export interface StateDef {
  /** The XState state node id (`kkt.printer.printing`): unique within the machine. */
  id: string;
  /** The key within its parent (`printing`); the machine id for the root. */
  key: string;
  /** Keys from the root down (`['printer', 'printing']`); empty for the root. */
  path: string[];
  kind: StateKind;
  /** For history states. */
  history?: 'shallow' | 'deep';
  /** Id of the initial child of a compound state. */
  initial?: string;
  /** Ids of the children, in definition order. */
  children: string[];
  parent?: string;
  entry: string[];
  exit: string[];
  invoke: { id: string; src: string; systemId?: string }[];
  tags: string[];
  description?: string;
}

export type Trigger =
  | { kind: 'event'; event: string }
  | { kind: 'after'; delay: string }
  | { kind: 'always' }
  | { kind: 'done'; src: string }
  | { kind: 'error'; src: string }
  | { kind: 'stateDone' };

export interface TransitionDef {
  /** Id of the state that declares the transition. */
  source: string;
  /** Ids of the target states; empty for a targetless transition (actions only). */
  targets: string[];
  trigger: Trigger;
  /** The XState event type (`xstate.after.shiftLimit.kkt.shift.opened`); empty for `always`. */
  eventType: string;
  guard?: string;
  actions: string[];
  reenter: boolean;
  /** `trigger [guard] / actions`, the label both renderers draw. */
  label: string;
}

export interface MachineDefinition {
  id: string;
  /** All states in document order (pre-order, the root first). */
  states: StateDef[];
  transitions: TransitionDef[];
}

/** Structural view of the XState StateNode fields read here (the public class is generic-heavy). */
interface NodeLike {
  id: string;
  key: string;
  path: string[];
  type: StateKind;
  history: false | 'shallow' | 'deep';
  states: Record<string, NodeLike>;
  parent?: NodeLike;
  initial?: { target: NodeLike[] };
  entry: unknown[];
  exit: unknown[];
  invoke: { id: string; src: unknown; systemId?: string }[];
  tags: string[];
  description?: string;
  transitions: Map<string, TransitionLike[]>;
  always?: TransitionLike[];
  target?: NodeLike[];
}

interface TransitionLike {
  eventType: string;
  target?: NodeLike[];
  guard?: unknown;
  actions: unknown[];
  reenter?: boolean;
  delay?: unknown;
}

const cache = new WeakMap<AnyStateMachine, MachineDefinition>();

/** The definition of a machine; computed once per machine object. */
export function describeMachine(machine: AnyStateMachine): MachineDefinition {
  let def = cache.get(machine);
  if (!def) {
    def = build(machine.root as unknown as NodeLike);
    cache.set(machine, def);
  }
  return def;
}

function build(root: NodeLike): MachineDefinition {
  const states: StateDef[] = [];
  const transitions: TransitionDef[] = [];
  const visit = (node: NodeLike) => {
    states.push(stateDef(node));
    const invokeSrc = new Map(node.invoke.map((i) => [i.id, srcName(i.src, i.id)]));
    for (const [eventType, list] of node.transitions) {
      for (const t of list) transitions.push(transitionDef(node, eventType, t, invokeSrc));
    }
    for (const t of node.always ?? []) transitions.push(transitionDef(node, '', t, invokeSrc));
    // A history state's default target is drawn as a transition too.
    if (node.type === 'history' && node.target?.length) {
      transitions.push({
        source: node.id,
        targets: node.target.map((n) => n.id),
        trigger: { kind: 'always' },
        eventType: '',
        actions: [],
        reenter: false,
        label: 'default',
      });
    }
    for (const child of Object.values(node.states)) visit(child);
  };
  visit(root);
  return { id: root.id, states, transitions };
}

function stateDef(node: NodeLike): StateDef {
  const def: StateDef = {
    id: node.id,
    key: node.key,
    path: [...node.path],
    kind: node.type,
    children: Object.values(node.states).map((c) => c.id),
    entry: actionNames(node.entry),
    exit: actionNames(node.exit),
    invoke: node.invoke.map((i) => ({
      id: i.id,
      src: srcName(i.src, i.id),
      ...(i.systemId ? { systemId: i.systemId } : {}),
    })),
    tags: [...node.tags],
  };
  if (node.parent) def.parent = node.parent.id;
  if (node.type === 'history') def.history = node.history === 'deep' ? 'deep' : 'shallow';
  const initial = node.type === 'compound' ? node.initial?.target[0] : undefined;
  if (initial) def.initial = initial.id;
  if (node.description) def.description = node.description;
  return def;
}

function transitionDef(
  node: NodeLike,
  eventType: string,
  t: TransitionLike,
  invokeSrc: Map<string, string>,
): TransitionDef {
  const trigger = triggerOf(eventType, t, node, invokeSrc);
  const guard = t.guard === undefined ? undefined : guardName(t.guard);
  const actions = actionNames(t.actions);
  const def: TransitionDef = {
    source: node.id,
    targets: (t.target ?? []).map((n) => n.id),
    trigger,
    eventType,
    actions,
    reenter: t.reenter === true,
    label: '',
  };
  if (guard !== undefined) def.guard = guard;
  def.label = transitionLabel(def);
  return def;
}

const AFTER = 'xstate.after.';
const DONE_ACTOR = 'xstate.done.actor.';
const ERROR_ACTOR = 'xstate.error.actor.';
const DONE_STATE = 'xstate.done.state.';

function triggerOf(eventType: string, t: TransitionLike, node: NodeLike, invokeSrc: Map<string, string>): Trigger {
  if (eventType === '') return { kind: 'always' };
  if (eventType.startsWith(AFTER)) return { kind: 'after', delay: delayName(t.delay, eventType, node.id) };
  if (eventType.startsWith(DONE_ACTOR)) {
    const id = eventType.slice(DONE_ACTOR.length);
    return { kind: 'done', src: invokeSrc.get(id) ?? id };
  }
  if (eventType.startsWith(ERROR_ACTOR)) {
    const id = eventType.slice(ERROR_ACTOR.length);
    return { kind: 'error', src: invokeSrc.get(id) ?? id };
  }
  if (eventType.startsWith(DONE_STATE)) return { kind: 'stateDone' };
  return { kind: 'event', event: eventType };
}

/** `xstate.after.<delay>.<stateId>`: the delay is a name from `setup({ delays })` or milliseconds. */
function delayName(delay: unknown, eventType: string, stateId: string): string {
  if (typeof delay === 'number') return formatMs(delay);
  if (typeof delay === 'string') return /^\d+$/.test(delay) ? formatMs(Number(delay)) : delay;
  const inner = eventType.slice(AFTER.length, eventType.length - stateId.length - 1);
  return /^\d+$/.test(inner) ? formatMs(Number(inner)) : inner || 'delay';
}

function formatMs(ms: number): string {
  if (ms >= 1000 && ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}

export function triggerText(trigger: Trigger): string {
  switch (trigger.kind) {
    case 'event':
      return trigger.event;
    case 'after':
      return `after ${trigger.delay}`;
    case 'always':
      return 'always';
    case 'done':
      return `onDone(${trigger.src})`;
    case 'error':
      return `onError(${trigger.src})`;
    case 'stateDone':
      return 'onDone';
  }
}

export function transitionLabel(t: Pick<TransitionDef, 'trigger' | 'guard' | 'actions'>): string {
  let label = triggerText(t.trigger);
  if (t.guard !== undefined) label += ` [${t.guard}]`;
  if (t.actions.length > 0) label += ` / ${t.actions.join(', ')}`;
  return label;
}

/**
 * Names of actions as written in the machine. Named actions are strings; built-ins (`assign`,
 * `raise`, …) are functions with a `type` of `xstate.<name>`. The raise/cancel pairs XState adds
 * for `after` timers are plumbing, already drawn as `after` transitions, so they are left out.
 */
function actionNames(actions: readonly unknown[]): string[] {
  const names: string[] = [];
  for (const a of actions) {
    const name = actionName(a);
    if (name !== undefined) names.push(name);
  }
  return names;
}

function actionName(a: unknown): string | undefined {
  if (typeof a === 'string') return a;
  if (a === null || a === undefined) return 'inline';
  const fields = a as { type?: unknown; id?: unknown; sendId?: unknown; name?: unknown };
  const type = typeof fields.type === 'string' ? fields.type : undefined;
  if (type === 'xstate.raise' && typeof fields.id === 'string' && fields.id.startsWith(AFTER)) return undefined;
  if (type === 'xstate.cancel' && typeof fields.sendId === 'string' && fields.sendId.startsWith(AFTER))
    return undefined;
  if (type !== undefined) return type.startsWith('xstate.') ? type.slice('xstate.'.length) : type;
  if (typeof a === 'function') return (a as { name: string }).name || 'inline';
  return 'inline';
}

/** Guards: a name, `{ type, params }`, or a function (inline, or `and`/`or`/`not`/`stateIn`). */
function guardName(g: unknown): string {
  if (typeof g === 'string') return g;
  if (typeof g === 'function') {
    const fn = g as { name: string; guards?: unknown[]; stateValue?: unknown };
    if (Array.isArray(fn.guards)) return `${fn.name}(${fn.guards.map(guardName).join(', ')})`;
    if (fn.stateValue !== undefined) return `stateIn(${JSON.stringify(fn.stateValue)})`;
    return fn.name || 'guard';
  }
  if (g && typeof g === 'object' && typeof (g as { type?: unknown }).type === 'string')
    return (g as { type: string }).type;
  return 'guard';
}

/** `invoke.src` is a key of `setup({ actors })` or, when inline, a logic object. */
function srcName(src: unknown, id: string): string {
  if (typeof src === 'string') return src;
  const logic = src as { id?: unknown; config?: { id?: unknown } } | undefined;
  if (typeof logic?.id === 'string') return logic.id;
  if (typeof logic?.config?.id === 'string') return logic.config.id;
  return `inline:${id}`;
}
