import { afterEach, describe, expect, it } from 'vitest';
import { createActor } from 'xstate';
import { InspectionHub } from '../../src/inspect/hub.ts';
import { FakeSink, testCatalog, toggleMachine } from './fixtures.ts';

/**
 * `attach`: the hub follows root actors without costing them anything while no page is open
 * (no inspection subscription), subscribes when the first page connects and lets go when the
 * last one leaves.
 */
const hubs: InspectionHub[] = [];
afterEach(() => {
  for (const hub of hubs.splice(0)) hub.close();
});
function newHub() {
  const hub = new InspectionHub({ catalog: testCatalog, flushIntervalMs: 5 });
  hubs.push(hub);
  return hub;
}

describe('InspectionHub.attach', () => {
  it('reads the state directly while no page is open, and observes nothing', () => {
    const hub = newHub();
    const toggle = createActor(toggleMachine).start();
    hub.attach(toggle);
    const before = hub.stats().events;
    toggle.send({ type: 'flip' });
    toggle.send({ type: 'flip' });
    toggle.send({ type: 'flip' });
    expect(hub.stats().events).toBe(before);
    expect(hub.actor('toggle')).toMatchObject({ machine: 'toggle', state: 'on', status: 'active' });
  });

  it('observes while a page is connected and stops when the last page leaves', () => {
    const hub = newHub();
    const toggle = createActor(toggleMachine).start();
    hub.attach(toggle);
    const page = hub.addClient(new FakeSink());
    toggle.send({ type: 'flip' });
    const during = hub.stats().events;
    expect(during).toBeGreaterThan(0);
    expect(hub.recentLog().some((e) => e.machine === 'toggle' && e.event === 'flip')).toBe(true);
    hub.removeClient(page);
    toggle.send({ type: 'flip' });
    expect(hub.stats().events).toBe(during);
    expect(hub.actor('toggle')?.state).toBe('off');
  });

  it('follows the newest actor of a machine and lets go of the older one', () => {
    const hub = newHub();
    const first = createActor(toggleMachine).start();
    hub.attach(first);
    hub.addClient(new FakeSink());
    const second = createActor(toggleMachine).start();
    second.send({ type: 'flip' });
    hub.attach(second);
    expect(hub.actor('toggle')?.state).toBe('on');
    const events = hub.stats().events;
    first.send({ type: 'flip' });
    first.send({ type: 'flip' });
    expect(hub.stats().events).toBe(events);
    second.send({ type: 'flip' });
    expect(hub.stats().events).toBeGreaterThan(events);
    expect(hub.actor('toggle')?.state).toBe('off');
  });

  it('a page opened later sees the present state at once', () => {
    const hub = newHub();
    const toggle = createActor(toggleMachine).start();
    hub.attach(toggle);
    toggle.send({ type: 'flip' });
    const sink = new FakeSink();
    hub.addClient(sink);
    expect(sink.chunks.join('')).toContain('"state":"on"');
  });
});
