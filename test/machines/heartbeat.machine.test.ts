import { afterEach, describe, expect, it } from 'vitest';
import { type Actor, createActor, fromPromise, SimulatedClock } from 'xstate';
import { type heartbeatMachine, heartbeatMachineFor } from '../../src/machines/heartbeat.machine.ts';

/*
 * The ERP heartbeat with a fake beat actor: each beat takes the next answer from a script
 * ('ok' or 'fail'; 'ok' once the script runs out). Time moves only on xstate's SimulatedClock.
 */

const INTERVAL = 5000;

type Hb = Actor<typeof heartbeatMachine>;
const actors: Hb[] = [];
const errors: unknown[] = [];

afterEach(() => {
  for (const a of actors.splice(0)) a.stop();
  expect(errors.splice(0)).toEqual([]);
});

async function flush(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}

type Answer = 'ok' | 'fail';

/**
 * Beats are deferreds: `run` answers the beat in progress, records the status, then moves the
 * clock one interval so the next beat starts. `script` answers beats left to run by themselves.
 */
function start(options: { offlineAfter?: number; onlineAfter?: number; script?: Answer[] } = {}) {
  const clock = new SimulatedClock();
  const script = [...(options.script ?? [])];
  const beatsAt: number[] = [];
  let answer: ((a: Answer) => void) | undefined;
  const logic = heartbeatMachineFor(clock).provide({
    actors: {
      beat: fromPromise<void, void>(async () => {
        beatsAt.push(clock.now());
        const scripted = script.shift();
        const a =
          scripted ??
          (await new Promise<Answer>((resolve) => {
            answer = resolve;
          }));
        if (a === 'fail') throw new Error('ERP unreachable');
      }),
    },
  });
  const actor = createActor(logic, {
    input: { intervalMs: INTERVAL, offlineAfter: options.offlineAfter ?? 3, onlineAfter: options.onlineAfter ?? 2 },
    clock,
  });
  actor.subscribe({ error: (e) => errors.push(e) });
  actor.start();
  actors.push(actor);
  const status = () => (actor.getSnapshot().value as { status: string }).status;
  const link = () => (actor.getSnapshot().value as { link: string }).link;
  return {
    clock,
    actor,
    beatsAt,
    status,
    link,
    ctx: () => actor.getSnapshot().context,
    /** Answers the next beats one by one and returns the status after each. */
    async run(answers: Answer[]): Promise<string[]> {
      const seen: string[] = [];
      for (const a of answers) {
        await flush();
        const settle = answer;
        answer = undefined;
        if (!settle) throw new Error('no beat is waiting for an answer');
        settle(a);
        await flush();
        expect(link()).toBe('waiting');
        seen.push(status());
        clock.increment(INTERVAL);
      }
      return seen;
    },
  };
}

describe('hysteresis', () => {
  it('unknown → online on the first ok', async () => {
    const h = start();
    expect(h.status()).toBe('unknown');
    expect(await h.run(['ok'])).toEqual(['online']);
    expect(h.ctx()).toMatchObject({ okStreak: 1, failStreak: 0, beats: 1 });
    expect(h.ctx().lastOkAt).not.toBeNull();
  });

  for (const offlineAfter of [1, 2, 3, 5]) {
    it(`offlineAfter = ${offlineAfter}: online survives ${offlineAfter - 1} failures, goes offline at the ${offlineAfter}-th`, async () => {
      const h = start({ offlineAfter });
      await h.run(['ok']);
      const fails: Answer[] = Array.from({ length: offlineAfter }, () => 'fail');
      const seen = await h.run(fails);
      expect(seen).toEqual([...Array.from({ length: offlineAfter - 1 }, () => 'online'), 'offline']);
      expect(h.ctx().failStreak).toBe(offlineAfter);
      expect(h.ctx().lastError).toBe('Error: ERP unreachable');
    });
  }

  it('an ok between failures resets the failure streak', async () => {
    const h = start({ offlineAfter: 3 });
    const seen = await h.run(['ok', 'fail', 'fail', 'ok', 'fail', 'fail', 'ok', 'fail', 'fail', 'fail']);
    expect(seen).toEqual([
      'online',
      'online',
      'online',
      'online',
      'online',
      'online',
      'online',
      'online',
      'online',
      'offline',
    ]);
  });

  it('unknown goes offline only after offlineAfter failures in a row', async () => {
    const h = start({ offlineAfter: 3 });
    expect(await h.run(['fail', 'fail'])).toEqual(['unknown', 'unknown']);
    expect(await h.run(['fail'])).toEqual(['offline']);
  });

  for (const onlineAfter of [1, 2, 4]) {
    it(`onlineAfter = ${onlineAfter}: offline needs ${onlineAfter} consecutive oks to return`, async () => {
      const h = start({ offlineAfter: 1, onlineAfter });
      expect(await h.run(['fail'])).toEqual(['offline']);
      const oks: Answer[] = Array.from({ length: onlineAfter }, () => 'ok');
      expect(await h.run(oks)).toEqual([...Array.from({ length: onlineAfter - 1 }, () => 'offline'), 'online']);
      expect(h.ctx().okStreak).toBe(onlineAfter);
    });
  }

  it('a failure in the middle of the recovery starts the ok count again', async () => {
    const h = start({ offlineAfter: 2, onlineAfter: 3 });
    expect(await h.run(['fail', 'fail'])).toEqual(['unknown', 'offline']);
    expect(await h.run(['ok', 'ok', 'fail', 'ok', 'ok'])).toEqual([
      'offline',
      'offline',
      'offline',
      'offline',
      'offline',
    ]);
    expect(await h.run(['ok'])).toEqual(['online']);
    // Once online, a single failure does not flap it.
    expect(await h.run(['fail', 'ok'])).toEqual(['online', 'online']);
  });
});

