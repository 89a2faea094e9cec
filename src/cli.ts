import { startAdapter } from './adapter/stack.ts';
import { ConfigError, loadConfig, parseFlags } from './config.ts';

/**
 * `kkt-emu up|adapter`: the adapter with its emulated device. (`ofd`, `odoo`, `device` and
 * `statecharts` arrive with the sync, serial and inspector work.)
 */
const USAGE = `usage: kkt-emu <up|adapter> [--option value ...]
  up        adapter + emulated ККТ (what npm start runs)
  adapter   the same adapter; the device is chosen by KKT_DRIVER_TYPE
Every setting is an env (KKT_HTTP_PORT) or a flag (--http-port). See README.md.`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    console.log(USAGE);
    return command === undefined ? 2 : 0;
  }
  if (command !== 'up' && command !== 'adapter') {
    console.error(`kkt-emu: unknown command "${command}"\n${USAGE}`);
    return 2;
  }
  const flags = parseFlags(rest);
  if (flags.problems.length > 0) throw new ConfigError(flags.problems);
  const config = loadConfig(process.env, flags.values);
  const level = process.env.LOG_LEVEL ?? 'info';
  const running = await startAdapter(config, { logger: { level } });
  const status = await running.driver.status();
  running.app.log.info(
    {
      url: running.url,
      mode: config.mode,
      dataDir: config.dataDir,
      fn: status.fn.number,
      lastDoc: status.fn.lastFiscalDocNumber,
      shift: status.shift.state,
    },
    `kkt-emu adapter listening on ${running.url} (OpenAPI at ${running.url}/docs)`,
  );
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    running.app.log.info(`${signal}: finishing in-flight requests and closing databases`);
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
    } else {
      console.error('kkt-emu: failed to start:', e instanceof Error ? (e.stack ?? e.message) : e);
    }
    process.exit(1);
  },
);
