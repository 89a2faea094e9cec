import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { ConfigError, flagName, loadConfig, parseFlags, SETTING_ENVS } from '../../src/entry/config.ts';
import { startAdapter } from '../../src/entry/start-adapter.ts';
import { VirtualClock } from '../../src/io/clock.ts';

/** The configuration table of API.md (the contract), setting by setting. */
const API_MD_SETTINGS = [
  'KKT_MODE',
  'KKT_DRIVER_TYPE',
  'KKT_PORT',
  'KKT_BAUDRATE',
  'KKT_HTTP_HOST',
  'KKT_HTTP_PORT',
  'KKT_DATA_DIR',
  'KKT_PRINT_DELAY_MS',
  'KKT_OFD_API_URL',
  'KKT_OFD_API_TOKEN',
  'KKT_OFD_TIMEOUT',
  'KKT_OFD_RETRY_ATTEMPTS',
  'KKT_CIRCUIT_BREAKER_THRESHOLD',
  'KKT_CIRCUIT_BREAKER_TIMEOUT',
  'KKT_CIRCUIT_BREAKER_RECOVERY_TIMEOUT',
  'KKT_HLC_SYNC_INTERVAL',
  'KKT_SYNC_BATCH_SIZE',
  'KKT_BUFFER_MAX_SIZE',
  'KKT_BUFFER_ALERT_THRESHOLD',
  'KKT_BUFFER_BLOCK_THRESHOLD',
  'KKT_AUTO_OPEN_SHIFT',
  'KKT_API_TOKEN',
  'KKT_ODOO_API_URL',
  'KKT_HEARTBEAT_INTERVAL',
  'KKT_OFD_PORT',
  'KKT_ODOO_PORT',
  'KKT_INN',
  'KKT_COMPANY_NAME',
  'KKT_ADDRESS',
  'KKT_REG_NUMBER',
  'KKT_FN_NUMBER',
  'KKT_OFD_NAME',
  'KKT_OFD_INN',
  'KKT_TAXATION_TYPE',
  'KKT_TIMEZONE',
  'KKT_FN_VALIDITY_DAYS',
  'KKT_FN_CAPACITY',
  'KKT_ATOL_PORT',
  'KKT_ATOL_USER',
  'KKT_ATOL_PASSWORD',
  'KKT_ATOL_URL',
];

