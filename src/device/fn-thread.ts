import { parentPort, workerData } from 'node:worker_threads';
import { FiscalArchive } from '../io/sqlite/fiscal-archive.ts';
import { fiscalizeBatch } from './fiscalize-batch.ts';
import type { FnThreadData, FnThreadReply, FnThreadRequest } from './fn-thread-protocol.ts';
import { toWireError, toWireOutcome } from './fn-thread-protocol.ts';

/**
 * The body of the ФН thread: the emulated device's fiscal drive on its own event loop. It owns
 * the archive's writes (the documents, their fiscal signs, the counters and the commit with its
 * fsync), so none of that holds the adapter's HTTP loop; the device's machine, its queue and its
 * inspector stay on the device's thread, which keeps a read-only view of the same file.
 * Requests are served one at a time in arrival order, as the one writer of a ФН must.
 */
const data = workerData as FnThreadData;
const port = parentPort;
if (!port) throw new Error('fn-thread.ts runs only as a worker thread');

const send = (m: FnThreadReply) => port.postMessage(m);
// The device's own thread created the archive and checked the whole file a moment ago: the
// thread only opens it, and checks no more than the edges.
const archive = FiscalArchive.open(
  data.archivePath,
  () => {
    throw new Error(`${data.archivePath}: no fiscal archive to open`);
  },
  { fullCheckMaxBytes: 0 },
);

port.on('message', (m: FnThreadRequest) => {
  if (m.type === 'close') {
    archive.close();
    send({ type: 'closed' });
    port.close();
    return;
  }
  try {
    if (m.type === 'batch') {
      const outcomes = fiscalizeBatch(archive, m.jobs, m.now, data.policy);
      send({ type: 'batch', seq: m.seq, fn: archive.state(), outcomes: outcomes.map(toWireOutcome) });
    } else {
      const outcome = archive.confirm(m.numbers, m.at);
      send({ type: 'confirm', seq: m.seq, fn: archive.state(), outcome });
    }
  } catch (e) {
    send({ type: 'failed', seq: m.seq, error: toWireError(e) });
  }
});
