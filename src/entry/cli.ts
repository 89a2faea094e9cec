import { DataDirError } from '../io/sqlite/open-database.ts';
import { startBanner } from './banner.ts';
import { ConfigError, listenFailure, loadConfig, parseFlags } from './config.ts';
import { startMockThreads } from './mocks-off-thread.ts';
import type { RunningAdapter } from './start-adapter.ts';

const USAGE = `usage: kkt-emu <command> [--option value ...]
  up        adapter + emulated ККТ + mock ОФД + mock Odoo, wired together (what npm start runs)
  adapter   the adapter alone; the device is chosen by KKT_DRIVER_TYPE, the ОФД by KKT_OFD_API_URL
  ofd       the mock ОФД alone (KKT_OFD_PORT, default 9000)
  odoo      the mock Odoo alone (KKT_ODOO_PORT, default 8069)
  device    the emulated ККТ on the Shtrih-M protocol: --serial-port <path> | --tcp [host:]<port> (docs/serial.md)
  requeue   send the receipts the ОФД refused (failed) again: asks the running adapter (POST /v1/kkt/buffer/retry)
  statecharts  write docs/statecharts/<machine>.md (Mermaid) and .svg; --check exits 1 when they are stale
Every setting is an env (KKT_HTTP_PORT) or a flag (--http-port). See README.md.`;

const COMMANDS = ['up', 'adapter', 'ofd', 'odoo'] as const;

/** `kkt-emu <command> --help`: the command's line of the usage, and where its settings are. */
function commandUsage(command: string): string {
  const line = USAGE.split('\n').find((l) => l.trimStart().startsWith(`${command} `)) ?? '';
  return `usage: kkt-emu ${command} [--option value ...]\n${line}\nEvery setting is an env (KKT_HTTP_PORT) or a flag (--http-port). See README.md.`;
}
type Command = (typeof COMMANDS)[number];

interface Running {
  log: { info(obj: unknown, msg?: string): void };
  close(): Promise<void>;
}

async function start(command: Command, rest: string[]): Promise<Running> {
  const flags = parseFlags(rest);
  if (flags.problems.length > 0) throw new ConfigError(flags.problems);
  const config = loadConfig(process.env, flags.values);
  // On a terminal, log lines people can read (pino-pretty); elsewhere JSON lines, one per event.
  const tty = process.stdout.isTTY === true;
  const logger = {
    level: process.env.LOG_LEVEL ?? 'info',
    ...(tty
      ? {
          stream: (await import('pino-pretty')).default({
            colorize: true,
            translateTime: 'SYS:HH:MM:ss',
            ignore: 'pid,hostname',
          }),
        }
      : {}),
  };
  if (command === 'ofd' || command === 'odoo') {
    const mock =
      command === 'ofd'
        ? new (await import('../mocks/mock-ofd.ts')).MockOfdServer({
            port: config.ofdPort,
            host: config.httpHost,
            logger,
          })
        : new (await import('../mocks/mock-odoo.ts')).MockOdooServer({
            port: config.odooPort,
            host: config.httpHost,
            logger,
          });
    const url = await mock.start().catch((e) => {
      throw command === 'ofd'
        ? listenFailure(e, 'KKT_OFD_PORT (--ofd-port)', config.ofdPort, config.httpHost)
        : listenFailure(e, 'KKT_ODOO_PORT (--odoo-port)', config.odooPort, config.httpHost);
    });
    console.log(`kkt-emu: mock ${command === 'ofd' ? 'ОФД' : 'Odoo'} listening on ${url}`);
    return { log: { info: (_o, msg) => console.log(`kkt-emu: ${msg}`) }, close: () => mock.stop() };
  }
  let adapter: RunningAdapter;
  let close: () => Promise<void>;
  let extra: { ofd?: string; odoo?: string } = {};
  if (command === 'up') {
    // The mocks' threads boot (on the other core) while this thread loads the adapter's modules.
    const threads = startMockThreads(config, { logLevel: logger.level, pretty: tty });
    threads.catch(() => undefined); // awaited, and reported, in startThreadedStack
    const { startThreadedStack } = await import('./start-stack.ts');
    const stack = await startThreadedStack({ logger, logLevel: logger.level, prettyLogs: tty }, config, threads);
    adapter = stack.adapter;
    close = () => stack.stop();
    extra = { ofd: stack.ofdUrl, odoo: stack.odooUrl };
  } else {
    adapter = await (await import('./start-adapter.ts')).startAdapter(config, { logger });
    close = () => adapter.close();
  }
  const status = await adapter.driver.status();
  adapter.app.log.info(
    {
      url: adapter.url,
      ...extra,
      mode: config.mode,
      dataDir: config.dataDir,
      fn: status.fn.number,
      lastDoc: status.fn.lastFiscalDocNumber,
      shift: status.shift.state,
    },
    `kkt-emu adapter listening on ${adapter.url} (OpenAPI at ${adapter.url}/docs)`,
  );
  if (tty)
    console.log(
      startBanner(`kkt-emu ${command}: ${config.mode} mode, data in ${config.dataDir}`, [
        ['adapter', `${adapter.url}  (OpenAPI ${adapter.url}/docs)`],
        ['console', `${adapter.url}/`],
        ['inspector', adapter.inspector ? `${adapter.url}/inspect` : undefined],
        ['mock ОФД', extra.ofd],
        ['mock Odoo', extra.odoo],
        ['ATOL Web Requests', adapter.atolUrl ? `${adapter.atolUrl}/api/v2` : undefined],
      ]),
    );
  return { log: adapter.app.log, close };
}

