import { timingSafeEqual } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Clock } from '../../fiscal/clock.ts';
import { localIsoWithOffset } from '../../fiscal/local-time.ts';
import { type AtolError, atolError } from '../protocol/errors.ts';
import { parseTask } from '../protocol/tasks.ts';
import { type ErrorResult, parseRequestBody, type RequestAddResult } from '../protocol/wire.ts';
import type { AtolQueue } from './queue.ts';
import {
  deviceInfoResult,
  deviceStatusResult,
  fnInfoResult,
  fnStatusResult,
  incomeTotalsResult,
  ofdExchangeStatusResult,
  outcomeTotalsResult,
  type RegistrationExtras,
  receiptsTotals,
  shiftStatusResult,
  shiftTotalsResult,
} from './results.ts';

export interface AtolServerOptions {
  queue: AtolQueue;
  clock: Clock;
  timezone: string;
  extras: RegistrationExtras;
  /** HTTP Basic credentials; without them the API is open (the real server cannot switch auth off). */
  user?: string;
  password?: string;
  /** `validateRequestsOnAdd`: check every task at POST and answer 420 instead of accepting it. */
  validateOnAdd: boolean;
  /** `deleteRequestsAfter`, minutes. */
  deleteRequestsAfter: number;
  logger?: boolean | { level: string };
  /**
   * Mock mode: the emulator's controls, served under `/api/v2/_emulator/*` (a kkt-emu extension,
   * absent from real servers) so that an adapter driving this server can move its clock.
   */
  emulator?: {
    setFaults(faults: { paperOut?: boolean; coverOpen?: boolean }): void | Promise<void>;
    advanceClock(ms: number): number | Promise<number>;
    reset(): Promise<void>;
  };
}

/** The one device this server drives; `default` is accepted as its id too, as on the real server. */
export const DEVICE_ID = 'default';
const BODY_LIMIT = 1024 * 1024;

const fail = (reply: FastifyReply, status: number, error: AtolError) =>
  reply.code(status).send({ error } satisfies ErrorResult);
const webFail = (description: string): AtolError => ({ code: 505, description });

