import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, test } from 'vitest';
import { HostLink } from '../../src/shtrih/driver/host-link.ts';
import { DeviceLink } from '../../src/shtrih/front/device-link.ts';
import { ACK, ENQ, NAK } from '../../src/shtrih/protocol/constants.ts';
import { SerialLinkError } from '../../src/shtrih/protocol/errors.ts';
import { answerPayload, commandPayload, encodeFrame, splitCommand } from '../../src/shtrih/protocol/frame.ts';
import { traceTo } from '../../src/shtrih/protocol/trace.ts';
import { codeOf, memoryLine, tapIncoming, tapOutgoing } from './support.ts';

const TIMEOUTS = { ackMs: 100, byteMs: 40, pollMs: 100, quietMs: 10 };
const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

/** A device that echoes every command's data back as its answer, counting how often each ran. */
function echoDevice(o: { delayMs?: number; trailingFF?: boolean } = {}) {
  const line = memoryLine();
  const runs: Buffer[] = [];
  const link = new DeviceLink(
    line.device,
    async (payload) => {
      runs.push(payload);
      if (o.delayMs) await sleep(o.delayMs);
      const { code, data } = splitCommand(payload);
      return answerPayload(code, data);
    },
    { byteTimeoutMs: 40, ...(o.trailingFF ? { trailingFF: true } : {}) },
  );
  cleanups.push(() => {
    link.detach();
    line.close();
  });
  return { line, runs };
}

/** Raw bytes written to the device and everything it sends back within `ms`. */
async function exchange(line: ReturnType<typeof memoryLine>, bytes: Buffer, ms = 40): Promise<Buffer> {
  const got: Buffer[] = [];
  const onData = (c: Buffer) => got.push(c);
  line.host.on('data', onData);
  line.host.write(bytes);
  await sleep(ms);
  line.host.off('data', onData);
  return Buffer.concat(got);
}

const command = (code: number, data: number[] = [0x1e, 0, 0, 0]) => commandPayload(code, Buffer.from(data));

describe('device side of the link', () => {
  test('ENQ when idle gets NAK', async () => {
    const { line } = echoDevice();
    expect(await exchange(line, Buffer.from([ENQ]))).toEqual(Buffer.from([NAK]));
  });

  test('a frame gets ACK and its answer; ENQ before the host ACKs resends it without running it again', async () => {
    const { line, runs } = echoDevice();
    const frame = encodeFrame(command(0x10));
    const answer = encodeFrame(answerPayload(0x10, Buffer.from([0x1e, 0, 0, 0])));
    expect(await exchange(line, frame)).toEqual(Buffer.concat([Buffer.from([ACK]), answer]));
    expect(await exchange(line, Buffer.from([ENQ]))).toEqual(Buffer.concat([Buffer.from([ACK]), answer]));
    expect(await exchange(line, Buffer.from([ENQ]))).toEqual(Buffer.concat([Buffer.from([ACK]), answer]));
    expect(await exchange(line, Buffer.from([ACK]))).toEqual(Buffer.alloc(0));
    expect(await exchange(line, Buffer.from([ENQ]))).toEqual(Buffer.from([NAK]));
    expect(runs).toHaveLength(1);
  });

  test('ENQ while the command runs gets ACK, and the answer follows once', async () => {
    const { line, runs } = echoDevice({ delayMs: 100 });
    expect(await exchange(line, encodeFrame(command(0x41)), 20)).toEqual(Buffer.from([ACK]));
    expect(await exchange(line, Buffer.from([ENQ]), 150)).toEqual(
      Buffer.concat([Buffer.from([ACK]), encodeFrame(answerPayload(0x41, Buffer.from([0x1e, 0, 0, 0])))]),
    );
    expect(runs).toHaveLength(1);
  });

  test('the same frame again before the answer is acknowledged is answered from memory', async () => {
    const { line, runs } = echoDevice();
    const frame = encodeFrame(command(0xff45));
    await exchange(line, frame);
    const again = await exchange(line, frame);
    expect(again[0]).toBe(ACK);
    expect(runs).toHaveLength(1);
    // Once acknowledged, the same bytes are a new command.
    await exchange(line, Buffer.from([ACK]));
    await exchange(line, frame);
    expect(runs).toHaveLength(2);
  });

  test('a bad LRC gets NAK and runs nothing; so does a frame that stalls', async () => {
    const { line, runs } = echoDevice();
    const bad = encodeFrame(command(0x10));
    bad[bad.length - 1] = (bad[bad.length - 1] as number) ^ 0xff;
    expect(await exchange(line, bad)).toEqual(Buffer.from([NAK]));
    expect(await exchange(line, Buffer.from([0x02, 0x05, 0x10]), 100)).toEqual(Buffer.from([NAK]));
    expect(runs).toHaveLength(0);
  });

  test('TCP style: one 0xFF after the host ACKs an answer', async () => {
    const { line } = echoDevice({ trailingFF: true });
    await exchange(line, encodeFrame(command(0x10)));
    expect(await exchange(line, Buffer.from([ACK]))).toEqual(Buffer.from([0xff]));
  });
});

