import { mkdirSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { SerialPort } from 'serialport';
import { AtolDriver } from '../atol/driver/atol-driver.ts';
import type { EmulatedKkt } from '../device/emulator.ts';
import type { Clock } from '../fiscal/clock.ts';
import { VirtualClock } from '../io/clock.ts';
import { AtolHttp } from '../io/http/atol-http.ts';
import { closeSerialPort, openSerialPort, SerialPortError } from '../io/serial/port.ts';
import { SocatError, startPtyPair } from '../io/serial/socat.ts';
import { AtolJournal } from '../io/sqlite/atol-journal.ts';
import { SqliteCellStore } from '../io/sqlite/settings-store.ts';
import { ShtrihDriver } from '../shtrih/driver/shtrih-driver.ts';
import { DeviceFront, type DeviceFrontOptions } from '../shtrih/front/device-front.ts';
import { serveSerial } from '../shtrih/front/serve.ts';
import type { SerialLog } from '../shtrih/protocol/trace.ts';
import { type Config, ConfigError } from './config.ts';
import { type OpenDriverOptions, type OpenedDriver, openEmulator } from './emulated-device.ts';

/*
 * The drivers for real (or wire-emulated) registers: the Shtrih-M driver on a serial port, a TCP
 * socket or a pty pair, and the ATOL driver. Loaded only when KKT_DRIVER_TYPE asks for one, so
 * the emulator's start does not load the serial port library and the protocol stacks.
 */

/**
 * The Shtrih-M device front for `kkt`: its settings tables on disk beside the ФН archive
 * (`kkt-<serial>.tables.db`: they belong to the register and outlive a ФН), and in mock mode
 * the virtual clock, which 21h–23h may set.
 */
export function openDeviceFront(
  kkt: EmulatedKkt,
  config: Config,
  clock: Clock,
  options: Omit<DeviceFrontOptions, 'settings' | 'clock' | 'autoOpenShift'> = {},
): DeviceFront {
  const settings = SqliteCellStore.open(kkt.archivePath.replace(/\.db$/, '.tables.db'));
  return new DeviceFront(kkt, {
    ...options,
    autoOpenShift: config.autoOpenShift,
    settings,
    ...(clock instanceof VirtualClock ? { clock } : {}),
  });
}

const stderrLog: SerialLog = (line) => process.stderr.write(`${line}\n`);

/** The pty links of KKT_SERIAL_PAIR, in the data dir. */
export const PAIR_DEVICE_LINK = 'kkt-device';
export const PAIR_HOST_LINK = 'kkt-host';

/**
 * The device the adapter talks to, chosen by KKT_DRIVER_TYPE:
 * - `emulator`: the in-process EmulatedKkt;
 * - `shtrih`: the Shtrih-M driver on KKT_PORT at KKT_BAUDRATE (`tcp://host:port` for a ККТ on
 *   the network); with KKT_SERIAL_PAIR the port is one end of a socat pty pair whose other end
 *   is served by an in-process emulated ККТ, returned as `emulator` so the control API works.
 */
export async function openHardwareDriver(
  config: Config,
  clock: Clock,
  options: OpenDriverOptions = {},
): Promise<OpenedDriver> {
  if (config.driverType === 'atol') return openAtolDriver(config);
  const log = config.serialTrace ? (options.log ?? stderrLog) : undefined;
  const driverOptions = (label: string) => ({
    timezone: config.timezone,
    label,
    ...(log ? { log } : {}),
    ...(options.link?.timeouts ? { timeouts: options.link.timeouts } : {}),
    ...(options.link?.answerTimeoutMs !== undefined ? { answerTimeoutMs: options.link.answerTimeoutMs } : {}),
  });
  if (config.serialPair) return openSerialPair(config, clock, options, driverOptions);

  const stream = await openPort(config);
  const driver = new ShtrihDriver(stream, {
    ...driverOptions(config.port),
    onClose: () => closeStream(stream),
  });
  return { driver, close: () => driver.close() };
}

/** KKT_DRIVER_TYPE=atol: an ATOL Web Requests server at KKT_ATOL_URL, journal in the data dir. */
function openAtolDriver(config: Config): OpenedDriver {
  mkdirSync(config.dataDir, { recursive: true });
  const http = new AtolHttp({
    baseUrl: config.atolUrl as string,
    timeoutMs: 30_000,
    ...(config.atolUser !== undefined ? { user: config.atolUser, password: config.atolPassword ?? '' } : {}),
  });
  const journal = new AtolJournal(join(config.dataDir, 'atol-driver.db'));
  const driver = new AtolDriver({
    http,
    journal,
    timezone: config.timezone,
    onClose: async () => {
      await http.close();
      journal.close();
    },
  });
  return { driver, controls: driver.controls(), close: () => driver.close() };
}

async function openSerialPair(
  config: Config,
  clock: Clock,
  options: OpenDriverOptions,
  driverOptions: (label: string) => ConstructorParameters<typeof ShtrihDriver>[1],
): Promise<OpenedDriver> {
  const cleanup: (() => Promise<void> | void)[] = [];
  const unwind = async () => {
    for (const c of cleanup.splice(0).reverse()) await c();
  };
  const kkt = openEmulator(config, clock, options);
  cleanup.push(() => kkt.close());
  try {
    const pair = await startPtyPair(join(config.dataDir, PAIR_DEVICE_LINK), join(config.dataDir, PAIR_HOST_LINK)).catch(
      (e: unknown) => {
        if (e instanceof SocatError)
          throw new ConfigError([
            `KKT_SERIAL_PAIR (--serial-pair): ${e.message}; install socat or set KKT_SERIAL_PAIR=false`,
          ]);
        throw e;
      },
    );
    cleanup.push(() => pair.close());
    // The emulated device has no ОФД link of its own: the adapter's sync, in this process, is its
    // ОФД exchange, and tells it what the ОФД accepted as the in-process driver does.
    const front = openDeviceFront(kkt, config, clock, { ofdExchange: 'host' });
    cleanup.push(() => front.close());
    const device = await serveSerial(front, pair.devicePath, config.baudRate);
    cleanup.push(() => device.close());
    const host = await openSerialPort(pair.hostPath, config.baudRate);
    const driver = new ShtrihDriver(host, {
      ...driverOptions(pair.hostPath),
      ofdExchange: (numbers) => kkt.confirmDelivered(numbers),
      onClose: () => closeSerialPort(host),
    });
    cleanup.push(() => driver.close());
    return { driver, emulator: kkt, close: unwind };
  } catch (e) {
    await unwind();
    throw e;
  }
}

async function openPort(config: Config): Promise<Duplex> {
  const tcp = /^tcp:\/\/([^:/]+):(\d+)\/?$/.exec(config.port);
  if (tcp) return connectTcp(tcp[1] as string, Number(tcp[2]), config.port);
  try {
    return await openSerialPort(config.port, config.baudRate);
  } catch (e) {
    const reason = e instanceof SerialPortError ? e.reason : (e as Error).message;
    throw new ConfigError([`KKT_PORT (--port): cannot open "${config.port}": ${reason}`]);
  }
}

const TCP_CONNECT_TIMEOUT_MS = 5000;

function connectTcp(host: string, port: number, setting: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    socket.setNoDelay(true);
    // An unreachable host would otherwise hold the start for the OS's own connect timeout (minutes).
    socket.setTimeout(TCP_CONNECT_TIMEOUT_MS, () => socket.destroy(new Error('no answer within 5 s')));
    socket.once('connect', () => {
      socket.setTimeout(0);
      socket.off('error', onError);
      resolve(socket);
    });
    const onError = (e: Error) =>
      reject(new ConfigError([`KKT_PORT (--port): cannot connect to "${setting}": ${e.message}`]));
    socket.once('error', onError);
  });
}

async function closeStream(stream: Duplex): Promise<void> {
  if (stream instanceof SerialPort) await closeSerialPort(stream);
  else stream.destroy();
}
