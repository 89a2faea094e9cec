import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { SerialPortMock } from 'serialport';
import { afterEach, describe, expect, test } from 'vitest';
import { parseDeviceArgs, runDeviceCommand } from '../../src/entry/commands/device.ts';
import { ConfigError } from '../../src/entry/config.ts';
import { closeSerialPort, openSerialPort } from '../../src/io/serial/port.ts';
import { ShtrihDriver } from '../../src/shtrih/driver/shtrih-driver.ts';
import { DeviceFront } from '../../src/shtrih/front/device-front.ts';
import { serveTcp } from '../../src/shtrih/front/serve.ts';
import { simpleSale } from '../helpers/kkt-fixtures.ts';
import { HAS_SOCAT, testPtyPair } from '../helpers/pty.ts';
import { CableEnd, emulator, FAST_LINK } from './support.ts';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('TCP', () => {
  test('the device front on TCP, with the 0xFF after each ACK that TCP clients expect', async () => {
    const bench = emulator();
    cleanups.push(() => bench.close());
    const served = await serveTcp(new DeviceFront(bench.kkt), 0);
    cleanups.push(() => served.close());
    const socket = connect({ host: '127.0.0.1', port: served.port });
    await new Promise((resolve) => socket.once('connect', resolve));
    const seen: Buffer[] = [];
    socket.on('data', (d: Buffer) => seen.push(d));
    const driver = new ShtrihDriver(socket, { timezone: 'Europe/Moscow', ...FAST_LINK });
    cleanups.push(() => driver.close());
    cleanups.push(() => void socket.destroy());
    const doc = await driver.printReceipt(simpleSale());
    expect(doc).toEqual(await bench.kkt.getDocument(doc.number));
    expect(Buffer.concat(seen).includes(0xff)).toBe(true);
  });
});

describe('@serialport/binding-mock: the driver on a SerialPort stream with a scripted binding', () => {
  test('the driver talks through the SerialPort class; the device front answers behind the mock binding', async () => {
    const bench = emulator();
    cleanups.push(() => bench.close());
    const path = '/dev/kkt-mock';
    SerialPortMock.binding.createPort(path, { echo: false, record: true });
    cleanups.push(() => SerialPortMock.binding.reset());
    const port = new SerialPortMock({ path, baudRate: 115200, autoOpen: false });
    await new Promise<void>((resolve, reject) => port.open((e) => (e ? reject(e) : resolve())));
    // The device end: what the binding is asked to write goes to the front; what the front writes is emitted as data.
    const device = new CableEnd();
    const binding = port.port as NonNullable<typeof port.port>;
    const write = binding.write.bind(binding);
    binding.write = async (buffer: Buffer) => {
      await write(buffer);
      device.push(buffer);
    };
    device.sink = (chunk) => binding.emitData(chunk);
    const detach = new DeviceFront(bench.kkt).attach(device);
    cleanups.push(detach);
    const driver = new ShtrihDriver(port, { timezone: 'Europe/Moscow', ...FAST_LINK });
    cleanups.push(() => driver.close());
    cleanups.push(() => new Promise<void>((resolve) => (port.isOpen ? port.close(() => resolve()) : resolve())));
    const status = await driver.status();
    expect(status.fn.lastFiscalDocNumber).toBe(1);
    const doc = await driver.printReceipt(simpleSale());
    expect(doc).toEqual(await bench.kkt.getDocument(doc.number));
    // The binding saw the frames: 10h short status with password 30, among others.
    expect(binding.recording.includes(Buffer.from([0x02, 0x05, 0x10, 0x1e, 0x00, 0x00, 0x00, 0x0b]))).toBe(true);
  });
});

describe('kkt-emu device', () => {
  test('its own --serial-port and --tcp come out of argv before the config flags', () => {
    expect(parseDeviceArgs(['--serial-port', '/dev/ttyS0', '--http-port', '1'])).toEqual({
      serial: '/dev/ttyS0',
      rest: ['--http-port', '1'],
      deprecations: [],
    });
    expect(parseDeviceArgs(['--tcp=0.0.0.0:7778'])).toEqual({
      tcp: { host: '0.0.0.0', port: 7778 },
      rest: [],
      deprecations: [],
    });
    expect(parseDeviceArgs(['--tcp', '7778', '--serial-port=/tmp/p'])).toEqual({
      tcp: { host: '127.0.0.1', port: 7778 },
      serial: '/tmp/p',
      rest: [],
      deprecations: [],
    });
    expect(parseDeviceArgs(['--tax-byte', 'index', '--mode', 'mock'])).toEqual({
      taxByte: 'index',
      rest: ['--mode', 'mock'],
      deprecations: [],
    });
    expect(() => parseDeviceArgs(['--tax-byte', 'bits'])).toThrow(/mask or index/);
    expect(() => parseDeviceArgs(['--serial-port'])).toThrow(ConfigError);
    expect(() => parseDeviceArgs(['--tcp', 'x'])).toThrow(/host:port/);
  });

  test('the old --serial <path> still works, with a deprecation line', () => {
    const args = parseDeviceArgs(['--serial', '/dev/ttyS0', '--serial-trace']);
    expect(args).toMatchObject({ serial: '/dev/ttyS0', rest: ['--serial-trace'] });
    expect(args.deprecations).toEqual([expect.stringMatching(/--serial is deprecated.*--serial-port/)]);
  });

  test('without --serial-port or --tcp: a ConfigError with the usage', async () => {
    await expect(runDeviceCommand(['--data-dir', '/tmp/none'])).rejects.toThrow(/--serial-port <path> or --tcp <port>/);
  });

  test.skipIf(!HAS_SOCAT)('serves a pty and TCP at once, backed by one archive; stops on abort', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kkt-device-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const pair = await testPtyPair();
    cleanups.push(() => pair.close());
    const lines: string[] = [];
    const stop = new AbortController();
    const running = runDeviceCommand(
      [
        '--serial-port',
        pair.devicePath,
        '--tcp',
        '0',
        '--data-dir',
        dir,
        '--print-delay-ms',
        '0',
        '--fn-number',
        '9999000000000007',
      ],
      { signal: stop.signal, print: (l) => lines.push(l) },
    );
    cleanups.push(async () => {
      stop.abort();
      await running;
    });
    for (let i = 0; i < 200 && !lines.some((l) => l.includes('ФН')); i++) await sleep(10);
    const tcpPort = Number(/tcp:\/\/127\.0\.0\.1:(\d+)/.exec(lines.join('\n'))?.[1]);
    expect(tcpPort).toBeGreaterThan(0);

    const port = await openSerialPort(pair.hostPath, 115200);
    cleanups.push(() => closeSerialPort(port));
    const overSerial = new ShtrihDriver(port, { timezone: 'Europe/Moscow', ...FAST_LINK });
    const receipt = await overSerial.printReceipt(simpleSale());
    expect(receipt.fnNumber).toBe('9999000000000007');
    await overSerial.close();

    const socket = connect({ host: '127.0.0.1', port: tcpPort });
    await new Promise((resolve) => socket.once('connect', resolve));
    const overTcp = new ShtrihDriver(socket, { timezone: 'Europe/Moscow', ...FAST_LINK });
    expect(await overTcp.getDocument(receipt.number)).toEqual(receipt);
    await overTcp.close();
    socket.destroy();

    stop.abort();
    await running;
    expect(lines.at(-1)).toMatch(/stopped, closing/);
  });
});