describe('host side of the link against the device side', () => {
  function host(stream: import('node:stream').Duplex, trace?: (l: string) => void) {
    const link = new HostLink(stream, {
      timeouts: TIMEOUTS,
      maxAttempts: 5,
      ...(trace ? { trace: traceTo(trace, 'test') } : {}),
    });
    cleanups.push(() => link.detach());
    return link;
  }

  test('a plain request, with the 0xFF of TCP devices ignored', async () => {
    const { line, runs } = echoDevice({ trailingFF: true });
    const link = host(line.host);
    for (let i = 0; i < 3; i++) {
      const answer = await link.request(command(0x10, [i]), { answerTimeoutMs: 1000 });
      expect(answer).toEqual(answerPayload(0x10, Buffer.from([i])));
    }
    expect(runs).toHaveLength(3);
  });

  test('a lost answer is fetched again with ENQ; the command runs once', async () => {
    const { line, runs } = echoDevice();
    let dropped = 0;
    const link = host(tapIncoming(line.host, (e) => (codeOf(e) === 0xff45 && dropped++ === 0 ? 'drop' : 'pass')));
    const answer = await link.request(command(0xff45), { answerTimeoutMs: 2000 });
    expect(splitCommand(answer).code).toBe(0xff45);
    expect(dropped).toBe(2);
    expect(runs).toHaveLength(1);
    // The line is clean for the next command.
    await link.request(command(0x10), { answerTimeoutMs: 1000 });
    expect(runs).toHaveLength(2);
  });

  test('a damaged answer gets NAK, then ENQ brings it again', async () => {
    const { line, runs } = echoDevice();
    let damaged = false;
    const link = host(
      tapIncoming(line.host, (e, raw) => {
        if (damaged || e.kind !== 'frame') return 'pass';
        damaged = true;
        const copy = Buffer.from(raw);
        copy[3] = (copy[3] as number) ^ 0x55;
        return copy;
      }),
    );
    const answer = await link.request(command(0xff46, [1, 2, 3]), { answerTimeoutMs: 2000 });
    expect(answer).toEqual(answerPayload(0xff46, Buffer.from([1, 2, 3])));
    expect(runs).toHaveLength(1);
  });

  test('a command frame lost on the way is sent again only after the device says it is idle', async () => {
    const { line, runs } = echoDevice();
    let lost = 0;
    const link = host(tapOutgoing(line.host, (chunk) => (chunk[0] === 0x02 && lost++ === 0 ? 'drop' : 'pass')));
    await link.request(command(0xff45), { answerTimeoutMs: 2000 });
    expect(runs).toHaveLength(1);
  });

  test('a lost ACK from the device: the host asks with ENQ and never sends the frame twice', async () => {
    const { line, runs } = echoDevice({ delayMs: 150 });
    let acks = 0;
    const link = host(
      tapIncoming(line.host, (e) => (e.kind === 'control' && e.byte === ACK && acks++ === 0 ? 'drop' : 'pass')),
    );
    await link.request(command(0xff45), { answerTimeoutMs: 2000 });
    expect(runs).toHaveLength(1);
  });

  test('a device that never answers: noLink, in bounded time', async () => {
    const line = memoryLine();
    cleanups.push(() => line.close());
    const link = host(line.host);
    const started = Date.now();
    const e = await link.request(command(0x10), { answerTimeoutMs: 500 }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(SerialLinkError);
    expect((e as SerialLinkError).link).toBe('noLink');
    expect((e as SerialLinkError).code).toBe('DEVICE_STOPPED');
    expect(Date.now() - started).toBeLessThan(3000);
  });

  test('a device that accepts and then stays silent: timeout, outcome unknown', async () => {
    const { line } = echoDevice({ delayMs: 1500 });
    const link = host(line.host);
    const e = await link.request(command(0x41), { answerTimeoutMs: 400 }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(SerialLinkError);
    expect((e as SerialLinkError).link).toBe('timeout');
  });

  test('a closed port fails the request at once', async () => {
    const { line } = echoDevice({ delayMs: 1000 });
    const link = host(line.host);
    const pending = link.request(command(0x41), { answerTimeoutMs: 5000 }).catch((x: unknown) => x);
    await sleep(30);
    line.host.destroy();
    const e = await pending;
    expect((e as SerialLinkError).link).toBe('closed');
  });

  test('the trace names every frame', async () => {
    const { line } = echoDevice();
    const lines: string[] = [];
    const link = host(line.host, (l) => lines.push(l));
    await link.request(command(0x10), { answerTimeoutMs: 1000 });
    expect(lines).toEqual([
      'test host→kkt 05  ENQ',
      'test kkt→host 15  NAK',
      'test host→kkt 02 05 10 1E 00 00 00 0B  10h Short status',
      'test kkt→host 06  ACK',
      'test kkt→host 02 06 10 00 1E 00 00 00 08  10h Short status: ok',
      'test host→kkt 06  ACK',
    ]);
  });
});
