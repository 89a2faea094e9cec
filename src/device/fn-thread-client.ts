import type { Worker } from 'node:worker_threads';
import { FiscalError } from '../fiscal/errors.ts';
import type { FnState } from '../fiscal/fn-core.ts';
import type { ConfirmOutcome } from '../io/sqlite/fiscal-archive.ts';
import { spawnThread } from '../io/worker-thread.ts';
import type { Job, JobOutcome } from '../machines/kkt.types.ts';
import {
  type FnThreadData,
  type FnThreadReply,
  type FnThreadRequest,
  fromWireError,
  fromWireOutcome,
} from './fn-thread-protocol.ts';

type Waiter = { resolve: (reply: FnThreadReply) => void; reject: (e: unknown) => void };

/**
 * The device's side of the ФН thread (fn-thread.ts): sends it batches and confirmations, one
 * answer per request in order. The thread holds the process open only while a request is out,
 * so a device someone forgot to close never keeps a process alive, and a script awaiting a
 * receipt is never left without its answer.
 */
export class FnThreadClient {
  private nextSeq = 1;
  private readonly waiting = new Map<number, Waiter>();
  private failure: Error | undefined;
  private closing: Promise<void> | undefined;

  private constructor(private readonly worker: Worker) {
    worker.unref();
    worker.on('message', (m: FnThreadReply) => this.onReply(m));
    worker.on('error', (e) => this.fail(e));
    worker.on('exit', (code) => this.fail(new Error(`the ФН thread exited (code ${code})`)));
  }

  static start(data: FnThreadData): FnThreadClient {
    return new FnThreadClient(spawnThread(import.meta.url, 'fn-thread', data));
  }

  /** Fiscalizes the jobs in one archive transaction; answers the counters after it and each job's outcome. */
  async batch(jobs: Job[], now: number): Promise<{ fn: FnState; outcomes: JobOutcome[] }> {
    const reply = await this.request({ type: 'batch', seq: 0, jobs, now });
    if (reply.type !== 'batch') throw new Error(`the ФН thread answered ${reply.type} to a batch`);
    return { fn: reply.fn, outcomes: reply.outcomes.map(fromWireOutcome) };
  }

  /** Records the ОФД's acknowledgements; answers the outcome and the counters after it. */
  async confirm(numbers: readonly number[], at: number): Promise<{ fn: FnState; outcome: ConfirmOutcome }> {
    const reply = await this.request({ type: 'confirm', seq: 0, numbers, at });
    if (reply.type !== 'confirm') throw new Error(`the ФН thread answered ${reply.type} to a confirmation`);
    return { fn: reply.fn, outcome: reply.outcome };
  }

  /** Closes the archive's writer and ends the thread; requests already sent are answered first. */
  close(): Promise<void> {
    this.closing ??= new Promise<void>((done) => {
      if (this.failure) {
        done();
        return;
      }
      this.worker.ref();
      this.worker.once('exit', () => done());
      this.worker.postMessage({ type: 'close' } satisfies FnThreadRequest);
      // A thread that does not answer is ended: closing must not hang the device.
      setTimeout(() => void this.worker.terminate(), 5_000).unref();
    });
    return this.closing;
  }

  private request(m: Extract<FnThreadRequest, { seq: number }>): Promise<FnThreadReply> {
    if (this.failure) return Promise.reject(stopped(this.failure));
    if (this.closing) return Promise.reject(new FiscalError('DEVICE_STOPPED', 'the fiscal drive is closed'));
    const seq = this.nextSeq++;
    m.seq = seq;
    return new Promise((resolve, reject) => {
      if (this.waiting.size === 0) this.worker.ref();
      this.waiting.set(seq, { resolve, reject });
      this.worker.postMessage(m);
    });
  }

  private onReply(m: FnThreadReply): void {
    if (m.type === 'closed') return;
    const waiter = this.waiting.get(m.seq);
    if (!waiter) return;
    this.waiting.delete(m.seq);
    if (this.waiting.size === 0 && !this.closing) this.worker.unref();
    if (m.type === 'failed') waiter.reject(fromWireError(m.error));
    else waiter.resolve(m);
  }

  /** The thread is gone (it could not open the archive, or it died): every request is refused. */
  private fail(e: Error): void {
    this.failure ??= e;
    for (const [seq, waiter] of this.waiting) {
      this.waiting.delete(seq);
      waiter.reject(stopped(e));
    }
  }
}

function stopped(e: Error): FiscalError {
  return Object.assign(new FiscalError('DEVICE_STOPPED', `the fiscal drive's thread stopped: ${e.message}`), {
    cause: e,
  });
}
