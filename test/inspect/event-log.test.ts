import { describe, expect, it } from 'vitest';
import { StateResolver } from '../../src/inspect/active-states.ts';
import { EventLog, type LogEntry } from '../../src/inspect/event-log.ts';
import { regionsMachine, toggleMachine } from './fixtures.ts';

describe('EventLog', () => {
  const resolver = new StateResolver(toggleMachine);

  it('keeps the latest entries in a ring and formats them on read', () => {
    const log = new EventLog(3);
    for (let i = 1; i <= 5; i++) log.push('toggle', `e${i}`, i % 2 ? 'off' : 'on', i % 2 ? 'on' : 'off', i, resolver);
    expect(log.lastSeq).toBe(5);
    const { entries, skipped } = log.since(0);
    expect(entries.map((e) => e.seq)).toEqual([3, 4, 5]);
    expect(entries[0]).toEqual({
      seq: 3,
      at: 3,
      machine: 'toggle',
      event: 'e3',
      from: 'off',
      to: 'on',
      data: null,
      refs: { requests: [], keys: [], docs: [] },
    });
    expect(skipped).toBe(2);
  });

  it('returns entries after a sequence number, at most the newest `limit`', () => {
    const log = new EventLog(10);
    for (let i = 1; i <= 8; i++) log.push('toggle', `e${i}`, 'off', 'on', i, resolver);
    expect(log.since(5).entries.map((e) => e.seq)).toEqual([6, 7, 8]);
    expect(log.since(2, 2)).toMatchObject({ skipped: 4, entries: [{ seq: 7 }, { seq: 8 }] });
    expect(log.since(8).entries).toEqual([]);
  });

  it("keeps each event's payload by reference and shows it bounded, with the documents it names", () => {
    const log = new EventLog(4);
    const big = 'x'.repeat(1000);
    const event = {
      type: 'xstate.done.actor.fiscalize',
      output: {
        outcomes: [
          {
            result: {
              documents: [
                { kind: 'receipt', number: 7, dateTime: 1, requestId: 'r-1', idempotencyKey: 'k-1', note: big },
              ],
            },
          },
        ],
      },
    };
    log.push('kkt', event.type, 'off', 'on', 1, resolver, event);
    const entry = log.since(0).entries[0] as LogEntry;
    expect(entry.refs).toEqual({ requests: ['r-1'], keys: ['k-1'], docs: [7] });
    const doc = (
      entry.data as unknown as { output: { outcomes: { result: { documents: Record<string, unknown>[] } }[] } }
    ).output.outcomes[0]?.result.documents[0];
    expect(doc?.number).toBe(7);
    expect(String(doc?.note)).toMatch(/^x{160}… \(1000 characters\)$/);
    expect(JSON.stringify(entry.data)).not.toContain('"type"');
  });

  it('refuses a capacity below one', () => {
    expect(() => new EventLog(0)).toThrow(RangeError);
  });
});

describe('StateResolver', () => {
  const regions = new StateResolver(regionsMachine);

  it('lists active ids with ancestors and one leaf per region', () => {
    expect(regions.resolve({ link: 'up', mode: { busy: 'a' } })).toEqual({
      ids: ['regions.link', 'regions.link.up', 'regions.mode', 'regions.mode.busy', 'regions.mode.busy.a'],
      leaves: ['link.up', 'mode.busy.a'],
    });
  });

  it('never throws on a value that does not fit the machine', () => {
    expect(regions.resolve({ nope: 'x', link: 'gone' } as never)).toEqual({ ids: ['regions.link'], leaves: [] });
    expect(regions.resolve(undefined)).toEqual({ ids: [], leaves: [] });
    expect(regions.resolve(42 as never)).toEqual({ ids: [], leaves: [] });
  });

  it('caches by value', () => {
    const value = { link: 'down', mode: 'idle' };
    expect(regions.resolve(value)).toBe(regions.resolve(value));
    expect(new StateResolver(toggleMachine).resolve('on')).toEqual({ ids: ['toggle.on'], leaves: ['on'] });
  });
});
