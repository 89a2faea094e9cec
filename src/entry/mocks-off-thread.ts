import { Worker } from 'node:worker_threads';
import type { Config } from './config.ts';
import { listenFailure } from './config.ts';
import type { MockThreadData, MockThreadMessage } from './mock-thread-protocol.ts';

/** A mock ОФД or Odoo running in its own worker thread. */
export interface ThreadedMock {
  url: string;
  stop(): Promise<void>;
}

/** The error a mock's thread reported, with its errno code, so `listenFailure` can explain it. */
class MockThreadError extends Error {
  constructor(
    message: string,
    readonly code?: string,
  ) {
    super(message);
  }
}

/**
 * The worker for `mock-thread`: compiled (`dist/`) it is plain JavaScript; run from the
 * TypeScript sources (bin/kkt-emu.js, tests) the thread registers tsx itself, because loader
 * hooks registered on the adapter's thread do not reach a new thread in Node 20.
 */
function spawn(data: MockThreadData): Worker {
  const here = import.meta.url;
  if (here.endsWith('.js')) return new Worker(new URL('./mock-thread.js', here), { workerData: data });
  const entry = new URL('./mock-thread.ts', here).href;
  const tsx = import.meta.resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(tsx)}).then((t) => { t.register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(boot, { eval: true, workerData: data });
}

/** Starts one mock in a worker thread; resolves once it listens, rejects if it cannot. */
export function startMockThread(data: MockThreadData): Promise<ThreadedMock> {
  const worker = spawn(data);
  return new Promise((resolve, reject) => {
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
    worker.once('message', (m: MockThreadMessage) => {
      if (m.type === 'listening') resolve({ url: m.url, stop });
      else if (m.type === 'failed') {
        void worker.terminate();
        reject(new MockThreadError(m.message, m.code));
      }
    });
    worker.once('error', (e) => reject(e));
    worker.once('exit', (code) => reject(new MockThreadError(`the mock ${data.kind} thread exited (${code})`)));
  });
}

/** The mock ОФД and Odoo of `kkt-emu up`, each in its thread. */
export interface MockThreads {
  ofdUrl: string;
  odooUrl: string;
  stop(): Promise<void>;
}

/**
 * Starts both mocks' threads; rejects with the setting to change when a port is taken, and then
 * leaves no thread running. Light to import: the CLI calls it before it loads the adapter's
 * modules, so the threads boot on the other core meanwhile.
 */
export async function startMockThreads(
  c: Pick<Config, 'ofdPort' | 'odooPort' | 'httpHost'>,
  log: { logLevel?: string; pretty?: boolean } = {},
): Promise<MockThreads> {
  const [ofd, odoo] = await Promise.allSettled([
    startMockThread({ kind: 'ofd', port: c.ofdPort, host: c.httpHost, ...log }),
    startMockThread({ kind: 'odoo', port: c.odooPort, host: c.httpHost, ...log }),
  ]);
  if (ofd.status === 'rejected' || odoo.status === 'rejected') {
    await Promise.allSettled([ofd, odoo].map((r) => (r.status === 'fulfilled' ? r.value.stop() : undefined)));
    if (ofd.status === 'rejected') throw listenFailure(ofd.reason, 'KKT_OFD_PORT (--ofd-port)', c.ofdPort, c.httpHost);
    const reason = (odoo as PromiseRejectedResult).reason;
    throw listenFailure(reason, 'KKT_ODOO_PORT (--odoo-port)', c.odooPort, c.httpHost);
  }
  return {
    ofdUrl: ofd.value.url,
    odooUrl: odoo.value.url,
    async stop() {
      await Promise.allSettled([ofd.value.stop(), odoo.value.stop()]);
    },
  };
}
