/**
 * Memory test workload, run as a child process by test/hardening/ofd-answers.test.ts:
 *   node --import tsx test/helpers/ofd-answer-child.ts <ofdUrl>
 * Sends one receipt with the real ОФД client to an ОФД that answers with a huge body, and
 * prints `{"result":…,"rssBefore":…,"rssAfter":…}`: how much the process grew to read it.
 */
import { OfdClient } from '../../src/io/http/ofd-client.ts';

const url = process.argv[2] as string;
const client = new OfdClient({ baseUrl: url, timeoutMs: 20_000 });
const payload = { fn_number: '9999078900000001', fiscal_doc_number: 2 } as never;
const rssBefore = process.memoryUsage().rss;
let peak = rssBefore;
const sampler = setInterval(() => {
  peak = Math.max(peak, process.memoryUsage().rss);
}, 5);
const result = await client.send(payload);
peak = Math.max(peak, process.memoryUsage().rss);
clearInterval(sampler);
await client.close();
process.stdout.write(`${JSON.stringify({ result, rssBefore, rssPeak: peak })}\n`);