describe('the beat schedule', () => {
  it('beats at start, then every intervalMs on the simulated clock (not 1 ms early)', async () => {
    const h = start({ script: Array.from({ length: 6 }, () => 'ok') });
    await flush();
    expect(h.beatsAt).toEqual([0]);
    expect(h.link()).toBe('waiting');
    for (let k = 1; k <= 5; k++) {
      h.clock.increment(INTERVAL - 1);
      await flush();
      expect(h.beatsAt).toHaveLength(k);
      h.clock.increment(1);
      await flush();
      expect(h.beatsAt).toHaveLength(k + 1);
    }
    expect(h.beatsAt).toEqual([0, 1, 2, 3, 4, 5].map((k) => k * INTERVAL));
    expect(h.ctx().beats).toBe(6);
  });

  it('failed beats keep the same rhythm', async () => {
    const h = start({ script: ['fail', 'fail', 'fail', 'fail', 'fail'] });
    for (let k = 0; k < 4; k++) {
      await flush();
      h.clock.increment(INTERVAL);
    }
    await flush();
    expect(h.beatsAt).toEqual([0, 1, 2, 3, 4].map((k) => k * INTERVAL));
    expect(h.ctx().beats).toBe(5);
    expect(h.status()).toBe('offline');
    expect(h.ctx().failStreak).toBe(5);
  });

  it('a slow beat delays the next one: the interval counts from the end of a beat', async () => {
    const clock = new SimulatedClock();
    const starts: number[] = [];
    let finish: (() => void) | undefined;
    const logic = heartbeatMachineFor(clock).provide({
      actors: {
        beat: fromPromise<void, void>(() => {
          starts.push(clock.now());
          return new Promise<void>((resolve) => {
            finish = resolve;
          });
        }),
      },
    });
    const actor = createActor(logic, { input: { intervalMs: INTERVAL, offlineAfter: 3, onlineAfter: 2 }, clock });
    actor.subscribe({ error: (e) => errors.push(e) });
    actor.start();
    actors.push(actor);
    clock.increment(3 * INTERVAL); // the first beat hangs
    expect(starts).toEqual([0]);
    finish?.();
    await flush();
    clock.increment(INTERVAL - 1);
    expect(starts).toEqual([0]);
    clock.increment(1);
    expect(starts).toEqual([0, 4 * INTERVAL]);
  });

  it('beat.now while waiting beats at once', async () => {
    const h = start({ script: ['ok', 'ok', 'ok'] });
    await flush();
    h.clock.increment(100);
    h.actor.send({ type: 'beat.now' });
    await flush();
    expect(h.beatsAt).toEqual([0, 100]);
    h.clock.increment(INTERVAL - 1);
    await flush();
    expect(h.beatsAt).toHaveLength(2);
    h.clock.increment(1);
    await flush();
    expect(h.beatsAt).toEqual([0, 100, 100 + INTERVAL]);
  });
});
