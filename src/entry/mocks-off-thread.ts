import { spawnThread } from '../io/worker-thread.ts';
import type { Config } from './config.ts';
import { listenFailure } from './config.ts';
import type { MockThreadData, MockThreadMessage } from './mock-thread-protocol.ts';

/** The error a mock's thread reported, with its errno code, so `listenFailure` can explain it. */
class MockThreadError extends Error {
  constructor(
    message: string,
    readonly code?: string,
  ) {
    super(message);
  }
}

/** The mock ОФД and Odoo of `kkt-emu up`, in one worker thread. */
export interface MockThreads {
  ofdUrl: string;
  odooUrl: string;
  stop(): Promise<void>;
}

/**
 * Starts the mocks' thread; resolves once both listen, rejects with the setting to change when a
 * port is taken (the thread then ends). Light to import: the CLI calls it before it loads the
 * adapter's modules, so the thread boots on the other core meanwhile.
 */
export function startMockThreads(
  c: Pick<Config, 'ofdPort' | 'odooPort' | 'httpHost'>,
  log: { logLevel?: string; pretty?: boolean } = {},
): Promise<MockThreads> {
  const worker = spawnThread(import.meta.url, 'mock-thread', {
    mocks: [
      { kind: 'ofd', port: c.ofdPort },
      { kind: 'odoo', port: c.odooPort },
    ],
    host: c.httpHost,
    ...log,
  } satisfies MockThreadData);
  let stopped: Promise<void> | undefined;
  const stop = () => {
    stopped ??= new Promise<void>((done) => {
      worker.once('exit', () => done());
      worker.on('message', (m: MockThreadMessage) => {
        if (m.type === 'stopped') void worker.terminate();
      });
      worker.postMessage('stop');
      // A thread that does not answer is ended: stopping must not hang the process.
      setTimeout(() => void worker.terminate(), 5_000).unref();
    });
    return stopped;
  };
  return new Promise((resolve, reject) => {
    worker.once('message', (m: MockThreadMessage) => {
      if (m.type === 'listening') resolve({ ofdUrl: m.urls[0] as string, odooUrl: m.urls[1] as string, stop });
      else if (m.type === 'failed') {
        void worker.terminate();
        const error = new MockThreadError(m.message, m.code);
        reject(
          m.kind === 'ofd'
            ? listenFailure(error, 'KKT_OFD_PORT (--ofd-port)', c.ofdPort, c.httpHost)
            : listenFailure(error, 'KKT_ODOO_PORT (--odoo-port)', c.odooPort, c.httpHost),
        );
      }
    });
    worker.once('error', (e) => reject(e));
    worker.once('exit', (code) => reject(new MockThreadError(`the mocks' thread exited (${code})`)));
  });
}
