import { describe, expect, it } from 'vitest';
import { describeMachine, transitionLabel } from '../../src/inspect/definition.ts';
import { kktMachine } from '../../src/machines/kkt.machine.ts';
import { trickyMachine } from './tricky-machine.ts';

describe('describeMachine', () => {
  const kkt = describeMachine(kktMachine);
  const labels = (source: string) => kkt.transitions.filter((t) => t.source === source).map((t) => t.label);

  it('walks the live state nodes: always transitions, delays, invokes, guards, actions', () => {
    expect(labels('kkt.shift.evaluating')).toEqual(['always [shiftIsExpired]', 'always [shiftIsOpen]', 'always']);
    expect(labels('kkt.shift.opened')).toEqual(['after shiftLimit']);
    expect(labels('kkt.printer.printing')).toEqual([
      'job.submit / enqueueJob',
      'onDone(fiscalize) / settleBatch, announceFnChange',
      'onError(fiscalize) / failBatch',
    ]);
    expect(kkt.states.find((s) => s.id === 'kkt.printer.printing')?.invoke).toEqual([
      { id: '0.kkt.printer.printing', src: 'fiscalize' },
    ]);
  });

  it('leaves out the raise/cancel plumbing of `after` timers', () => {
    const opened = kkt.states.find((s) => s.id === 'kkt.shift.opened');
    expect(opened?.entry).toEqual([]);
    expect(opened?.exit).toEqual([]);
    expect(kkt.states.find((s) => s.id === 'kkt.printer.fault')?.entry).toEqual(['refuseQueuedJobs']);
  });

  it('describes every state with its kind, path and children, root first', () => {
    expect(kkt.states[0]).toMatchObject({
      id: 'kkt',
      kind: 'parallel',
      path: [],
      children: ['kkt.shift', 'kkt.fiscalDrive', 'kkt.printer'],
    });
    expect(kkt.states.find((s) => s.id === 'kkt.fiscalDrive.ok')).toMatchObject({
      kind: 'compound',
      initial: 'kkt.fiscalDrive.ok.watching',
      parent: 'kkt.fiscalDrive',
      path: ['fiscalDrive', 'ok'],
    });
  });

  it('names numeric delays, history, final states and guard combinators', () => {
    const tricky = describeMachine(trickyMachine);
    const wait = tricky.transitions.filter((t) => t.source === 'tricky.default.wait').map((t) => t.label);
    expect(wait).toEqual(['onDone(job)', 'onError(job)', 'after 500ms', 'after slow']);
    expect(tricky.states.find((s) => s.key === 'hist')).toMatchObject({ kind: 'history', history: 'deep' });
    expect(tricky.states.find((s) => s.key === 'end')?.kind).toBe('final');
    expect(tricky.transitions.find((t) => t.source === 'tricky.other.flat' && t.targets.length)?.label).toBe(
      'always [not(ok)]',
    );
  });

  it('is computed once per machine', () => {
    expect(describeMachine(kktMachine)).toBe(kkt);
  });

  it('labels triggers, guards and actions', () => {
    expect(transitionLabel({ trigger: { kind: 'after', delay: '5s' }, guard: 'g', actions: ['a', 'b'] })).toBe(
      'after 5s [g] / a, b',
    );
    expect(transitionLabel({ trigger: { kind: 'stateDone' }, actions: [] })).toBe('onDone');
  });
});
