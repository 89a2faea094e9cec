import type { MachineDefinition, StateDef, TransitionDef } from './definition.ts';
import { isReservedMermaidId } from './mermaid-check.ts';

/**
 * Mermaid `stateDiagram-v2` text for a machine definition, for Markdown docs.
 *
 * Mermaid's limits shape the output (docs, `stateDiagram.md`):
 * - parallel regions are `--` separators, valid only inside a composite, so the root is always
 *   wrapped in `state <machine> { … }`;
 * - "You cannot define transitions between internal states belonging to different composite
 *   states": a transition is declared in the body of the closest common ancestor of its ends
 *   and drawn between the children of that ancestor that contain them, its label naming the
 *   real ends. Transitions Mermaid cannot draw at all (across parallel regions, or between a
 *   composite state and its own descendants) become `%%` comments; the transitions table of
 *   the generated Markdown lists every transition anyway.
 * State ids are derived from paths (`printer_fault_paperOut`) and every state is declared with
 * its key as label (`state "paperOut" as printer_fault_paperOut`) inside its parent's body.
 */
export interface MermaidDiagram {
  text: string;
  /** Mermaid id of each XState state id. */
  ids: Map<string, string>;
  /** How each transition (per target) was emitted, in definition order. */
  routes: Route[];
}

export type Route =
  | { transition: TransitionDef; target: string; drawn: true; from: string; to: string }
  | { transition: TransitionDef; target: string; drawn: false; reason: 'crossesRegions' | 'nested' };

export function toMermaid(def: MachineDefinition): MermaidDiagram {
  const byId = new Map(def.states.map((s) => [s.id, s]));
  const root = def.states[0];
  const ids = mermaidIds(def);
  const edgesIn = new Map<string, string[]>();
  const comments: string[] = [];
  const routes: Route[] = [];
  for (const t of def.transitions) {
    for (const target of t.targets) {
      const route = routeOf(byId, t, target);
      routes.push(route);
      if (!route.drawn) {
        comments.push(
          `%% not drawn (${route.reason === 'crossesRegions' ? 'crosses parallel regions' : 'composite to its own descendant'}): ${safeText(`${relative(byId, def.id, t.source)} → ${relative(byId, def.id, target)} on ${t.label}`)}`,
        );
        continue;
      }
      const scope = byId.get(route.from)?.parent ?? def.id;
      const rerouted = route.from !== t.source || route.to !== target;
      const label = rerouted
        ? `${t.label} (${relative(byId, scope, t.source)} → ${relative(byId, scope, target)})`
        : t.label;
      const list = edgesIn.get(scope) ?? [];
      list.push(edge(ids.get(route.from) ?? '', ids.get(route.to) ?? '', label));
      edgesIn.set(scope, list);
    }
  }

  const lines = ['stateDiagram-v2'];
  if (root) {
    emitState(root, 1);
    lines.push(`  [*] --> ${ids.get(root.id)}`);
  }
  lines.push(...comments.map((c) => `  ${c}`));
  return { text: `${lines.join('\n')}\n`, ids, routes };

  function emitState(s: StateDef, depth: number): void {
    const pad = '  '.repeat(depth);
    const id = ids.get(s.id) ?? '';
    const label = safeName(s.kind === 'history' ? (s.history === 'deep' ? 'H*' : 'H') : s.key);
    // Always declared with a label: a bare `state id` line is not a statement Mermaid keeps.
    if (label !== id || s.children.length === 0) lines.push(`${pad}state "${label}" as ${id}`);
    if (s.children.length === 0) {
      for (const note of stateNotes(s, def)) lines.push(`${pad}${id} : ${note}`);
      return;
    }
    lines.push(`${pad}state ${id} {`);
    const inner = '  '.repeat(depth + 1);
    s.children.forEach((childId, i) => {
      const child = byId.get(childId);
      if (!child) return;
      if (s.kind === 'parallel' && i > 0) lines.push(`${inner}--`);
      emitState(child, depth + 1);
      if (child.kind === 'final') lines.push(`${inner}${ids.get(child.id)} --> [*]`);
    });
    // After the children: Mermaid's checker here wants states declared before they are used.
    if (s.initial) lines.push(`${inner}[*] --> ${ids.get(s.initial)}`);
    for (const e of edgesIn.get(s.id) ?? []) lines.push(`${inner}${e}`);
    lines.push(`${pad}}`);
  }
}

