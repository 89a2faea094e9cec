import type { AnyStateMachine } from 'xstate';
import { describeMachine, type MachineDefinition } from './definition.ts';
import { InspectError } from './errors.ts';
import { toSmcat } from './smcat.ts';

/**
 * Server-side SVG of a machine, drawn by state-machine-cat (Graphviz compiled to WASM: no
 * browser, no network, identical output on every machine). The first render loads the WASM
 * module (~0.3 s); later ones take ~50 ms, so each machine is rendered once per process.
 */
const cache = new WeakMap<AnyStateMachine, Promise<string>>();

export function machineSvg(machine: AnyStateMachine): Promise<string> {
  let svg = cache.get(machine);
  if (!svg) {
    svg = render(describeMachine(machine));
    cache.set(machine, svg);
    // A failed render is not cached: the next request tries again.
    svg.catch(() => cache.delete(machine));
  }
  return svg;
}

async function render(def: MachineDefinition): Promise<string> {
  try {
    // Loaded on first use: an adapter that never draws a diagram never loads Graphviz.
    const { render: smcat } = await import('state-machine-cat');
    const svg = await smcat(toSmcat(def), { inputType: 'json', outputType: 'svg', direction: 'top-down' });
    return markStates(svg, new Set(def.states.map((s) => s.id)));
  } catch (e) {
    throw new InspectError('INSPECT_RENDER_FAILED', `cannot draw machine "${def.id}": ${(e as Error).message}`, {
      cause: e,
    });
  }
}

/**
 * Graphviz writes each state's name into the `<title>` of its group (`cluster_<id>` for
 * composite states). Copy the XState state id into a `data-state-id` attribute, so the page
 * highlights a state with one attribute selector instead of reading titles.
 */
export function markStates(svg: string, stateIds: ReadonlySet<string>): string {
  return svg.replace(
    /<g id="((?:node|clust)\d+)" class="([^"]*)">(\s*)<title>([^<]*)<\/title>/g,
    (whole, id: string, cls: string, space: string, title: string) => {
      const name = decodeXml(title).replace(/^cluster_/, '');
      if (!stateIds.has(name)) return whole;
      return `<g id="${id}" class="${cls}" data-state-id="${escapeXml(name)}">${space}<title>${title}</title>`;
    },
  );
}

/** The SVG without its XML prolog and doctype, ready to be placed inside an HTML page. */
export function inlineSvg(svg: string): string {
  const start = svg.indexOf('<svg');
  return start === -1 ? svg : svg.slice(start);
}

function decodeXml(text: string): string {
  return text
    .replace(/&#(\d+);/g, (_, n: string) => String.fromCodePoint(Number(n)))
    .replace(/&#x([0-9a-f]+);/gi, (_, n: string) => String.fromCodePoint(Number.parseInt(n, 16)))
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
