import { afterEach, describe, expect, test } from 'vitest';
import { loadConfig } from '../../src/entry/config.ts';
import { openDriver } from '../../src/entry/open-driver.ts';
import { closeSerialPort, openSerialPort } from '../../src/io/serial/port.ts';
import { ShtrihDriver } from '../../src/shtrih/driver/shtrih-driver.ts';
import { DeviceFront } from '../../src/shtrih/front/device-front.ts';
import { serveSerial, serveTcp } from '../../src/shtrih/front/serve.ts';
import { HOUR_MS, simpleSale } from '../helpers/kkt-fixtures.ts';
import { HAS_SOCAT, PTY_SKIP_MESSAGE, testPtyPair } from '../helpers/pty.ts';
import { comparableDoc, comparableStatus } from './equivalence.ts';
import { type Bench, dropAnswers, emulator, FAST_LINK, tapIncoming } from './support.ts';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** The emulated device on one end of a socat pty pair, the driver on the other: a null-modem cable. */
async function overPty(o: { dropFF45?: number } = {}) {
  const bench: Bench = emulator();
  cleanups.push(() => bench.close());
  const pair = await testPtyPair();
  cleanups.push(() => pair.close());
  const front = new DeviceFront(bench.kkt);
  const device = await serveSerial(front, pair.devicePath, 115200);
  cleanups.push(() => device.close());
  const port = await openSerialPort(pair.hostPath, 115200);
  cleanups.push(() => closeSerialPort(port));
  const drop = dropAnswers(0xff45, o.dropFF45 ?? 0);
  const driver = new ShtrihDriver(o.dropFF45 ? tapIncoming(port, drop.decide) : port, {
    timezone: 'Europe/Moscow',
    ...FAST_LINK,
  });
  cleanups.push(() => driver.close());
  return { bench, driver, drop };
}

describe.skipIf(!HAS_SOCAT)('over a real pseudo-terminal (socat)', () => {
  test('receipts, shifts, reports and status, byte for byte through a pty', async () => {
    const { bench, driver } = await overPty();
    const opened = await driver.openShift({ cashier: 'Сидорова А.А.' });
    expect(opened).toEqual(await bench.kkt.getDocument(2));
    for (let i = 0; i < 5; i++) {
      const doc = await driver.printReceipt({ ...simpleSale(1000 + i), requestId: `pty-${i}` });
      expect(doc).toEqual(await bench.kkt.getDocument(doc.number));
    }
    expect(await driver.findReceipt('pty-3', 2)).toEqual(await bench.kkt.findReceipt('pty-3', 2));
    const x = await driver.xReport();
    expect({ ...x, at: 0 }).toEqual({ ...(await bench.kkt.xReport()), at: 0 });
    expect(comparableStatus(await driver.status())).toEqual(comparableStatus(await bench.kkt.status()));
    const z = await driver.closeShift();
    expect(z).toEqual(await bench.kkt.getDocument(z.number));
    expect(z.receiptsCount).toBe(5);
    bench.clock.advance(HOUR_MS);
    expect((await driver.unconfirmedDocuments(1, 100)).map(comparableDoc)).toEqual(
      (await bench.kkt.unconfirmedDocuments(1, 100)).map(comparableDoc),
    );
  });

  test('a reply lost on the wire is recovered without a second fiscal document', async () => {
    const { bench, driver, drop } = await overPty({ dropFF45: 1 });
    const doc = await driver.printReceipt({ ...simpleSale(), requestId: 'pty-lost' });
    expect(drop.dropped).toHaveLength(1);
    expect(doc).toEqual(await bench.kkt.getDocument(doc.number));
    const status = await bench.kkt.status();
    expect(status.fn.lastFiscalDocNumber).toBe(3);
    expect(status.shift.receipts).toBe(1);
  });

  test('openDriver with KKT_SERIAL_PAIR: socat started in the data dir, the emulator behind it, all closed after', async () => {
    const bench = emulator();
    cleanups.push(() => bench.close());
    const config = loadConfig({
      KKT_DRIVER_TYPE: 'shtrih',
      KKT_SERIAL_PAIR: 'true',
      KKT_DATA_DIR: `${bench.dir}/pair`,
      KKT_PRINT_DELAY_MS: '0',
      KKT_SERIAL_TRACE: 'true',
    });
    const lines: string[] = [];
    const opened = await openDriver(config, bench.clock, { log: (l) => lines.push(l), link: FAST_LINK });
    try {
      expect(opened.driver.kind).toBe('shtrih');
      expect(opened.emulator).toBeDefined();
      const doc = await opened.driver.printReceipt(simpleSale());
      expect(doc).toEqual(await opened.emulator?.getDocument(doc.number));
      expect(lines.some((l) => l.includes('FF45h Close check extended: ok'))).toBe(true);
    } finally {
      await opened.close();
    }
    const { existsSync } = await import('node:fs');
    expect(existsSync(`${bench.dir}/pair/kkt-host`)).toBe(false);
  });
});

