import type { Clock } from '../../fiscal/clock.ts';
import { systemClock, VirtualClock } from '../../io/clock.ts';
import { SerialPortError } from '../../io/serial/port.ts';
import { serveSerial, serveTcp } from '../../shtrih/front/serve.ts';
import type { TaxByteMode } from '../../shtrih/protocol/tax-byte.ts';
import type { SerialLog } from '../../shtrih/protocol/trace.ts';
import { ConfigError, loadConfig, parseFlags } from '../config.ts';
import { openEmulator } from '../emulated-device.ts';
import { openDeviceFront } from '../hardware-driver.ts';

export const DEVICE_USAGE = `usage: kkt-emu device --serial-port <path> | --tcp [host:]<port> [--option value ...]
  --serial-port <path>  serve the Shtrih-M protocol on a serial port (a real one, or one end of a
                    socat pty pair) at KKT_BAUDRATE (--serial <path> is the old, deprecated name)
  --tcp <port>      serve it on TCP (127.0.0.1 unless host:port is given), with the 0xFF real
                    devices send after each ACK
  --tax-byte <mask|index>  how FF46h's tax byte is read: the vendor OPOS bit mask (default)
                    or the table 6 row 1..6 (older javapos, the Go driver); 11/12
                    (22 %, 22/122) are row numbers either way
Both may be given. The emulated ККТ keeps its archive in KKT_DATA_DIR as the adapter's does;
KKT_SERIAL_TRACE=1 prints every frame. See docs/serial.md.`;

interface DeviceArgs {
  serial?: string;
  /** Lines to print about deprecated flags that were used. */
  deprecations: string[];
  tcp?: { host: string; port: number };
  taxByte?: TaxByteMode;
  rest: string[];
}

const OWN_FLAGS = new Set(['--serial-port', '--serial', '--tcp', '--tax-byte']);

/**
 * Takes the command's own `--serial-port`, `--tcp` and `--tax-byte` out of argv before parseFlags.
 * `--serial <path>` (the old name of --serial-port) still works with a deprecation line: it read
 * too much like KKT_SERIAL, the ККТ's serial number.
 */
export function parseDeviceArgs(argv: readonly string[]): DeviceArgs {
  const out: DeviceArgs = { rest: [], deprecations: [] };
  const problems: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const eq = arg.indexOf('=');
    const flag = eq === -1 ? arg : arg.slice(0, eq);
    if (!OWN_FLAGS.has(flag)) {
      out.rest.push(arg);
      continue;
    }
    let value: string | undefined;
    if (eq !== -1) value = arg.slice(eq + 1);
    else if (argv[i + 1] !== undefined && !(argv[i + 1] as string).startsWith('--')) value = argv[++i];
    if (!value) {
      problems.push(`${flag}: needs a value`);
      continue;
    }
    if (flag === '--serial-port') out.serial = value;
    else if (flag === '--serial') {
      out.serial = value;
      out.deprecations.push(
        'kkt-emu device: --serial is deprecated (it reads like KKT_SERIAL, the serial number); use --serial-port',
      );
    } else if (flag === '--tax-byte') {
      if (value === 'mask' || value === 'index') out.taxByte = value;
      else problems.push(`--tax-byte: must be mask or index, got "${value}"`);
    } else {
      const m = /^(?:(.+):)?(\d+)$/.exec(value);
      const port = m ? Number(m[2]) : Number.NaN;
      if (!m || port > 65535) problems.push(`--tcp: must be a port or host:port, got "${value}"`);
      else out.tcp = { host: m[1] ?? '127.0.0.1', port };
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return out;
}

export interface DeviceCommandOptions {
  /** Stops the device as SIGINT/SIGTERM do (tests, embedding). */
  signal?: AbortSignal;
  /** Where the command's own lines go (default: console.log). */
  print?: (line: string) => void;
}

/**
 * `kkt-emu device`: the emulated ККТ answering the Shtrih-M protocol, for POS software and
 * drivers written for real Shtrih-M registers. Resolves once SIGINT or SIGTERM has stopped it.
 */
export async function runDeviceCommand(argv: string[], options: DeviceCommandOptions = {}): Promise<void> {
  const print = options.print ?? ((line: string) => console.log(line));
  const args = parseDeviceArgs(argv);
  for (const line of args.deprecations) process.stderr.write(`${line}\n`);
  if (!args.serial && !args.tcp)
    throw new ConfigError([`device: give --serial-port <path> or --tcp <port>\n${DEVICE_USAGE}`]);
  const flags = parseFlags(args.rest);
  if (flags.problems.length > 0) throw new ConfigError(flags.problems);
  const config = loadConfig(process.env, flags.values);
  const virtual = config.mode === 'mock' ? new VirtualClock() : undefined;
  const clock: Clock = virtual ?? systemClock;
  const log: SerialLog = (line) => console.error(`kkt-emu: ${line}`);
  const kkt = openEmulator(config, clock);
  // A device on its own has no adapter to deliver its documents: like a ККТ with a working ОФД
  // link, it confirms each one itself, so the 30-day rule never blocks it.
  const front = openDeviceFront(kkt, config, clock, {
    ofdExchange: 'self',
    ...(args.taxByte ? { taxByte: args.taxByte } : {}),
    ...(config.serialTrace ? { log } : {}),
  });
  const stops: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const stop of stops.splice(0).reverse()) await stop().catch(() => undefined);
    front.close();
    await kkt.close();
    virtual?.dispose();
  };
  try {
    if (args.serial) {
      const path = args.serial;
      const served = await serveSerial(front, path, config.baudRate).catch((e: Error) => {
        throw new ConfigError([
          `--serial-port: cannot open "${path}": ${e instanceof SerialPortError ? e.reason : e.message}`,
        ]);
      });
      stops.push(() => served.close());
      print(`kkt-emu device: Shtrih-M protocol on ${path} at ${config.baudRate} baud`);
    }
    if (args.tcp) {
      const { host, port } = args.tcp;
      const served = await serveTcp(front, port, host).catch((e: NodeJS.ErrnoException) => {
        throw new ConfigError([
          `--tcp: cannot listen on ${host}:${port}${e.code === 'EADDRINUSE' ? ': the port is already in use' : `: ${e.message}`}`,
        ]);
      });
      stops.push(() => served.close());
      print(`kkt-emu device: Shtrih-M protocol on tcp://${host}:${served.port}`);
    }
  } catch (e) {
    await stopAll();
    throw e;
  }
  const status = kkt.statusNow();
  print(
    `kkt-emu device: ФН ${status.fn.number}, last document ${status.fn.lastFiscalDocNumber}, shift ${status.shift.state}, data in ${config.dataDir}`,
  );
  await new Promise<void>((resolve) => {
    let stopping = false;
    const onInt = () => stop('SIGINT');
    const onTerm = () => stop('SIGTERM');
    const onAbort = () => stop('stopped');
    const stop = (why: string) => {
      if (stopping) return;
      stopping = true;
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      options.signal?.removeEventListener('abort', onAbort);
      print(`kkt-emu device: ${why}, closing`);
      void stopAll().then(resolve, resolve);
    };
    process.once('SIGINT', onInt);
    process.once('SIGTERM', onTerm);
    if (options.signal?.aborted) stop('stopped');
    else options.signal?.addEventListener('abort', onAbort);
  });
}
