import swagger, { type SwaggerOptions } from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, test } from 'vitest';
import { installDocs } from '../../src/api/docs.ts';

const OPENAPI: SwaggerOptions = {
  openapi: {
    info: { title: 'docs test', version: '1.0.0' },
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    security: [{ bearer: [] }],
  },
};

/** Routes of every kind the plugins treat differently: plain, prefixed, hidden, tagged, HEAD, params. */
async function addRoutes(app: FastifyInstance): Promise<void> {
  const ok = async () => ({ ok: true });
  app.post(
    '/v1/things',
    {
      schema: {
        summary: 'make a thing',
        tags: ['things'],
        body: {
          type: 'object',
          required: ['name'],
          properties: { name: { type: 'string', minLength: 1 }, kind: { const: 'a' } },
          additionalProperties: false,
        },
        response: { 200: { type: 'object', properties: { ok: { type: 'boolean' } } } },
      },
    },
    ok,
  );
  app.get('/v1/things/:id', { schema: { params: { type: 'object', properties: { id: { type: 'string' } } } } }, ok);
  app.get('/v1/secret', { schema: { hide: true } }, ok);
  app.route({ method: 'HEAD', url: '/v1/ping', handler: async () => undefined });
  app.route({ method: ['GET', 'DELETE'], url: '/v1/both', handler: ok, config: { note: 'kept' } });
  await app.register(
    async (scope) => {
      scope.get('/inner', { schema: { description: 'from a plugin with a prefix' } }, ok);
    },
    { prefix: '/v2' },
  );
}

const running: FastifyInstance[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((a) => a.close()));
});

/** The plugins registered directly, as the adapter did before /docs became lazy. */
async function direct(): Promise<string> {
  const app = Fastify();
  running.push(app);
  await app.register(swagger, OPENAPI);
  await app.register(swaggerUi, { routePrefix: '/docs' });
  await addRoutes(app);
  return app.listen({ host: '127.0.0.1', port: 0 });
}

async function lazy(): Promise<{ app: FastifyInstance; url: string }> {
  const app = Fastify();
  running.push(app);
  app.setNotFoundHandler((request, reply) => reply.code(404).send({ code: 'NOT_FOUND', path: request.url }));
  installDocs(app, OPENAPI);
  await addRoutes(app);
  return { app, url: await app.listen({ host: '127.0.0.1', port: 0 }) };
}

async function get(url: string, method = 'GET') {
  const res = await fetch(url, { method, redirect: 'manual' });
  return {
    status: res.status,
    type: res.headers.get('content-type'),
    location: res.headers.get('location'),
    body: await res.text(),
  };
}

describe('OpenAPI at /docs, made on the first request', () => {
  test('answers what the plugins answer when registered directly: JSON, YAML, the UI and its files', async () => {
    const [before, after] = await Promise.all([direct(), lazy()]);
    const paths = [
      '/docs/json',
      '/docs/yaml',
      '/docs',
      '/docs/',
      '/docs/static/index.html',
      '/docs/static/swagger-ui.css',
    ];
    for (const method of ['GET', 'HEAD'])
      for (const path of paths) {
        const [a, b] = await Promise.all([get(before + path, method), get(after.url + path, method)]);
        expect({ method, path, ...b }).toEqual({ method, path, ...a });
      }
    expect(JSON.parse((await get(`${after.url}/docs/json`)).body)).toMatchObject({ openapi: expect.any(String) });
  });

  test('the document lists the routes added after it, with their schemas; hidden ones and /docs stay out', async () => {
    const { url } = await lazy();
    const doc = JSON.parse((await get(`${url}/docs/json`)).body) as {
      paths: Record<string, Record<string, { summary?: string; tags?: string[]; description?: string }>>;
    };
    expect(Object.keys(doc.paths).sort()).toEqual(['/v1/both', '/v1/things', '/v1/things/{id}', '/v2/inner']);
    expect(doc.paths['/v1/things']?.post).toMatchObject({ summary: 'make a thing', tags: ['things'] });
    expect(Object.keys(doc.paths['/v1/both'] ?? {}).sort()).toEqual(['delete', 'get']);
    expect(doc.paths['/v2/inner']?.get?.description).toBe('from a plugin with a prefix');
  });

  test("a path under /docs the UI does not serve gets the app's own not-found answer", async () => {
    const { url } = await lazy();
    const res = await get(`${url}/docs/static/no-such-file.js`);
    expect(res.status).toBe(404);
    expect(JSON.parse(res.body)).toEqual({ code: 'NOT_FOUND', path: '/docs/static/no-such-file.js' });
  });

  test('concurrent first requests share one build, and closing the app closes it', async () => {
    const { app, url } = await lazy();
    const answers = await Promise.all(Array.from({ length: 8 }, () => get(`${url}/docs/json`)));
    expect(new Set(answers.map((a) => a.body)).size).toBe(1);
    expect(answers.every((a) => a.status === 200)).toBe(true);
    await app.close();
    running.splice(running.indexOf(app), 1);
  });
});
