import { describe, expect, it } from 'vitest';
import { createActor } from 'xstate';
import { startStatelyTransport, summariseContext } from '../../src/inspect/stately.ts';
import { toggleMachine } from './fixtures.ts';

/** The bits of `ws` (a dependency of @statelyai/inspect, without bundled types) used here. */
interface WsServer {
  on(event: 'connection', listener: (socket: { on(event: 'message', l: (data: unknown) => void): void }) => void): void;
  once(event: 'listening', listener: () => void): void;
  address(): { port: number };
  close(): void;
}

describe('optional Stately transport (@statelyai/inspect WebSocket inspector)', () => {
  it('summarises context: numbers and flags stay, strings and nested data do not leave', () => {
    expect(
      summariseContext({ failures: 2, open: true, at: null, queue: [1, 2, 3], fn: { number: 'x' }, name: 'ООО' }),
    ).toEqual({ failures: 2, open: true, at: null, queue: '[3 items]', fn: '{…}', name: 'string' });
    expect(summariseContext(undefined)).toEqual({});
  });

  it('forwards the actor, its events (type only) and snapshots to a local WebSocket receiver', async () => {
    const { WebSocketServer } = (await import('ws' as string)) as {
      WebSocketServer: new (o: { host: string; port: number }) => WsServer;
    };
    const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise<void>((resolve) => server.once('listening', resolve));
    const received: { type: string; event?: unknown; snapshot?: { context?: unknown } }[] = [];
    server.on('connection', (socket) => socket.on('message', (data) => received.push(JSON.parse(String(data)))));
    const transport = await startStatelyTransport({ url: `ws://127.0.0.1:${server.address().port}` });
    try {
      const actor = createActor(toggleMachine, { inspect: transport.observe }).start();
      actor.send({ type: 'flip', card: '4111 1111 1111 1111' } as never);
      const deadline = Date.now() + 3000;
      while (received.filter((e) => e.type === '@xstate.snapshot').length < 2 && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 20));
      expect(received.map((e) => e.type)).toContain('@xstate.actor');
      const flip = received.find((e) => e.type === '@xstate.event' && (e.event as { type: string }).type === 'flip');
      expect(flip?.event).toEqual({ type: 'flip' });
      expect(JSON.stringify(received)).not.toContain('4111');
    } finally {
      transport.stop();
      server.close();
    }
  });
});
