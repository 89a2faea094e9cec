import { describe, expect, it } from 'vitest';
import { SseClient } from '../../src/inspect/sse-client.ts';
import { FakeSink } from './fixtures.ts';

describe('SseClient: a bounded queue in front of a socket', () => {
  it('writes straight through while the socket keeps up', () => {
    const sink = new FakeSink();
    const client = new SseClient(sink, { maxMessages: 2, maxBytes: 1000 }, 1);
    for (const m of ['a', 'b', 'c', 'd']) client.send(m);
    expect(sink.chunks).toEqual(['a', 'b', 'c', 'd']);
    expect(client.dropped).toBe(0);
  });

  it('drops the oldest messages while the socket is full, counts them, and resumes on drain', () => {
    const sink = new FakeSink();
    sink.accept = false;
    const client = new SseClient(sink, { maxMessages: 3, maxBytes: 1000 }, 1);
    let emptied = 0;
    client.onEmpty = () => emptied++;
    for (let i = 1; i <= 10; i++) client.send(`m${i}`);
    // m1 went to the socket (which then said "full"); m2..m7 were dropped.
    expect(sink.chunks).toEqual(['m1']);
    expect(client.queued).toBe(3);
    expect(client.dropped).toBe(6);
    expect(client.lost).toBe(true);
    sink.drain();
    expect(sink.chunks).toEqual(['m1', 'm8', 'm9', 'm10']);
    expect(client.queued).toBe(0);
    expect(emptied).toBe(1);
  });

  it('bounds bytes too, but always keeps the newest message', () => {
    const sink = new FakeSink();
    sink.accept = false;
    const client = new SseClient(sink, { maxMessages: 100, maxBytes: 10 }, 1);
    client.send('first');
    client.send('x'.repeat(6));
    client.send('y'.repeat(6));
    expect(client.queued).toBe(1);
    expect(client.queuedBytes).toBe(6);
    client.send('z'.repeat(50));
    expect(client.queued).toBe(1);
    expect(client.dropped).toBe(2);
    sink.drain();
    expect(sink.chunks).toEqual(['first', 'z'.repeat(50)]);
  });

  it('closes itself when the socket throws, and ignores later messages', () => {
    const sink = new FakeSink();
    const client = new SseClient(sink, { maxMessages: 3, maxBytes: 1000 }, 1);
    let closed = 0;
    client.onClose = () => closed++;
    sink.throwOnWrite = true;
    client.send('boom');
    expect(client.closed).toBe(true);
    expect(closed).toBe(1);
    sink.throwOnWrite = false;
    client.send('after');
    expect(sink.chunks).toEqual([]);
    client.close();
    expect(closed).toBe(1);
  });

  it('writes nothing to a socket that has ended', () => {
    const sink = new FakeSink();
    const client = new SseClient(sink, { maxMessages: 3, maxBytes: 1000 }, 1);
    sink.writableEnded = true;
    client.send('late');
    expect(sink.chunks).toEqual([]);
  });
});
