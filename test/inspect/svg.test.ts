import { describe, expect, it } from 'vitest';
import { describeMachine } from '../../src/inspect/definition.ts';
import { inlineSvg, machineSvg, markStates } from '../../src/inspect/svg.ts';
import { MACHINE_CATALOG } from '../../src/machines/catalog.ts';
import { trickyMachine } from './tricky-machine.ts';

describe('server-side SVG (state-machine-cat, Graphviz as WASM)', () => {
  it.each(MACHINE_CATALOG.map((e) => [e.id, e] as const))(
    '%s: every state is findable by its XState id',
    async (_id, entry) => {
      const svg = await machineSvg(entry.machine);
      expect(svg).toContain('<svg');
      const marked = new Set([...svg.matchAll(/data-state-id="([^"]+)"/g)].map((m) => m[1]));
      for (const s of describeMachine(entry.machine).states) {
        if (s.path.length > 0) expect(marked, s.id).toContain(s.id);
      }
    },
  );

  it('renders once per machine and identically for an equal machine', async () => {
    const first = machineSvg(trickyMachine);
    expect(machineSvg(trickyMachine)).toBe(first);
    expect(await machineSvg(trickyMachine.provide({}))).toBe(await first);
    expect(await first).toContain('go [ok]');
  });

  it('marks node and cluster groups only for known state ids, decoding Graphviz escapes', () => {
    const svg =
      '<g id="node1" class="node state regular">\n<title>a&#45;b</title></g>' +
      '<g id="clust2" class="cluster state regular">\n<title>cluster_c</title></g>' +
      '<g id="node3" class="node state initial">\n<title>c.[initial]</title></g>';
    const marked = markStates(svg, new Set(['a-b', 'c']));
    expect(marked).toContain('<g id="node1" class="node state regular" data-state-id="a-b">');
    expect(marked).toContain('<g id="clust2" class="cluster state regular" data-state-id="c">');
    expect(marked).toContain('<g id="node3" class="node state initial">');
    expect(inlineSvg('<?xml version="1.0"?>\n<!DOCTYPE svg>\n<svg a="1"/>')).toBe('<svg a="1"/>');
  });
});
