import { parentPort, workerData } from 'node:worker_threads';
import pretty from 'pino-pretty';
import { MockOdooServer } from '../mocks/mock-odoo.ts';
import { MockOfdServer } from '../mocks/mock-ofd.ts';
import type { MockThreadData, MockThreadMessage } from './mock-thread-protocol.ts';

/**
 * The body of one mock's worker thread (`kkt-emu up`): the mock ОФД or Odoo on its own event
 * loop, so serving it never delays the adapter's (they are separate servers in real life).
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
          ? { stream: pretty({ colorize: true, translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname' }) }
          : {}),
      };
const options = { port: data.port, host: data.host, logger };
const mock = data.kind === 'ofd' ? new MockOfdServer(options) : new MockOdooServer(options);

const send = (m: MockThreadMessage) => port.postMessage(m);
port.on('message', (m: unknown) => {
  if (m !== 'stop') return;
  mock
    .stop()
    .catch(() => undefined)
    .finally(() => {
      send({ type: 'stopped' });
      port.close();
    });
});
try {
  send({ type: 'listening', url: await mock.start() });
} catch (e) {
  const err = e as NodeJS.ErrnoException;
  send({ type: 'failed', message: err.message, ...(err.code ? { code: err.code } : {}) });
  port.close();
}
