import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createActor, fromPromise, type InspectionEvent, setup } from 'xstate';
import type { LogEntry } from '../../src/inspect/event-log.ts';
import { fanOut } from '../../src/inspect/fan-out.ts';
import { type ActorView, InspectionHub } from '../../src/inspect/hub.ts';
import { FakeSink, regionsMachine, testCatalog, toggleMachine } from './fixtures.ts';

const hubs: InspectionHub[] = [];
function newHub(options: ConstructorParameters<typeof InspectionHub>[0] = {}) {
  const hub = new InspectionHub({ catalog: testCatalog, flushIntervalMs: 5, ...options });
  hubs.push(hub);
  return hub;
}

afterEach(() => {
  for (const hub of hubs.splice(0)) hub.close();
  vi.useRealTimers();
});

describe('InspectionHub: tracking actors', () => {
  it('follows a catalogued machine matched by its machine id, and ignores other actors', async () => {
    const hub = newHub();
    const worker = setup({ actors: { job: fromPromise(async () => 1) } }).createMachine({
      id: 'uncatalogued',
      initial: 'working',
      states: { working: { invoke: { src: 'job', onDone: 'done' } }, done: {} },
    });
    const toggle = createActor(toggleMachine, { inspect: hub.observe }).start();
    const other = createActor(worker, { inspect: hub.observe }).start();
    expect(hub.actor('toggle')).toMatchObject({
      machine: 'toggle',
      state: 'off',
      status: 'active',
      event: 'xstate.init',
    });
    toggle.send({ type: 'flip' });
    expect(hub.actor('toggle')).toMatchObject({ state: 'on', active: ['toggle.on'], event: 'flip' });
    await sleep(5);
    expect(other.getSnapshot().value).toBe('done');
    expect(hub.recentLog().map((e) => e.machine)).toEqual(['toggle', 'toggle']);
    expect(hub.machines().map((m) => [m.id, m.actor?.state ?? null])).toEqual([
      ['toggle', 'on'],
      ['regions', null],
    ]);
  });

  it('matches by system id first: the catalog is keyed by system id', () => {
    const hub = newHub({ catalog: [{ id: 'breaker', title: 'B', machine: toggleMachine }] });
    createActor(toggleMachine, { inspect: hub.observe, systemId: 'breaker' }).start().send({ type: 'flip' });
    expect(hub.actor('breaker')?.state).toBe('on');
  });

  it('registers an actor attached after it started on its first snapshot', () => {
    const hub = newHub();
    const actor = createActor(toggleMachine).start();
    actor.system.inspect(hub.observe);
    expect(hub.actor('toggle')).toBeNull();
    actor.send({ type: 'flip' });
    expect(hub.actor('toggle')?.state).toBe('on');
  });

  it('shows the newest actor of a machine (e.g. after the ФН was replaced)', () => {
    const hub = newHub();
    const first = createActor(toggleMachine, { inspect: hub.observe }).start();
    createActor(toggleMachine, { inspect: hub.observe }).start();
    first.send({ type: 'flip' });
    expect(first.getSnapshot().value).toBe('on');
    expect(hub.actor('toggle')?.state).toBe('off');
    // The old actor's events still reach the log.
    expect(hub.recentLog().at(-1)).toMatchObject({ machine: 'toggle', event: 'flip', from: 'off', to: 'on' });
  });

  it('reports parallel states as active ids (with ancestors) and one leaf per region', () => {
    const hub = newHub();
    const actor = createActor(regionsMachine, { inspect: hub.observe }).start();
    actor.send({ type: 'go' });
    actor.send({ type: 'next' });
    expect(hub.actor('regions')).toMatchObject({
      state: 'link.down mode.busy.b',
      active: ['regions.link', 'regions.link.down', 'regions.mode', 'regions.mode.busy', 'regions.mode.busy.b'],
    });
    expect(hub.recentLog().at(-1)).toMatchObject({
      event: 'next',
      from: 'link.down mode.busy.a',
      to: 'link.down mode.busy.b',
    });
  });
});

describe('InspectionHub: never in the way of actor.send', () => {
  it('documents the hazard: an inspect callback that throws breaks actor.send', () => {
    const actor = createActor(toggleMachine, {
      inspect: (e) => {
        if (e.type === '@xstate.snapshot' && e.event.type === 'flip') throw new Error('viewer bug');
      },
    }).start();
    expect(() => actor.send({ type: 'flip' })).toThrow('viewer bug');
  });

  it('swallows its own failures (and a failing error logger) and counts them', () => {
    const onError = vi.fn(() => {
      throw new Error('logger down');
    });
    const hub = newHub({ onError });
    // A malformed event makes the hub itself fail (a WeakMap refuses a null key).
    expect(() => hub.observe({ type: '@xstate.snapshot', actorRef: null } as unknown as InspectionEvent)).not.toThrow();
    expect(hub.stats().errors).toBe(1);
    expect(onError).toHaveBeenCalledTimes(1);
  });

  it('a client whose socket throws is dropped; the register carries on', async () => {
    const hub = newHub();
    const sink = new FakeSink();
    hub.addClient(sink);
    sink.throwOnWrite = true;
    const actor = createActor(toggleMachine, { inspect: hub.observe }).start();
    for (let i = 0; i < 5; i++) expect(() => actor.send({ type: 'flip' })).not.toThrow();
    await sleep(20);
    expect(actor.getSnapshot().value).toBe('on');
    expect(hub.stats().clients).toBe(0);
  });

  it('fanOut isolates observers: one that throws neither breaks send nor starves the others', () => {
    const hub = newHub();
    const broken = () => {
      throw new Error('broken observer');
    };
    const actor = createActor(toggleMachine, { inspect: fanOut(broken, hub.observe, undefined) }).start();
    expect(() => actor.send({ type: 'flip' })).not.toThrow();
    expect(hub.actor('toggle')?.state).toBe('on');
    expect(fanOut(undefined)).toBeUndefined();
  });

  it('does nothing after close', () => {
    const hub = newHub();
    const sink = new FakeSink();
    hub.addClient(sink);
    hub.close();
    expect(sink.writableEnded).toBe(true);
    createActor(toggleMachine, { inspect: hub.observe }).start().send({ type: 'flip' });
    expect(hub.actor('toggle')).toBeNull();
    expect(hub.stats().clients).toBe(0);
  });
});