/**
 * `kkt-emu requeue`: the running adapter owns its data dir (it holds the lock), so the command
 * asks it over HTTP at KKT_HTTP_HOST:KKT_HTTP_PORT, with KKT_API_TOKEN when set.
 */
async function requeue(rest: string[]): Promise<number> {
  const flags = parseFlags(rest);
  if (flags.problems.length > 0) throw new ConfigError(flags.problems);
  const config = loadConfig(process.env, flags.values);
  const host = ['0.0.0.0', '::', ''].includes(config.httpHost) ? '127.0.0.1' : config.httpHost;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${config.httpPort}/v1/kkt/buffer/retry`;
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: config.apiToken ? { authorization: `Bearer ${config.apiToken}` } : {},
      signal: AbortSignal.timeout(10_000),
    });
  } catch {
    console.error(`kkt-emu: no adapter answers at ${url}; is it running (KKT_HTTP_HOST, KKT_HTTP_PORT)?`);
    return 1;
  }
  const body = (await res.json().catch(() => ({}))) as { requeued?: number; detail?: string };
  if (!res.ok) {
    console.error(`kkt-emu: the adapter answered ${res.status}: ${body.detail ?? ''}`.trim());
    return 1;
  }
  console.log(`kkt-emu: ${body.requeued ?? 0} failed receipts requeued`);
  return 0;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    console.log(USAGE);
    return command === undefined ? 2 : 0;
  }
  const help = rest.includes('--help') || rest.includes('-h');
  if (command === 'device') {
    const { DEVICE_USAGE, runDeviceCommand } = await import('./commands/device.ts');
    if (help) {
      console.log(DEVICE_USAGE);
      return 0;
    }
    await runDeviceCommand(rest);
    return 0;
  }
  if (command === 'statecharts') {
    const { runStatechartsCommand } = await import('./commands/statecharts.ts');
    return runStatechartsCommand(rest);
  }
  if (command === 'requeue') {
    if (help) {
      console.log(commandUsage(command));
      return 0;
    }
    return requeue(rest);
  }
  if (!(COMMANDS as readonly string[]).includes(command)) {
    console.error(`kkt-emu: unknown command "${command}"\n${USAGE}`);
    return 2;
  }
  if (help) {
    console.log(commandUsage(command));
    return 0;
  }
  const running = await start(command as Command, rest);
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    running.log.info({}, `${signal}: finishing in-flight requests and closing databases`);
    await running.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  return -1;
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (e: unknown) => {
    if (e instanceof ConfigError) {
      for (const line of e.problems) console.error(`kkt-emu: ${line}`);
    } else if (e instanceof DataDirError) {
      console.error(`kkt-emu: ${e.message}`);
    } else {
      console.error('kkt-emu: failed to start:', e instanceof Error ? (e.stack ?? e.message) : e);
    }
    process.exit(1);
  },
);