function credentialsMatch(header: string | undefined, user: string, password: string): boolean {
  if (!header?.startsWith('Basic ')) return false;
  const given = Buffer.from(Buffer.from(header.slice(6).trim(), 'base64').toString('utf8'));
  const expected = Buffer.from(`${user}:${password}`);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/**
 * The ATOL "Web Requests" HTTP API (`/api/v2`, default port 16732) in front of the adapter's
 * device: POS software written for ATOL registers posts its JSON tasks here unchanged. Error
 * answers take ATOL's own shape, `{"error":{"code","description"}}`. See docs/atol.md.
 */
export async function buildAtolServer(o: AtolServerOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: o.logger ?? false,
    bodyLimit: BODY_LIMIT,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
  });
  const queue = o.queue;
  app.setErrorHandler((err: { statusCode?: number; message: string }, _request, reply) => {
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    if (status === 500) app.log.error({ err }, 'ATOL API error');
    return fail(reply, status, webFail(status === 400 ? `Некорректный JSON: ${err.message}` : err.message));
  });
  app.setNotFoundHandler((request, reply) =>
    fail(reply, 404, webFail(`Метод ${request.method} ${request.url.split('?')[0]} не найден`)),
  );

  const { user, password } = o;
  if (user !== undefined && password !== undefined) {
    app.addHook('onRequest', async (request, reply) => {
      const path = request.routeOptions.url ?? '';
      if (path === '/api/v2/serverInfo') return;
      if (credentialsMatch(request.headers.authorization, user, password)) return;
      reply.header('WWW-Authenticate', 'Basic realm="ATOL Web Requests"');
      return fail(reply, 401, webFail('unauthorized'));
    });
  }

  /** `?deviceID=`: absent or `default` (or the device's own id) is the device; anything else 404. */
  const deviceOk = (request: FastifyRequest, reply: FastifyReply): boolean => {
    const id = (request.query as Record<string, string | undefined>).deviceID;
    if (id === undefined || id === '' || id === DEVICE_ID) return true;
    void fail(reply, 404, webFail(`Устройство с ID [${id}] не найдено`));
    return false;
  };

  app.get('/api/v2/serverInfo', async () => ({
    serverVersion: '1.0.4.0',
    driverVersion: `kkt-emu ${o.extras.version}`,
    os: process.platform === 'win32' ? 'windows' : process.platform === 'darwin' ? 'macos' : 'linux',
    currentDateTime: localIsoWithOffset(o.clock.now(), o.timezone),
  }));

  app.get('/api/v2/settings', async () => ({
    scriptsPath: '',
    invertCashDrawerStatus: false,
    additionalHeaderLines: '',
    additionalFooterLines: '',
    blockQueueOnPrintErrors: false,
    deleteRequestsAfter: o.deleteRequestsAfter,
    validateRequestsOnAdd: o.validateOnAdd,
  }));

  const device = () => ({
    id: DEVICE_ID,
    name: 'kkt-emu',
    isActive: true,
    isDefault: true,
    isLock: queue.blockState().isBlocked,
    hasLicense: true,
    connectionSettings: {
      model: 500,
      accessPassword: '',
      userPassword: '',
      port: 'tcp',
      com: '',
      baudRate: 115200,
      usbDevice: 'auto',
      ipAddress: '127.0.0.1',
      ipPort: 0,
      mac: '',
      ofdChannel: 'auto',
    },
  });
  app.get('/api/v2/devices', async () => [device()]);
  app.get<{ Params: { id: string } }>('/api/v2/devices/:id', async (request, reply) => {
    if (request.params.id !== DEVICE_ID)
      return fail(reply, 404, webFail(`Устройство с ID [${request.params.id}] не найдено`));
    return device();
  });
  for (const path of ['/api/v2/activateDevice', '/api/v2/deactivateDevice'])
    app.post(path, async (request, reply) => {
      if (!deviceOk(request, reply)) return reply;
      return reply.code(200).send();
    });

  app.post('/api/v2/requests', async (request, reply) => {
    if (!deviceOk(request, reply)) return reply;
    const parsed = parseRequestBody(request.body);
    if (!parsed.ok) return fail(reply, 400, webFail(parsed.description));
    if (o.validateOnAdd) {
      const ctx = queue.parseContext();
      for (const task of parsed.tasks) {
        const p = parseTask(task, ctx);
        if (!p.ok) return fail(reply, 420, p.error);
      }
    }
    const added = await queue.add(parsed.uuid, parsed.tasks, parsed.resultUrl);
    if (!added.ok)
      return fail(
        reply,
        409,
        webFail(`Не удалось добавить задание с UUID [${parsed.uuid}], задание с таким UUID уже есть`),
      );
    const s = queue.blockState();
    const answer: RequestAddResult = {
      number: added.number,
      uuid: parsed.uuid,
      isBlocked: s.isBlocked,
      blockedUUID: s.blockedUUID,
    };
    return reply.code(201).send(answer);
  });

  app.get<{ Params: { uuid: string } }>('/api/v2/requests/:uuid', async (request, reply) => {
    if (!deviceOk(request, reply)) return reply;
    const results = queue.results(request.params.uuid);
    if (!results)
      return fail(
        reply,
        404,
        webFail(`Задание с UUID [${request.params.uuid}] для устройства [${DEVICE_ID}] не найдено`),
      );
    return results;
  });

  app.delete<{ Params: { uuid: string } }>('/api/v2/requests/:uuid', async (request, reply) => {
    if (!deviceOk(request, reply)) return reply;
    const uuid = request.params.uuid;
    const r = queue.cancel(uuid);
    if (r === 'notFound')
      return fail(reply, 404, webFail(`Задание с UUID [${uuid}] для устройства [${DEVICE_ID}] не найдено`));
    if (r === 'started') return fail(reply, 409, webFail('Задание в текущем его состоянии удалить нельзя'));
    return reply.code(200).send();
  });

  app.get('/api/v2/getRequestsQueueStatus', async (request, reply) => {
    if (!deviceOk(request, reply)) return reply;
    return queue.queueStatus();
  });

  const RECEIPT_TOTAL_TYPES = ['sell', 'sellReturn', 'buy', 'buyReturn'] as const;
  app.post<{ Params: { op: string }; Querystring: { type?: string } }>(
    '/api/v2/operations/:op',
    async (request, reply) => {
      if (!deviceOk(request, reply)) return reply;
      const op = request.params.op;
      try {
        switch (op) {
          case 'queryDeviceInfo':
            return deviceInfoResult(await queue.status(), o.extras, true);
          case 'queryDeviceStatus':
            return deviceStatusResult(await queue.status());
          case 'queryShiftStatus':
            return shiftStatusResult(await queue.status(), true);
          case 'queryFnInfo':
            return fnInfoResult(await queue.status(), o.extras, true);
          case 'queryFnStatus':
            return fnStatusResult(await queue.status());
          case 'queryOfdExchangeStatus':
            return ofdExchangeStatusResult(await queue.status(), true);
          case 'queryIsmExchangeStatus':
            return {
              ismExchangeStatus: { notSentCount: 0, notSentFirstNoticeDateTime: '', notSentFirstNoticeNumber: 0 },
              ismExchangeErrors: { ism: { code: 0, description: 'Ошибок нет' } },
            };
          case 'queryShiftTotals':
            return shiftTotalsResult(await queue.shiftTotals(), (await queue.status()).cashBalance);
          case 'queryIncomeTotals':
            return incomeTotalsResult(await queue.shiftTotals());
          case 'queryOutcomeTotals':
            return outcomeTotalsResult(await queue.shiftTotals());
          case 'queryReceiptTotals': {
            const type = request.query.type;
            if (!RECEIPT_TOTAL_TYPES.includes(type as never))
              return fail(reply, 420, atolError('INVALID_PARAM', "'type' = sell | sellReturn | buy | buyReturn"));
            return {
              receiptTotals: receiptsTotals(await queue.shiftTotals())[type as (typeof RECEIPT_TOTAL_TYPES)[number]],
            };
          }
          case 'queryLicenses':
            return [];
          case 'queryDeviceSettings':
            return [];
          default:
            return fail(reply, 404, webFail(`Операция '${op}' не найдена`));
        }
      } catch (e) {
        return fail(reply, 420, { code: 420, description: `Ошибка при выполнении запроса: ${(e as Error).message}` });
      }
    },
  );

  const emu = o.emulator;
  if (emu) {
    app.put<{ Body: { paperOut?: unknown; coverOpen?: unknown } }>(
      '/api/v2/_emulator/faults',
      async (request, reply) => {
        const b = request.body ?? {};
        const faults: { paperOut?: boolean; coverOpen?: boolean } = {};
        for (const k of ['paperOut', 'coverOpen'] as const) {
          if (b[k] === undefined) continue;
          if (typeof b[k] !== 'boolean') return fail(reply, 400, webFail(`'${k}' must be true or false`));
          faults[k] = b[k];
        }
        await emu.setFaults(faults);
        return { faults };
      },
    );
    app.post<{ Body: { advanceMs?: unknown } }>('/api/v2/_emulator/clock', async (request, reply) => {
      const ms = request.body?.advanceMs;
      if (typeof ms !== 'number' || !(ms >= 0)) return fail(reply, 400, webFail("'advanceMs' must be a number ≥ 0"));
      return { now: await emu.advanceClock(ms) };
    });
    app.post('/api/v2/_emulator/reset', async () => {
      await emu.reset();
      return { status: 'reset' };
    });
  }

  return app;
}
