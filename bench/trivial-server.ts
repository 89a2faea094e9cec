import Fastify from 'fastify';

/**
 * The ceiling for any fastify POST on this machine: parse a JSON body, answer a small JSON
 * object, nothing else. Run as a child of bench/run.ts; prints `listening <port>` when ready.
 */
const app = Fastify({ logger: false, bodyLimit: 256 * 1024 });
app.post('/v1/echo', async (request) => ({ ok: true, items: (request.body as { items?: unknown[] }).items?.length }));
const port = Number(process.argv[2] ?? 0);
await app.listen({ host: '127.0.0.1', port });
const address = app.server.address();
console.log(`listening ${typeof address === 'object' && address ? address.port : port}`);
const stop = () => void app.close().then(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
