import { Worker } from 'node:worker_threads';
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
