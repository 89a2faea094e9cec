import { parentPort, workerData } from 'node:worker_threads';
import { MockOdooServer } from '../mocks/mock-odoo.ts';
import { MockOfdServer } from '../mocks/mock-ofd.ts';
import type { MockThreadData, MockThreadMessage } from './mock-thread-protocol.ts';

/**
 * The body of the mocks' worker thread (`kkt-emu up`): the mock ОФД and Odoo on their own event
 * loop, so serving them never delays the adapter's (they are separate servers in real life).
 * One thread for both: a second would load the same modules again while the adapter's thread
 * loads its own, on a machine with two cores.
 */
const data = workerData as MockThreadData;
const port = parentPort;
if (!port) throw new Error('mock-thread.ts runs only as a worker thread');

const logger =
  data.logLevel === undefined
    ? false
    : {
        level: data.logLevel,
        ...(data.pretty
          ? {
              stream: (await import('pino-pretty')).default({
                colorize: true,
                translateTime: 'SYS:HH:MM:ss',
                ignore: 'pid,hostname',
              }),
            }
          : {}),
      };
const mocks = data.mocks.map(({ kind, port: listenOn }) => {
  const options = { port: listenOn, host: data.host, logger };
  return { kind, server: kind === 'ofd' ? new MockOfdServer(options) : new MockOdooServer(options) };
});

const send = (m: MockThreadMessage) => port.postMessage(m);
const stopAll = () => Promise.allSettled(mocks.map((m) => m.server.stop()));
port.on('message', (m: unknown) => {
  if (m !== 'stop') return;
  void stopAll().finally(() => {
    send({ type: 'stopped' });
    port.close();
  });
});
const urls: string[] = [];
for (const mock of mocks) {
  try {
    urls.push(await mock.server.start());
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    await stopAll();
    send({ type: 'failed', kind: mock.kind, message: err.message, ...(err.code ? { code: err.code } : {}) });
    port.close();
    break;
  }
}
if (urls.length === mocks.length) send({ type: 'listening', urls });