function configError(env: Record<string, string>, flags: Record<string, string> = {}): ConfigError {
  try {
    loadConfig(env, flags);
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify({ env, flags })}`);
}

describe('loadConfig defaults', () => {
  test('an empty environment gives the defaults of API.md', () => {
    const c = loadConfig({}, {});
    expect(c).toMatchObject({
      mode: 'mock',
      driverType: 'emulator',
      port: '/dev/ttyUSB0',
      baudRate: 115200,
      httpHost: '127.0.0.1',
      httpPort: 8000,
      dataDir: './data',
      printDelay: { min: 200, max: 500 },
      ofdTimeout: 10,
      ofdRetryAttempts: 3,
      circuitBreakerThreshold: 5,
      circuitBreakerTimeout: 60,
      circuitBreakerRecoveryTimeout: 300,
      hlcSyncInterval: 30,
      syncBatchSize: 50,
      bufferMaxSize: 10000,
      bufferAlertThreshold: 0.8,
      bufferBlockThreshold: 1.0,
      autoOpenShift: true,
      heartbeatInterval: 30,
      ofdPort: 9000,
      odooPort: 8069,
      inn: '7700000009',
      taxationType: 'osn',
      timezone: 'Europe/Moscow',
      fnValidityDays: 470,
      fnCapacity: 250000,
    });
    for (const key of ['ofdApiUrl', 'ofdApiToken', 'apiToken', 'odooApiUrl', 'regNumber', 'fnNumber'] as const)
      expect(c[key], key).toBeUndefined();
    expect(c.companyName.length).toBeGreaterThan(0);
    expect(c.address.length).toBeGreaterThan(0);
    expect(c.ofdName.length).toBeGreaterThan(0);
    expect(c.ofdInn).toMatch(/^\d{10}$/);
  });

  test('every setting of the API.md table is known, and each has its kebab-case flag', () => {
    for (const env of API_MD_SETTINGS) expect(SETTING_ENVS, env).toContain(env);
    expect(flagName('KKT_HTTP_PORT')).toBe('--http-port');
    expect(flagName('KKT_CIRCUIT_BREAKER_RECOVERY_TIMEOUT')).toBe('--circuit-breaker-recovery-timeout');
    for (const env of SETTING_ENVS) {
      const { values, problems } = parseFlags([`${flagName(env)}=x`]);
      expect(problems, env).toEqual([]);
      expect(values).toEqual({ [env]: 'x' });
    }
  });

  test('values are parsed: decimals, ranges, booleans, URLs', () => {
    const c = loadConfig({
      KKT_OFD_TIMEOUT: '0.2',
      KKT_HLC_SYNC_INTERVAL: '0.5',
      KKT_PRINT_DELAY_MS: '0',
      KKT_AUTO_OPEN_SHIFT: 'false',
      KKT_OFD_API_URL: 'http://127.0.0.1:9000/',
      KKT_MODE: 'production',
      KKT_FN_NUMBER: '9999078900000001',
      KKT_REG_NUMBER: '0000000001008392',
      KKT_TAXATION_TYPE: 'usn_income',
      KKT_TIMEZONE: 'Asia/Yekaterinburg',
      KKT_API_TOKEN: 'secret',
    });
    expect(c).toMatchObject({
      ofdTimeout: 0.2,
      hlcSyncInterval: 0.5,
      printDelay: { min: 0, max: 0 },
      autoOpenShift: false,
      ofdApiUrl: 'http://127.0.0.1:9000',
      mode: 'production',
      fnNumber: '9999078900000001',
      regNumber: '0000000001008392',
      taxationType: 'usn_income',
      timezone: 'Asia/Yekaterinburg',
      apiToken: 'secret',
    });
    expect(loadConfig({ KKT_PRINT_DELAY_MS: '250' }).printDelay).toEqual({ min: 250, max: 250 });
    expect(loadConfig({ KKT_PRINT_DELAY_MS: '100-200' }).printDelay).toEqual({ min: 100, max: 200 });
    for (const v of ['1', 'true', 'yes', 'on', 'TRUE'])
      expect(loadConfig({ KKT_AUTO_OPEN_SHIFT: v }).autoOpenShift).toBe(true);
    for (const v of ['0', 'false', 'no', 'off'])
      expect(loadConfig({ KKT_AUTO_OPEN_SHIFT: v }).autoOpenShift).toBe(false);
    // An empty optional setting is unset.
    expect(loadConfig({ KKT_API_TOKEN: '', KKT_FN_NUMBER: '' })).toMatchObject({
      apiToken: undefined,
      fnNumber: undefined,
    });
  });
});

describe('invalid configuration', () => {
  test.each([
    ['KKT_HTTP_PORT', 'abc'],
    ['KKT_HTTP_PORT', '70000'],
    ['KKT_HTTP_PORT', '80.5'],
    ['KKT_HTTP_PORT', '-1'],
    ['KKT_PRINT_DELAY_MS', '5-1'],
    ['KKT_PRINT_DELAY_MS', 'fast'],
    ['KKT_PRINT_DELAY_MS', '-5'],
    ['KKT_TIMEZONE', 'Mars/Base'],
    ['KKT_FN_NUMBER', '1234'],
    ['KKT_FN_NUMBER', '1234567890123456'],
    ['KKT_REG_NUMBER', '12'],
    ['KKT_MODE', 'test'],
    ['KKT_DRIVER_TYPE', 'serial'],
    ['KKT_ATOL_VAT20_2026', 'maybe'],
    ['KKT_CLOCK_START', 'yesterday'],
    ['KKT_BAUDRATE', '12'],
    ['KKT_OFD_API_URL', 'ftp://example.org'],
    ['KKT_OFD_API_URL', 'not a url'],
    ['KKT_ODOO_API_URL', 'localhost:8069'],
    ['KKT_OFD_TIMEOUT', '0'],
    ['KKT_OFD_TIMEOUT', 'ten'],
    ['KKT_OFD_RETRY_ATTEMPTS', '1.5'],
    ['KKT_CIRCUIT_BREAKER_THRESHOLD', '0'],
    ['KKT_HLC_SYNC_INTERVAL', '-3'],
    ['KKT_SYNC_BATCH_SIZE', '0'],
    ['KKT_BUFFER_MAX_SIZE', '0'],
    ['KKT_BUFFER_ALERT_THRESHOLD', '1.5'],
    ['KKT_BUFFER_BLOCK_THRESHOLD', '2'],
    ['KKT_AUTO_OPEN_SHIFT', 'maybe'],
    ['KKT_HEARTBEAT_INTERVAL', 'Infinity'],
    ['KKT_OFD_PORT', '65536'],
    ['KKT_INN', '123'],
    ['KKT_OFD_INN', '1'],
    ['KKT_TAXATION_TYPE', 'vat'],
    ['KKT_FN_VALIDITY_DAYS', '0'],
    ['KKT_FN_CAPACITY', '2'],
  ])('%s=%s: one line naming the env and the flag', (env, value) => {
    const e = configError({ [env]: value });
    expect(e.code).toBe('CONFIG_INVALID');
    expect(e.problems).toHaveLength(1);
    const line = e.problems[0] as string;
    expect(line).not.toContain('\n');
    expect(line.startsWith(`${env} (${flagName(env)}): `)).toBe(true);
    expect(line).toContain(value);
    expect(e.message).toBe(line);
  });

  test('the atol driver needs KKT_ATOL_URL; Basic auth needs both user and password', () => {
    expect(configError({ KKT_DRIVER_TYPE: 'atol' }).problems).toEqual([
      'KKT_ATOL_URL (--atol-url): the atol driver needs the ATOL Web Requests server, e.g. http://127.0.0.1:16732',
    ]);
    expect(configError({ KKT_ATOL_USER: 'u' }).problems[0]).toMatch(/^KKT_ATOL_USER \(--atol-user\)/);
    const c = loadConfig({
      KKT_DRIVER_TYPE: 'atol',
      KKT_ATOL_URL: 'http://127.0.0.1:16732/',
      KKT_CLOCK_START: '2026-11-25T11:00:00+03:00',
    });
    expect(c).toMatchObject({
      driverType: 'atol',
      atolUrl: 'http://127.0.0.1:16732',
      atolPort: 16732,
      atolVat20: 'accept',
    });
    expect(c.clockStart).toBe(Date.UTC(2026, 10, 25, 8, 0));
    expect(c.atolDeleteRequestsAfter).toBe(43200);
  });

  test('several problems are reported together, one line each', () => {
    const e = configError({
      KKT_HTTP_PORT: 'abc',
      KKT_PRINT_DELAY_MS: '5-1',
      KKT_TIMEZONE: 'Mars/Base',
      KKT_FN_NUMBER: '1234',
    });
    expect(e).toBeInstanceOf(ConfigError);
    expect(e.problems).toHaveLength(4);
    for (const env of ['KKT_HTTP_PORT', 'KKT_PRINT_DELAY_MS', 'KKT_TIMEZONE', 'KKT_FN_NUMBER'])
      expect(e.problems.filter((p) => p.startsWith(`${env} (`))).toHaveLength(1);
    expect(e.message.split('\n')).toEqual(e.problems);
  });

  test('an alert threshold above the block threshold is refused naming both settings', () => {
    const e = configError({ KKT_BUFFER_ALERT_THRESHOLD: '0.9', KKT_BUFFER_BLOCK_THRESHOLD: '0.5' });
    expect(e.problems).toHaveLength(1);
    expect(e.problems[0]).toMatch(/^KKT_BUFFER_ALERT_THRESHOLD \(--buffer-alert-threshold\): /);
    expect(e.problems[0]).toContain('KKT_BUFFER_BLOCK_THRESHOLD');
    expect(loadConfig({ KKT_BUFFER_ALERT_THRESHOLD: '0.5', KKT_BUFFER_BLOCK_THRESHOLD: '0.5' })).toBeDefined();
  });
});

describe('parseFlags and precedence', () => {
  test('--http-port 8001 and --http-port=8001', () => {
    expect(parseFlags(['--http-port', '8001'])).toEqual({ values: { KKT_HTTP_PORT: '8001' }, problems: [] });
    expect(parseFlags(['--http-port=8001'])).toEqual({ values: { KKT_HTTP_PORT: '8001' }, problems: [] });
    expect(parseFlags(['--print-delay-ms=0-10', '--mode', 'production', '--data-dir=/tmp/a=b'])).toEqual({
      values: { KKT_PRINT_DELAY_MS: '0-10', KKT_MODE: 'production', KKT_DATA_DIR: '/tmp/a=b' },
      problems: [],
    });
    expect(parseFlags([])).toEqual({ values: {}, problems: [] });
  });

  test('unknown flags and a missing value are problems', () => {
    const unknown = parseFlags(['--bogus', '--http-port=8001', '--nope=1']);
    expect(unknown.values).toEqual({ KKT_HTTP_PORT: '8001' });
    expect(unknown.problems).toHaveLength(2);
    expect(unknown.problems[0]).toContain('--bogus');
    expect(unknown.problems[1]).toContain('--nope');
    const missing = parseFlags(['--http-port']);
    expect(missing.values).toEqual({});
    expect(missing.problems).toEqual([expect.stringContaining('--http-port')]);
  });

  test('flags win over the environment', () => {
    expect(loadConfig({ KKT_HTTP_PORT: '8000' }, { KKT_HTTP_PORT: '8001' }).httpPort).toBe(8001);
    // A bad env value a flag overrides does not matter; a bad flag does.
    expect(loadConfig({ KKT_HTTP_PORT: 'abc' }, { KKT_HTTP_PORT: '8001' }).httpPort).toBe(8001);
    const e = configError({ KKT_HTTP_PORT: '8000' }, { KKT_HTTP_PORT: 'abc' });
    expect(e.problems).toEqual([expect.stringMatching(/^KKT_HTTP_PORT \(--http-port\): .*abc/)]);
    const { values } = parseFlags(['--mode', 'production']);
    expect(loadConfig({ KKT_MODE: 'mock' }, values).mode).toBe('production');
  });
});

describe('startAdapter refuses what it cannot serve', () => {
  const dirs: string[] = [];
  const servers: Server[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  const freshDir = () => {
    const d = mkdtempSync(join(tmpdir(), 'kkt-config-'));
    dirs.push(d);
    return d;
  };

  test('a port already in use: ConfigError naming KKT_HTTP_PORT; the data dir is usable again', async () => {
    const server = createServer();
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    const dir = freshDir();
    const clock = new VirtualClock({ manual: true });
    const config = loadConfig({ KKT_DATA_DIR: dir, KKT_HTTP_PORT: String(port), KKT_PRINT_DELAY_MS: '0' });
    const error = await startAdapter(config, { clock }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConfigError);
    const ce = error as ConfigError;
    expect(ce.problems).toHaveLength(1);
    expect(ce.message).toContain('KKT_HTTP_PORT');
    expect(ce.message).toContain('--http-port');
    expect(ce.message).toContain(String(port));

    // Everything was closed: the same data dir starts cleanly on a free port.
    const ok = await startAdapter({ ...config, httpPort: 0 }, { clock });
    try {
      const res = await fetch(`${ok.url}/v1/kkt/status`);
      expect(res.status).toBe(200);
    } finally {
      await ok.close();
      clock.dispose();
    }
  });

  test('an address the host does not have: ConfigError naming KKT_HTTP_HOST', async () => {
    const config = loadConfig({ KKT_DATA_DIR: freshDir(), KKT_HTTP_HOST: '203.0.113.7', KKT_HTTP_PORT: '0' });
    const clock = new VirtualClock({ manual: true });
    await expect(startAdapter(config, { clock })).rejects.toThrow(/KKT_HTTP_HOST \(--http-host\)/);
  });

  test('KKT_DRIVER_TYPE=shtrih on a missing port: ConfigError naming KKT_PORT', async () => {
    const config = loadConfig({
      KKT_DATA_DIR: freshDir(),
      KKT_DRIVER_TYPE: 'shtrih',
      KKT_PORT: '/dev/kkt-emu-missing',
      KKT_HTTP_PORT: '0',
    });
    await expect(startAdapter(config)).rejects.toBeInstanceOf(ConfigError);
    await expect(startAdapter(config)).rejects.toThrow(/KKT_PORT \(--port\): cannot open "\/dev\/kkt-emu-missing"/);
  });
});
