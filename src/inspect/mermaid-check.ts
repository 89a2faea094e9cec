import { InspectError } from './errors.ts';

/**
 * A strict reader for the subset of Mermaid `stateDiagram-v2` that `toMermaid` writes. No
 * Node-runnable Mermaid parser covers state diagrams (`@mermaid-js/parser` does not), so this
 * mirrors the rules of Mermaid's own lexer (`stateDiagram.jison`, `state.tokens.ts`) for the
 * constructs used, and adds the rule Mermaid only enforces when drawing: a transition may only
 * join states declared in the same composite body (and the same `--` section of it).
 * Anything outside the subset is an error, so a generator change that leaves it fails loudly.
 */
export interface ParsedState {
  id: string;
  label: string;
  /** Mermaid id of the enclosing composite; undefined at the top level. */
  parent: string | undefined;
  /** Index of the `--` section of the parent it sits in. */
  section: number;
  composite: boolean;
  notes: string[];
}

export interface ParsedEdge {
  from: string;
  to: string;
  label: string;
  line: number;
}

export interface ParsedDiagram {
  states: Map<string, ParsedState>;
  edges: ParsedEdge[];
}

const ID = '[A-Za-z_][A-Za-z0-9_]*';
const END = `(?:${ID}|\\[\\*\\])`;
const LABEL = '[^:;\\n%#"]+';
const PATTERNS = {
  header: /^stateDiagram-v2$/,
  comment: /^%%(?!\{)[^\n]*$/,
  alias: new RegExp(`^state "([^"\\n]+)" as (${ID})$`),
  open: new RegExp(`^state (${ID}) \\{$`),
  close: /^\}$/,
  divider: /^--$/,
  edge: new RegExp(`^(${END}) --> (${END})(?: : (${LABEL}))?$`),
  note: new RegExp(`^(${ID}) : (${LABEL})$`),
};
/** Words Mermaid's lexer takes as keywords at the start of an id (case-insensitive). */
const KEYWORD_PREFIX = /^(default|click|href)/i;
const KEYWORDS = /^(state|note|class|classdef|scale|style|direction|end|as)$/i;
/** Matched by Mermaid's lexer anywhere on a line, before anything else. */
const DIRECTION_ANYWHERE = /direction\s+(tb|bt|rl|lr)/i;

interface Scope {
  id: string | undefined;
  section: number;
  /** Lines of the current section (a `--` must separate non-empty sections). */
  sectionLines: number;
}

export function parseMermaidState(text: string): ParsedDiagram {
  const states = new Map<string, ParsedState>();
  const edges: ParsedEdge[] = [];
  const stack: Scope[] = [{ id: undefined, section: 0, sectionLines: 0 }];
  const fail = (line: number, message: string): never => {
    throw new InspectError('INSPECT_MERMAID_INVALID', `mermaid line ${line}: ${message}`);
  };
  const lines = text.split('\n');
  let sawHeader = false;
  lines.forEach((raw, index) => {
    const n = index + 1;
    const line = raw.trim();
    if (line === '') return;
    if (raw !== raw.trimEnd()) fail(n, 'trailing whitespace');
    if (DIRECTION_ANYWHERE.test(line)) fail(n, 'contains a `direction XX` phrase, which Mermaid reads as a directive');
    if (/hide empty description/i.test(line)) fail(n, 'contains `hide empty description`');
    if (!sawHeader) {
      if (!PATTERNS.header.test(line)) fail(n, 'the first line must be `stateDiagram-v2`');
      sawHeader = true;
      return;
    }
    if (PATTERNS.comment.test(line)) return;
    const scope = stack[stack.length - 1] as Scope;
    const declare = (id: string, label: string, composite: boolean) => {
      checkId(n, id);
      const existing = states.get(id);
      if (!existing) {
        states.set(id, { id, label, parent: scope.id, section: scope.section, composite, notes: [] });
        return;
      }
      // Only `state "label" as id` followed by `state id {` may name a state twice.
      if (existing.parent !== scope.id || existing.section !== scope.section)
        fail(n, `state ${id} was declared in another composite or section`);
      if (!composite) fail(n, `state ${id} is declared twice`);
      if (existing.composite) fail(n, `composite ${id} is opened twice`);
      existing.composite = true;
    };
    const visible = (id: string) => {
      if (id === '[*]') return;
      const s = states.get(id);
      if (!s) fail(n, `state ${id} is used before it is declared`);
      else if (s.parent !== scope.id || s.section !== scope.section)
        fail(n, `state ${id} belongs to another composite or \`--\` section; Mermaid cannot draw this transition`);
    };
    const alias = PATTERNS.alias.exec(line);
    const open = PATTERNS.open.exec(line);
    const edge = PATTERNS.edge.exec(line);
    const note = PATTERNS.note.exec(line);
    if (alias) {
      declare(alias[2] as string, alias[1] as string, false);
    } else if (open) {
      const id = open[1] as string;
      declare(id, id, true);
      scope.sectionLines++;
      stack.push({ id, section: 0, sectionLines: 0 });
      return;
    } else if (PATTERNS.close.test(line)) {
      if (stack.length === 1) fail(n, '`}` without a composite to close');
      if (scope.sectionLines === 0) fail(n, 'empty composite body or section');
      stack.pop();
      return;
    } else if (PATTERNS.divider.test(line)) {
      if (stack.length === 1) fail(n, '`--` is only valid inside a composite state');
      if (scope.sectionLines === 0) fail(n, '`--` after an empty section');
      scope.section++;
      scope.sectionLines = 0;
      return;
    } else if (edge) {
      const [from, to] = [edge[1] as string, edge[2] as string];
      if (from === '[*]' && to === '[*]') fail(n, '`[*] --> [*]`');
      visible(from);
      visible(to);
      edges.push({ from, to, label: (edge[3] ?? '').trim(), line: n });
    } else if (note) {
      const id = note[1] as string;
      visible(id);
      const s = states.get(id);
      if (s?.composite) fail(n, `descriptions on composite state ${id} are not supported`);
      s?.notes.push((note[2] as string).trim());
    } else {
      fail(n, `not part of the supported stateDiagram-v2 subset: ${line}`);
    }
    scope.sectionLines++;
  });
  if (!sawHeader) fail(1, 'empty diagram');
  if (stack.length !== 1) fail(lines.length, 'unclosed composite state');
  return { states, edges };
}

/** True for an id Mermaid's lexer would read as (the start of) a keyword. */
export function isReservedMermaidId(id: string): boolean {
  return KEYWORD_PREFIX.test(id) || KEYWORDS.test(id);
}

function checkId(line: number, id: string): void {
  if (isReservedMermaidId(id))
    throw new InspectError('INSPECT_MERMAID_INVALID', `mermaid line ${line}: id ${id} collides with a keyword`);
}