/** The lines shown inside an atomic state's box: invoked actors, entry/exit, internal transitions. */
function stateNotes(s: StateDef, def: MachineDefinition): string[] {
  const notes = [
    ...s.invoke.map((i) => `invoke ${i.src}`),
    ...s.entry.map((a) => `entry / ${a}`),
    ...s.exit.map((a) => `exit / ${a}`),
    ...def.transitions.filter((t) => t.source === s.id && t.targets.length === 0).map((t) => t.label),
  ];
  return notes.map(safeText).filter((n) => n !== '');
}

function edge(from: string, to: string, label: string): string {
  const text = safeText(label);
  return text === '' ? `${from} --> ${to}` : `${from} --> ${to} : ${text}`;
}

function routeOf(byId: Map<string, StateDef>, t: TransitionDef, target: string): Route {
  const up = (id: string) => {
    const chain: string[] = [];
    for (let s = byId.get(id); s; s = s.parent ? byId.get(s.parent) : undefined) chain.unshift(s.id);
    return chain;
  };
  const a = up(t.source);
  const b = up(target);
  let common = 0;
  while (common < a.length && common < b.length && a[common] === b[common]) common++;
  // One end contains the other (or they are the same state): fine for an atomic self-loop only.
  if (common === a.length || common === b.length) {
    const self = t.source === target && (byId.get(target)?.children.length ?? 0) === 0;
    return self
      ? { transition: t, target, drawn: true, from: t.source, to: target }
      : { transition: t, target, drawn: false, reason: 'nested' };
  }
  const scope = byId.get(a[common - 1] ?? '');
  if (scope?.kind === 'parallel') return { transition: t, target, drawn: false, reason: 'crossesRegions' };
  return { transition: t, target, drawn: true, from: a[common] ?? t.source, to: b[common] ?? target };
}

/** The path of `id` below the state `scope` (`blocked.fnExpired`), or its full path. */
function relative(byId: Map<string, StateDef>, scope: string, id: string): string {
  const s = byId.get(id);
  const base = byId.get(scope);
  if (!s) return id;
  if (!base || s.id === base.id) return s.key;
  const inside = s.path.slice(0, base.path.length).join('.') === base.path.join('.');
  return (inside ? s.path.slice(base.path.length) : s.path).join('.') || s.key;
}

/**
 * Ids Mermaid's lexer reads as one identifier (`[A-Za-z0-9_]`), unique in the diagram, never a
 * keyword (`state`, `end`, …) nor starting with one its lexer matches without a word boundary
 * (`default`).
 */
function mermaidIds(def: MachineDefinition): Map<string, string> {
  const ids = new Map<string, string>();
  const used = new Set<string>();
  for (const s of def.states) {
    let base = (s.path.length === 0 ? def.id : s.path.join('_')).replace(/[^A-Za-z0-9_]/g, '_');
    if (isReservedMermaidId(base) || /^[0-9]/.test(base) || base === '') base = `s_${base}`;
    let id = base;
    for (let n = 2; used.has(id); n++) id = `${base}_${n}`;
    used.add(id);
    ids.set(s.id, id);
  }
  return ids;
}

/**
 * Text Mermaid reads as a label (`: …`): no `:` or `;` (they end it), no newline, no `%`/`#`
 * (comments), no `"`, no HTML, and never `direction LR`-like words, which Mermaid's lexer
 * matches anywhere on a line.
 */
export function safeText(text: string): string {
  return text
    .replace(/[:;]/g, ' ')
    .replace(/[\r\n]+/g, ' ')
    .replace(/[%#"]/g, '')
    .replace(/</g, '‹')
    .replace(/>/g, '›')
    .replace(/direction(\s+)(tb|bt|rl|lr)/gi, 'direction-$2')
    .replace(/\s+/g, ' ')
    .trim();
}

/** A state label inside `state "…" as id`. */
function safeName(text: string): string {
  return safeText(text) || '?';
}
