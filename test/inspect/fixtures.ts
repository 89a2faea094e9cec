import { EventEmitter } from 'node:events';
import { setup } from 'xstate';
import type { SseSink } from '../../src/inspect/sse-client.ts';

/** off ⇄ on: the smallest machine with a visible state change. */
export const toggleMachine = setup({}).createMachine({
  id: 'toggle',
  initial: 'off',
  states: {
    off: { on: { flip: 'on' } },
    on: { on: { flip: 'off' } },
  },
});

/** Two regions, one of them nested: exercises parallel values. */
export const regionsMachine = setup({}).createMachine({
  id: 'regions',
  type: 'parallel',
  states: {
    link: { initial: 'down', states: { down: { on: { up: 'up' } }, up: {} } },
    mode: {
      initial: 'idle',
      states: {
        idle: { on: { go: 'busy.a' } },
        busy: { initial: 'a', states: { a: { on: { next: 'b' } }, b: {} } },
      },
    },
  },
});

export const testCatalog = [
  { id: 'toggle', title: 'Toggle', machine: toggleMachine },
  { id: 'regions', title: 'Regions', machine: regionsMachine },
];

/** An SSE sink that records what is written and can pretend to be a slow socket. */
export class FakeSink extends EventEmitter implements SseSink {
  readonly chunks: string[] = [];
  /** What write() answers: false = "buffer full, wait for drain". */
  accept = true;
  throwOnWrite = false;
  writableEnded = false;
  destroyed = false;

  write(chunk: string): boolean {
    if (this.throwOnWrite) throw new Error('socket exploded');
    this.chunks.push(chunk);
    return this.accept;
  }

  end(): void {
    this.writableEnded = true;
  }

  drain(): void {
    this.accept = true;
    this.emit('drain');
  }

  /** The SSE events written so far (comments skipped). */
  events(): { event: string; data: unknown }[] {
    return parseSse(this.chunks.join(''));
  }
}

export function parseSse(text: string): { event: string; data: unknown }[] {
  const out: { event: string; data: unknown }[] = [];
  for (const block of text.split('\n\n')) {
    let event = 'message';
    let data = '';
    for (const line of block.split('\n')) {
      if (line.startsWith('event: ')) event = line.slice(7);
      else if (line.startsWith('data: ')) data += line.slice(6);
    }
    if (data !== '') out.push({ event, data: JSON.parse(data) });
  }
  return out;
}
