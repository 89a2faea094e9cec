import { describe, expect, it } from 'vitest';
import { describeMachine, type MachineDefinition } from '../../src/inspect/definition.ts';
import { safeText, toMermaid } from '../../src/inspect/mermaid.ts';
import { type ParsedDiagram, parseMermaidState } from '../../src/inspect/mermaid-check.ts';
import { MACHINE_CATALOG } from '../../src/machines/catalog.ts';
import { trickyMachine } from './tricky-machine.ts';

/** Every state of the definition is in the diagram, with its key as label, inside its parent. */
function expectEveryState(def: MachineDefinition, ids: Map<string, string>, parsed: ParsedDiagram) {
  for (const s of def.states) {
    const id = ids.get(s.id);
    expect(id, s.id).toBeDefined();
    const state = parsed.states.get(id as string);
    expect(state, `${s.id} as ${id}`).toBeDefined();
    const label = s.kind === 'history' ? (s.history === 'deep' ? 'H*' : 'H') : s.key;
    expect(state?.label, s.id).toBe(label);
    expect(state?.parent, s.id).toBe(s.parent ? ids.get(s.parent) : undefined);
    expect(state?.composite, s.id).toBe(s.children.length > 0);
  }
  expect(parsed.states.size).toBe(def.states.length);
}

describe('Mermaid stateDiagram-v2 of every catalogued machine', () => {
  it.each(MACHINE_CATALOG.map((e) => [e.id, e] as const))('%s parses and names every state', (_id, entry) => {
    const def = describeMachine(entry.machine);
    const diagram = toMermaid(def);
    const parsed = parseMermaidState(diagram.text);
    expectEveryState(def, diagram.ids, parsed);
    // Every targeted transition is either drawn once or listed as a comment.
    const targeted = def.transitions.reduce((n, t) => n + t.targets.length, 0);
    const drawn = diagram.routes.filter((r) => r.drawn).length;
    const initials = def.states.filter((s) => s.initial).length + 1; // + the root's [*]
    const finals = def.states.filter((s) => s.kind === 'final').length;
    expect(parsed.edges).toHaveLength(drawn + initials + finals);
    expect(diagram.routes).toHaveLength(targeted);
    expect(diagram.text.match(/^\s*%% not drawn/gm) ?? []).toHaveLength(targeted - drawn);
  });

  it('kkt: parallel regions as `--` sections of a wrapped root, delays, guards and invokes labelled', () => {
    const kkt = MACHINE_CATALOG.find((e) => e.id === 'kkt');
    const { text } = toMermaid(describeMachine(kkt?.machine as never));
    expect(text.startsWith('stateDiagram-v2\n  state kkt {\n')).toBe(true);
    expect(text.match(/^ {4}--$/gm)).toHaveLength(2);
    expect(text).toContain('shift_opened --> shift_expired : after shiftLimit');
    expect(text).toContain('printer_ready --> printer_printing : always [hasQueuedJobs] / takeBatch');
    expect(text).toContain('printer_printing : invoke fiscalize');
    // Between substates of two composites: drawn between the composites, real ends in the label.
    expect(text).toContain(
      'fiscalDrive_ok --> fiscalDrive_blocked : after ofdLimit (ok.awaitingOfd → blocked.ofdTimeout)',
    );
  });
});

describe('Mermaid generator on awkward machines', () => {
  const def = describeMachine(trickyMachine);
  const diagram = toMermaid(def);

  it('parses and names every state, keyword names included', () => {
    const parsed = parseMermaidState(diagram.text);
    expectEveryState(def, diagram.ids, parsed);
    expect(diagram.ids.get('tricky.default')).toBe('s_default');
    expect(diagram.ids.get('tricky.default.state')).toBe('s_default_state');
  });

  it('routes or comments out what Mermaid cannot draw', () => {
    const byEvent = (event: string) => diagram.routes.find((r) => r.transition.eventType === event);
    expect(byEvent('go')).toMatchObject({ drawn: false, reason: 'crossesRegions' });
    expect(byEvent('odd:event;name')).toMatchObject({ drawn: false, reason: 'nested' });
    expect(byEvent('out')).toMatchObject({ drawn: true, from: 'tricky.other.deep', to: 'tricky.other.flat' });
    expect(byEvent('again')).toMatchObject({ drawn: true, from: 'tricky.other.deep.inner' });
    expect(diagram.text).toContain('other_deep --> other_flat : out (deep.inner → flat)');
    expect(diagram.text).toContain(
      '%% not drawn (crosses parallel regions): default.state → other.deep.inner on go [ok]',
    );
    expect(diagram.text).toContain('on odd event name');
    expect(diagram.text).toContain('s_default_wait --> s_default_end : after 500ms');
    expect(diagram.text).toContain('other_flat --> other_deep : always [not(ok)]');
    expect(diagram.text).toContain('s_default_end --> [*]');
  });

  it('is deterministic', () => {
    expect(toMermaid(describeMachine(trickyMachine.provide({}))).text).toBe(diagram.text);
  });

  it('keeps labels inside what Mermaid reads as one label', () => {
    expect(safeText('a:b;c\nd "e" %% #f <g> direction LR')).toBe('a b c d e f ‹g› direction-LR');
  });
});

describe('the strict stateDiagram-v2 checker', () => {
  const ok = 'stateDiagram-v2\n  state "a" as a\n  state "b" as b\n  [*] --> a\n  a --> b : go [x] / y\n';

  it('accepts the subset', () => {
    const parsed = parseMermaidState(ok);
    expect([...parsed.states.keys()]).toEqual(['a', 'b']);
    expect(parsed.edges.map((e) => `${e.from}>${e.to}:${e.label}`)).toEqual(['[*]>a:', 'a>b:go [x] / y']);
  });

  it.each([
    ['a missing header', 'state "a" as a\n', 'stateDiagram-v2'],
    [
      'a transition between substates of two composites',
      'stateDiagram-v2\n  state c1 {\n    state "x" as x\n  }\n  state c2 {\n    state "y" as y\n    x --> y\n  }\n',
      'another composite',
    ],
    [
      'a transition across `--` sections',
      'stateDiagram-v2\n  state p {\n    state "x" as x\n    --\n    state "y" as y\n    x --> y\n  }\n',
      'another composite or `--` section',
    ],
    ['`--` outside a composite', 'stateDiagram-v2\n  state "a" as a\n  --\n', 'only valid inside'],
    ['a keyword id', 'stateDiagram-v2\n  state "d" as defaultState\n', 'keyword'],
    ['a colon inside a label', 'stateDiagram-v2\n  state "a" as a\n  a --> a : x : y\n', 'subset'],
    [
      'a direction phrase in a label',
      'stateDiagram-v2\n  state "a" as a\n  a --> a : turn direction TB\n',
      'direction',
    ],
    ['an undeclared state', 'stateDiagram-v2\n  a --> b\n', 'before it is declared'],
    ['an unclosed composite', 'stateDiagram-v2\n  state c {\n    state "a" as a\n', 'unclosed'],
    ['an empty composite', 'stateDiagram-v2\n  state c {\n  }\n', 'empty'],
    ['a state declared twice', 'stateDiagram-v2\n  state "a" as a\n  state "a" as a\n', 'twice'],
    ['a description on a composite', 'stateDiagram-v2\n  state c {\n    state "a" as a\n  }\n  c : hi\n', 'composite'],
  ])('rejects %s', (_name, text, message) => {
    expect(() => parseMermaidState(text)).toThrow(message);
  });
});
