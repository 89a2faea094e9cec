import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createActor, createMachine } from 'xstate';
import { eventRefs, toDisplayJson } from '../../src/inspect/display-json.ts';

describe('toDisplayJson', () => {
  it('turns what XState holds into plain JSON', () => {
    const actor = createActor(createMachine({ id: 'm' }));
    const cyclic: Record<string, unknown> = { name: 'c' };
    cyclic.self = cyclic;
    const shown = toDisplayJson({
      actor,
      fn: function named() {},
      big: 12n,
      when: new Date(0),
      bytes: new Uint8Array(5),
      error: Object.assign(new Error('boom'), { code: 'PAPER_OUT' }),
      map: new Map([[1, 'one']]),
      set: new Set(['a']),
      gone: undefined,
      nan: Number.NaN,
      cyclic,
    });
    expect(shown).toEqual({
      actor: expect.stringMatching(/^\[actor /),
      fn: '[function named]',
      big: '12n',
      when: '1970-01-01T00:00:00.000Z',
      bytes: '[5 bytes]',
      error: { error: 'Error', message: 'boom', code: 'PAPER_OUT' },
      map: { '1': 'one' },
      set: ['a'],
      nan: 'NaN',
      cyclic: { name: 'c', self: '[circular]' },
    });
  });

  it('bounds depth, items and string length', () => {
    const deep = { a: { b: { c: { d: 1 } } } };
    expect(toDisplayJson(deep, { depth: 2 })).toEqual({ a: { b: '[object]' } });
    expect(toDisplayJson([1, 2, 3, 4], { items: 2 })).toEqual([1, 2, '… 2 more']);
    expect(toDisplayJson({ a: 1, b: 2, c: 3 }, { items: 2 })).toEqual({ a: 1, b: 2, '…': '1 more keys' });
    expect(toDisplayJson('abcdef', { chars: 3 })).toBe('abc… (6 characters)');
  });

  it('always yields JSON whose size is bounded, whatever the input', () => {
    fc.assert(
      fc.property(
        fc.anything({ withBigInt: true, withDate: true, withMap: true, withSet: true, withTypedArray: true }),
        (v) => {
          const text = JSON.stringify(toDisplayJson(v, { depth: 4, items: 5, chars: 20 }));
          expect(typeof text).toBe('string');
          // 5 items per level, 4 levels, each item's text bounded: far below this.
          expect(text.length).toBeLessThan(100_000);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('eventRefs', () => {
  it('finds request ids, keys and fiscal document numbers, not other numbers', () => {
    const refs = eventRefs({
      type: 'job.submit',
      jobs: [{ id: 3, op: { kind: 'receipt', receipt: { requestId: 'req-9' } } }],
      other: { number: 5 },
      docs: [{ kind: 'shiftOpen', number: 2, dateTime: 0 }],
    });
    expect(refs).toEqual({ requests: ['req-9'], keys: [], docs: [2] });
  });
});
