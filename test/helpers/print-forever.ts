/**
 * Crash-test workload, run as a child process by test/device/kkt.crash.test.ts:
 *   node --import tsx test/helpers/print-forever.ts <dataDir> [workers] [fn-thread]
 * Opens the emulator on <dataDir> (no print delay, auto-open shift, wall-clock time; with
 * `fn-thread`, the ФН's writes in their own thread as KKT_FN_THREAD does) and prints
 * receipts forever from a few concurrent workers, so bursts are group-committed. After each
 * receipt is acknowledged it writes `ack <docNumber> <receiptNumber> <requestId>` to stdout
 * (pipes are synchronous on Linux, so a line written is a line the parent will read).
 */
import { EmulatedKkt } from '../../src/device/emulator.ts';
import type { Operation } from '../../src/fiscal/codes.ts';
import { systemClock } from '../../src/io/clock.ts';
import { receiptInput, registration } from './kkt-fixtures.ts';

const dataDir = process.argv[2];
if (!dataDir) {
  process.stderr.write('usage: print-forever.ts <dataDir> [workers]\n');
  process.exit(2);
}
const workers = Number(process.argv[3] ?? 4);
const operations: Operation[] = ['sale', 'sale', 'sale', 'refund', 'purchase', 'purchase_refund'];

const kkt = EmulatedKkt.open({
  dataDir,
  clock: systemClock,
  registration: registration(),
  printDelay: { min: 0, max: 0 },
  autoOpenShift: true,
  fnThread: process.argv[4] === 'fn-thread',
});
process.stdout.write(`ready ${kkt.statusNow().fn.lastFiscalDocNumber}\n`);

async function worker(w: number): Promise<never> {
  for (let i = 0; ; i++) {
    const price = 100 + ((w * 7919 + i * 104_729) % 900_000);
    const input = receiptInput({
      operation: operations[(w + i) % operations.length] as Operation,
      items: [{ price, quantity: 1 + (i % 3), vat: '22' }],
      card: i % 2 === 0 ? price : 0,
      change: i % 5 === 0 ? 50 : 0,
    });
    input.requestId = `p${process.pid}-w${w}-${i}`;
    const doc = await kkt.printReceipt(input);
    process.stdout.write(`ack ${doc.number} ${doc.receiptNumber} ${input.requestId}\n`);
  }
}

await Promise.all(Array.from({ length: workers }, (_, w) => worker(w)));