describe('InspectionHub: pages', () => {
  it('arms no timer and formats nothing while no page is connected', () => {
    vi.useFakeTimers();
    const hub = newHub();
    const actor = createActor(toggleMachine, { inspect: hub.observe }).start();
    for (let i = 0; i < 100; i++) actor.send({ type: 'flip' });
    expect(vi.getTimerCount()).toBe(0);
    expect(hub.stats().logged).toBe(101);
  });

  it('greets a page with a snapshot of every actor and the recent log', () => {
    const hub = newHub();
    createActor(toggleMachine, { inspect: hub.observe }).start().send({ type: 'flip' });
    const sink = new FakeSink();
    hub.addClient(sink);
    const [hello] = sink.events();
    expect(hello?.event).toBe('snapshot');
    const data = hello?.data as { machines: string[]; states: ActorView[]; log: LogEntry[] };
    expect(data.machines).toEqual(['toggle', 'regions']);
    expect(data.states.map((s) => [s.machine, s.state])).toEqual([['toggle', 'on']]);
    expect(data.log.map((e) => `${e.event}:${e.from}->${e.to}`)).toEqual(['xstate.init:->off', 'flip:off->on']);
  });

  it('coalesces many updates of one actor into one state message per flush', async () => {
    const hub = newHub({ flushIntervalMs: 10, maxLogPerFlush: 50 });
    const sink = new FakeSink();
    hub.addClient(sink);
    const actor = createActor(toggleMachine, { inspect: hub.observe }).start();
    for (let i = 0; i < 301; i++) actor.send({ type: 'flip' });
    await sleep(40);
    const events = sink.events().slice(1);
    const states = events.filter((e) => e.event === 'state');
    expect(states).toHaveLength(1);
    expect((states[0]?.data as ActorView[] | undefined)?.map((v) => [v.machine, v.state])).toEqual([['toggle', 'on']]);
    const logs = events.filter((e) => e.event === 'log').map((e) => e.data as { entries: LogEntry[]; skipped: number });
    expect(logs).toHaveLength(1);
    // 302 events (init + 301 flips): the newest 50 are sent, the rest counted as skipped.
    expect(logs[0]?.entries).toHaveLength(50);
    expect(logs[0]?.skipped).toBe(252);
    expect(logs[0]?.entries.at(-1)).toMatchObject({ event: 'flip', from: 'off', to: 'on' });
  });

  it('a slow page loses the oldest updates, then gets a fresh snapshot once its queue drains', async () => {
    const hub = newHub({ flushIntervalMs: 1, clientMaxMessages: 3 });
    const sink = new FakeSink();
    sink.accept = false; // the socket's buffer is full from the first write on
    hub.addClient(sink);
    const actor = createActor(toggleMachine, { inspect: hub.observe }).start();
    for (let i = 0; i < 10; i++) {
      actor.send({ type: 'flip' });
      await sleep(5);
    }
    expect(sink.chunks).toHaveLength(1); // only the greeting went out
    const dropped = hub.stats().dropped;
    expect(dropped).toBeGreaterThan(0);
    sink.drain();
    const events = sink.events();
    // 3 queued messages, then the resync snapshot with the current state.
    expect(events.at(-1)?.event).toBe('snapshot');
    const last = events.at(-1)?.data as { states: ActorView[]; stats: { dropped: number } };
    expect(last.states[0]?.state).toBe(actor.getSnapshot().value);
    expect(last.stats.dropped).toBe(dropped);
    expect(actor.getSnapshot().value).toBe('off'); // 10 flips
  });

  it('removes a page and stops its timers', () => {
    vi.useFakeTimers();
    const hub = newHub();
    const sink = new FakeSink();
    const client = hub.addClient(sink);
    expect(hub.stats().clients).toBe(1);
    expect(vi.getTimerCount()).toBe(1); // the heartbeat
    hub.removeClient(client);
    expect(sink.writableEnded).toBe(true);
    expect(hub.stats().clients).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('sends heartbeat comments on idle streams', () => {
    vi.useFakeTimers();
    const hub = newHub({ heartbeatMs: 1000 });
    const sink = new FakeSink();
    hub.addClient(sink);
    vi.advanceTimersByTime(2500);
    expect(sink.chunks.filter((c) => c === ': ping\n\n')).toHaveLength(2);
  });
});
