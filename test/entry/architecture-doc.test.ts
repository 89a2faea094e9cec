import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * docs/architecture.md draws the layers as a Mermaid graph. The diagram must show exactly the
 * imports the dependency rules allow (dependency-layers.cjs), in the small Mermaid subset read
 * strictly below, so the map a newcomer reads cannot drift from the rules CI enforces.
 */
const ROOT = join(import.meta.dirname, '../..');
const LAYERS = createRequire(import.meta.url)(join(ROOT, 'dependency-layers.cjs')) as Record<string, string[]>;

interface Graph {
  nodes: Map<string, string>;
  edges: [string, string][];
}

/** `graph TD`, then `id["label"]` and `a --> b` lines only; anything else is an error. */
function parseLayerGraph(source: string): Graph {
  const lines = source.split('\n').filter((l) => l.trim() !== '');
  if (lines[0]?.trim() !== 'graph TD') throw new Error(`expected "graph TD", got "${lines[0]}"`);
  const nodes = new Map<string, string>();
  const edges: [string, string][] = [];
  for (const line of lines.slice(1)) {
    const node = /^ {2}([a-z_]+)\["([^"\]]+)"\]$/.exec(line);
    const edge = /^ {2}([a-z_]+) --> ([a-z_]+)$/.exec(line);
    if (node) {
      if (nodes.has(node[1] as string)) throw new Error(`node ${node[1]} declared twice`);
      nodes.set(node[1] as string, node[2] as string);
    } else if (edge) {
      for (const id of [edge[1], edge[2]] as string[])
        if (!nodes.has(id)) throw new Error(`edge "${line.trim()}" names an undeclared node ${id}`);
      edges.push([edge[1] as string, edge[2] as string]);
    } else throw new Error(`not in the checked Mermaid subset: "${line}"`);
  }
  return { nodes, edges };
}

function diagram(): Graph {
  const doc = readFileSync(join(ROOT, 'docs/architecture.md'), 'utf8');
  const block = /```mermaid\n([\s\S]*?)```/.exec(doc);
  if (!block) throw new Error('docs/architecture.md has no mermaid block');
  return parseLayerGraph(block[1] as string);
}

const layerOf = (id: string) => id.replace('_', '/');
/** Folders whose sub-folders are layers of their own. */
const SPLIT = ['shtrih', 'atol'];

describe('docs/architecture.md', () => {
  it('draws exactly the allowed imports of dependency-layers.cjs', () => {
    const g = diagram();
    const drawn = g.edges.filter(([from]) => from !== 'entry').map(([a, b]) => `${layerOf(a)} → ${layerOf(b)}`);
    const allowed = Object.entries(LAYERS).flatMap(([from, to]) => to.map((t) => `${from} → ${t}`));
    expect(drawn.sort()).toEqual(allowed.sort());
  });

  it('has a node, labelled with its folder, for every folder of src/', () => {
    const g = diagram();
    const folders = readdirSync(join(ROOT, 'src'))
      .filter((f) => statSync(join(ROOT, 'src', f)).isDirectory())
      .flatMap((f) => (SPLIT.includes(f) ? readdirSync(join(ROOT, 'src', f)).map((s) => `${f}/${s}`) : [f]));
    expect([...g.nodes.keys()].map(layerOf).sort()).toEqual(folders.sort());
    for (const [id, label] of g.nodes) expect(label.startsWith(`src/${layerOf(id)}:`)).toBe(true);
    expect(Object.keys(LAYERS).sort()).toEqual(folders.filter((f) => f !== 'entry').sort());
  });

  it('the strict reader refuses what it does not know', () => {
    expect(() => parseLayerGraph('graph LR\n  a["x"]')).toThrow(/graph TD/);
    expect(() => parseLayerGraph('graph TD\n  a["x"]\n  a --> b')).toThrow(/undeclared node b/);
    expect(() => parseLayerGraph('graph TD\n  a["x"]\n  a -.-> a')).toThrow(/subset/);
  });
});