describe('openDriver without a pty', () => {
  test('emulator: the in-process device, as the adapter always had it', async () => {
    const bench = emulator();
    cleanups.push(() => bench.close());
    const opened = await openDriver(
      loadConfig({ KKT_DATA_DIR: `${bench.dir}/e`, KKT_PRINT_DELAY_MS: '0' }),
      bench.clock,
    );
    cleanups.push(() => opened.close());
    expect(opened.driver.kind).toBe('emulator');
    expect(opened.emulator).toBe(opened.driver);
  });

  test('KKT_PORT=tcp://host:port: a ККТ on the network', async () => {
    const bench = emulator();
    cleanups.push(() => bench.close());
    const served = await serveTcp(new DeviceFront(bench.kkt), 0);
    cleanups.push(() => served.close());
    const config = loadConfig({ KKT_DRIVER_TYPE: 'shtrih', KKT_PORT: `tcp://127.0.0.1:${served.port}` });
    const opened = await openDriver(config, bench.clock, { link: FAST_LINK });
    cleanups.push(() => opened.close());
    expect(opened.emulator).toBeUndefined();
    const doc = await opened.driver.printReceipt(simpleSale());
    expect(doc).toEqual(await bench.kkt.getDocument(doc.number));
  });

  test('a TCP port nobody listens on is one ConfigError line', async () => {
    const config = loadConfig({ KKT_DRIVER_TYPE: 'shtrih', KKT_PORT: 'tcp://127.0.0.1:1' });
    const e = await openDriver(config, { now: Date.now, setTimeout, clearTimeout }).catch((x: unknown) => x);
    expect((e as { problems?: string[] }).problems).toEqual([
      expect.stringMatching(/^KKT_PORT \(--port\): cannot connect to "tcp:\/\/127\.0\.0\.1:1"/),
    ]);
  });
});

describe('openDriver refusals', () => {
  test('a port that cannot be opened is one ConfigError line naming KKT_PORT', async () => {
    const config = loadConfig({ KKT_DRIVER_TYPE: 'shtrih', KKT_PORT: '/dev/kkt-emu-no-such-port' });
    const e = await openDriver(config, { now: Date.now, setTimeout, clearTimeout }).catch((x: unknown) => x);
    expect((e as { problems?: string[] }).problems).toEqual([
      expect.stringMatching(/^KKT_PORT \(--port\): cannot open "\/dev\/kkt-emu-no-such-port"/),
    ]);
  });

  test('without socat, KKT_SERIAL_PAIR is one ConfigError line', async () => {
    const bench = emulator();
    cleanups.push(() => bench.close());
    const path = process.env.PATH;
    process.env.PATH = '';
    try {
      const config = loadConfig({ KKT_DRIVER_TYPE: 'shtrih', KKT_SERIAL_PAIR: 'true', KKT_DATA_DIR: `${bench.dir}/x` });
      const e = await openDriver(config, bench.clock).catch((x: unknown) => x);
      expect((e as { problems?: string[] }).problems).toEqual([
        expect.stringMatching(/^KKT_SERIAL_PAIR \(--serial-pair\): socat is not installed/),
      ]);
    } finally {
      process.env.PATH = path;
    }
  });
});

if (!HAS_SOCAT) test.skip(PTY_SKIP_MESSAGE, () => {});
