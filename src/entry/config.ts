import { type PrintDelay, parsePrintDelay } from '../device/print-delay.ts';
import { isKey, TAXATION_TYPES, type TaxationType } from '../fiscal/codes.ts';
import { isValidTimezone } from '../fiscal/local-time.ts';
import { DEFAULT_TEST_INN, innProblem, isValidRegNumber } from '../fiscal/registration.ts';

/**
 * Every setting of API.md, read from the environment and from `--kebab-case` flags (flags win),
 * validated in one pass: a bad config fails at start with one line per problem.
 */
export interface Config {
  mode: 'mock' | 'production';
  driverType: 'emulator' | 'shtrih' | 'atol';
  port: string;
  baudRate: number;
  httpHost: string;
  httpPort: number;
  dataDir: string;
  printDelay: PrintDelay;
  ofdApiUrl: string | undefined;
  ofdApiToken: string | undefined;
  ofdTimeout: number;
  ofdRetryAttempts: number;
  circuitBreakerThreshold: number;
  circuitBreakerTimeout: number;
  circuitBreakerRecoveryTimeout: number;
  hlcSyncInterval: number;
  syncBatchSize: number;
  bufferMaxSize: number;
  bufferAlertThreshold: number;
  bufferBlockThreshold: number;
  autoOpenShift: boolean;
  /** The emulated ФН's work in a thread of its own (KKT_FN_THREAD). */
  fnThread: boolean;
  apiToken: string | undefined;
  odooApiUrl: string | undefined;
  heartbeatInterval: number;
  ofdPort: number;
  odooPort: number;
  inn: string;
  companyName: string;
  address: string;
  regNumber: string | undefined;
  fnNumber: string | undefined;
  ofdName: string;
  ofdInn: string;
  taxationType: TaxationType;
  /** KKT_TAXATION_TYPES: the tax systems of the registration (1062); a receipt's must be one of them. */
  taxationTypes: TaxationType[];
  /** KKT_PLACE: place of settlement (1187). */
  place: string;
  /** KKT_CASH_CONTROL: refuse cash paid out beyond the drawer balance. */
  cashControl: boolean;
  timezone: string;
  fnValidityDays: number;
  fnCapacity: number;
  kktSerial: string;
  /** KKT_SERIAL_TRACE: log every serial frame in hex with its command name. */
  serialTrace: boolean;
  /** KKT_SERIAL_PAIR: with the shtrih driver, run the emulated device behind a pseudo-terminal pair. */
  serialPair: boolean;
  /** KKT_INSPECT: serve the live inspector (/inspect) and feed it from every actor. */
  inspect: boolean;
  /** KKT_INSPECT_STATELY: also attach @statelyai/inspect's WebSocket inspector. */
  inspectStately: boolean;
  /** KKT_ALLOWED_HOSTS: host names the adapter answers to besides IP literals, localhost and KKT_HTTP_HOST. */
  allowedHosts: string[];
  /** KKT_ALLOWED_ORIGINS: web origins whose pages may change state (docs/security.md). */
  allowedOrigins: string[];
  /** KKT_HTTP_REQUEST_TIMEOUT: seconds to receive a whole request (headers and body). */
  httpRequestTimeout: number;
  /** KKT_HTTP_HEADERS_TIMEOUT: seconds to receive a request's headers. */
  httpHeadersTimeout: number;
  /** KKT_HTTP_MAX_CONNECTIONS: open HTTP connections at once; more are closed at once. */
  httpMaxConnections: number;
  /** KKT_SYNC_WAIT: seconds POST /v1/kkt/buffer/sync waits for its pass before answering with progress. */
  syncWait: number;
  /** KKT_SYNCED_RETENTION_DAYS: days synced receipts stay in adapter.db; 0 keeps them. */
  syncedRetentionDays: number;
  /** KKT_ATOL_PORT: the ATOL Web Requests API of `up` (docs/atol.md); 0 = ephemeral. */
  atolPort: number;
  /** KKT_ATOL_USER / KKT_ATOL_PASSWORD: HTTP Basic on the ATOL API, and what the atol driver sends. */
  atolUser: string | undefined;
  atolPassword: string | undefined;
  /** KKT_ATOL_URL: the ATOL Web Requests server the atol driver drives. */
  atolUrl: string | undefined;
  /** KKT_ATOL_VAT20_2026: vat20/vat120 in a 2026 document: accept (with a warning), substitute (22 %), reject (144). */
  atolVat20: 'accept' | 'substitute' | 'reject';
  /** KKT_ATOL_DELETE_REQUESTS_AFTER: minutes finished ATOL requests are kept (the real `deleteRequestsAfter`). */
  atolDeleteRequestsAfter: number;
  /** KKT_ATOL_VALIDATE_ON_ADD: the real `validateRequestsOnAdd`: bad tasks get 420 at POST. */
  atolValidateOnAdd: boolean;
  /** KKT_CLOCK_START: mock mode: the fiscal clock starts at this instant (ISO 8601). */
  clockStart: number | undefined;
  /** KKT_CLOCK_MANUAL: mock mode: fiscal time moves only through the emulator API. */
  clockManual: boolean;
}

/** An INN of the given lengths with valid check digits (ФНС rules). */
function innOf(lengths: number[]): Parser<string> {
  return (raw) => {
    if (!lengths.includes(raw.length) || !/^\d+$/.test(raw))
      return ERR(`must be ${lengths.join(' or ')} digits, got "${raw}"`);
    const problem = innProblem(raw);
    return problem ? ERR(`${problem}, got "${raw}"`) : raw;
  };
}

class Invalid {
  constructor(readonly message: string) {}
}
type Parser<T> = (raw: string) => T | Invalid;
interface Setting<K extends keyof Config> {
  key: K;
  env: string;
  fallback: string | undefined;
  parse: Parser<Config[K]>;
}

const ERR = (message: string) => new Invalid(message);

function num(min: number, max = Number.POSITIVE_INFINITY, integer = false): Parser<number> {
  return (raw) => {
    const n = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(n)) return ERR(`must be a number, got "${raw}"`);
    if (integer && !Number.isInteger(n)) return ERR(`must be a whole number, got "${raw}"`);
    if (n < min || n > max) return ERR(`must be between ${min} and ${max}, got ${raw}`);
    return n;
  };
}
const int = (min: number, max?: number) => num(min, max, true);
const text: Parser<string> = (raw) => raw;
const optional: Parser<string | undefined> = (raw) => (raw === '' ? undefined : raw);
const bool: Parser<boolean> = (raw) => {
  const v = raw.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(v)) return true;
  if (['0', 'false', 'no', 'off'].includes(v)) return false;
  return ERR(`must be true or false, got "${raw}"`);
};
function oneOf<T extends string>(...values: T[]): Parser<T> {
  return (raw) =>
    (values as string[]).includes(raw) ? (raw as T) : ERR(`must be one of ${values.join(', ')}, got "${raw}"`);
}
const digitsOf =
  (n: number, prefix = ''): Parser<string | undefined> =>
  (raw) => {
    if (raw === '') return undefined;
    return new RegExp(`^${prefix}\\d{${n - prefix.length}}$`).test(raw)
      ? raw
      : ERR(`must be ${n} digits${prefix ? ` starting with ${prefix}` : ''}, got "${raw}"`);
  };
const url: Parser<string | undefined> = (raw) => {
  if (raw === '') return undefined;
  try {
    const u = new URL(raw);
    return u.protocol === 'http:' || u.protocol === 'https:'
      ? raw.replace(/\/+$/, '')
      : ERR(`must be an http(s) URL, got "${raw}"`);
  } catch {
    return ERR(`must be a URL, got "${raw}"`);
  }
};

/** A comma-separated list; `*` alone means "any". */
const list =
  (check: (item: string) => string | undefined): Parser<string[]> =>
  (raw) => {
    const items = raw
      .split(',')
      .map((i) => i.trim())
      .filter((i) => i !== '');
    for (const item of items) {
      if (item === '*') continue;
      const problem = check(item);
      if (problem) return ERR(`${problem}, got "${item}"`);
    }
    return items;
  };
const hostNames = list((h) =>
  /^[a-z0-9.-]+$|^\[?[0-9a-f:.]+\]?$/i.test(h) ? undefined : 'must list host names (no port)',
);
const origins = list((o) => {
  try {
    const u = new URL(o);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.origin === o.toLowerCase().replace(/\/$/, '')
      ? undefined
      : 'must list origins such as https://pos.example:8443 (scheme, host, port; no path)';
  } catch {
    return 'must list origins such as https://pos.example:8443';
  }
});

const SETTINGS: { [K in keyof Config]: Setting<K> }[keyof Config][] = [
  { key: 'mode', env: 'KKT_MODE', fallback: 'mock', parse: oneOf('mock', 'production') },
  { key: 'driverType', env: 'KKT_DRIVER_TYPE', fallback: 'emulator', parse: oneOf('emulator', 'shtrih', 'atol') },
  { key: 'port', env: 'KKT_PORT', fallback: '/dev/ttyUSB0', parse: text },
  { key: 'baudRate', env: 'KKT_BAUDRATE', fallback: '115200', parse: int(1200, 921600) },
  { key: 'httpHost', env: 'KKT_HTTP_HOST', fallback: '127.0.0.1', parse: text },
  { key: 'httpPort', env: 'KKT_HTTP_PORT', fallback: '8000', parse: int(0, 65535) },
  { key: 'dataDir', env: 'KKT_DATA_DIR', fallback: './data', parse: text },
  {
    key: 'printDelay',
    env: 'KKT_PRINT_DELAY_MS',
    fallback: '200-500',
    parse: (raw) => parsePrintDelay(raw) ?? ERR(`must be 0, N or A-B (milliseconds, A ≤ B), got "${raw}"`),
  },
  { key: 'ofdApiUrl', env: 'KKT_OFD_API_URL', fallback: undefined, parse: url },
  { key: 'ofdApiToken', env: 'KKT_OFD_API_TOKEN', fallback: undefined, parse: optional },
  { key: 'ofdTimeout', env: 'KKT_OFD_TIMEOUT', fallback: '10', parse: num(0.001, 600) },
  { key: 'ofdRetryAttempts', env: 'KKT_OFD_RETRY_ATTEMPTS', fallback: '3', parse: int(1, 100) },
  { key: 'circuitBreakerThreshold', env: 'KKT_CIRCUIT_BREAKER_THRESHOLD', fallback: '5', parse: int(1, 1000) },
  { key: 'circuitBreakerTimeout', env: 'KKT_CIRCUIT_BREAKER_TIMEOUT', fallback: '60', parse: num(0.001, 86400) },
  {
    key: 'circuitBreakerRecoveryTimeout',
    env: 'KKT_CIRCUIT_BREAKER_RECOVERY_TIMEOUT',
    fallback: '300',
    parse: num(0.001, 86400),
  },
  { key: 'hlcSyncInterval', env: 'KKT_HLC_SYNC_INTERVAL', fallback: '30', parse: num(0.001, 86400) },
  { key: 'syncBatchSize', env: 'KKT_SYNC_BATCH_SIZE', fallback: '50', parse: int(1, 10000) },
  { key: 'bufferMaxSize', env: 'KKT_BUFFER_MAX_SIZE', fallback: '10000', parse: int(1, 100_000_000) },
  { key: 'bufferAlertThreshold', env: 'KKT_BUFFER_ALERT_THRESHOLD', fallback: '0.8', parse: num(0, 1) },
  { key: 'bufferBlockThreshold', env: 'KKT_BUFFER_BLOCK_THRESHOLD', fallback: '1.0', parse: num(0, 1) },
  { key: 'autoOpenShift', env: 'KKT_AUTO_OPEN_SHIFT', fallback: 'true', parse: bool },
  { key: 'fnThread', env: 'KKT_FN_THREAD', fallback: 'false', parse: bool },
  { key: 'apiToken', env: 'KKT_API_TOKEN', fallback: undefined, parse: optional },
  { key: 'odooApiUrl', env: 'KKT_ODOO_API_URL', fallback: undefined, parse: url },
  { key: 'heartbeatInterval', env: 'KKT_HEARTBEAT_INTERVAL', fallback: '30', parse: num(0.001, 86400) },
  { key: 'ofdPort', env: 'KKT_OFD_PORT', fallback: '9000', parse: int(0, 65535) },
  { key: 'odooPort', env: 'KKT_ODOO_PORT', fallback: '8069', parse: int(0, 65535) },
  // A fictional INN: valid check digits, and tax office 00 of region 77 does not exist.
  { key: 'inn', env: 'KKT_INN', fallback: DEFAULT_TEST_INN, parse: innOf([10, 12]) },
  { key: 'companyName', env: 'KKT_COMPANY_NAME', fallback: 'ООО "Тестовая организация"', parse: text },
  { key: 'address', env: 'KKT_ADDRESS', fallback: '101000, г. Москва, ул. Тестовая, д. 1', parse: text },
  { key: 'regNumber', env: 'KKT_REG_NUMBER', fallback: undefined, parse: digitsOf(16) },
  { key: 'fnNumber', env: 'KKT_FN_NUMBER', fallback: undefined, parse: digitsOf(16, '9999') },
  { key: 'ofdName', env: 'KKT_OFD_NAME', fallback: 'Тестовый ОФД', parse: text },
  { key: 'ofdInn', env: 'KKT_OFD_INN', fallback: '7700000016', parse: innOf([10]) },
  {
    key: 'taxationType',
    env: 'KKT_TAXATION_TYPE',
    fallback: 'osn',
    parse: (raw) =>
      isKey(TAXATION_TYPES, raw) ? raw : ERR(`must be one of ${Object.keys(TAXATION_TYPES).join(', ')}, got "${raw}"`),
  },
  {
    key: 'taxationTypes',
    env: 'KKT_TAXATION_TYPES',
    fallback: Object.keys(TAXATION_TYPES).join(','),
    parse: (raw) => {
      const list = raw.split(',').map((s) => s.trim());
      const bad = list.filter((s) => !isKey(TAXATION_TYPES, s));
      if (bad.length > 0 || list.length === 0)
        return ERR(`must be a comma-separated list of ${Object.keys(TAXATION_TYPES).join(', ')}, got "${raw}"`);
      return [...new Set(list)] as TaxationType[];
    },
  },
  { key: 'place', env: 'KKT_PLACE', fallback: 'Торговый зал № 1', parse: text },
  { key: 'cashControl', env: 'KKT_CASH_CONTROL', fallback: 'true', parse: bool },
  {
    key: 'timezone',
    env: 'KKT_TIMEZONE',
    fallback: 'Europe/Moscow',
    parse: (raw) => (isValidTimezone(raw) ? raw : ERR(`must be an IANA time zone such as Europe/Moscow, got "${raw}"`)),
  },
  { key: 'fnValidityDays', env: 'KKT_FN_VALIDITY_DAYS', fallback: '470', parse: num(0.0001, 100_000) },
  { key: 'fnCapacity', env: 'KKT_FN_CAPACITY', fallback: '250000', parse: int(3, 100_000_000) },
  { key: 'kktSerial', env: 'KKT_SERIAL', fallback: '00000000000001', parse: digitsOf(14) as Parser<string> },
  { key: 'serialTrace', env: 'KKT_SERIAL_TRACE', fallback: 'false', parse: bool },
  { key: 'serialPair', env: 'KKT_SERIAL_PAIR', fallback: 'false', parse: bool },
  { key: 'inspect', env: 'KKT_INSPECT', fallback: 'true', parse: bool },
  { key: 'inspectStately', env: 'KKT_INSPECT_STATELY', fallback: 'false', parse: bool },
  { key: 'allowedHosts', env: 'KKT_ALLOWED_HOSTS', fallback: '', parse: hostNames },
  { key: 'allowedOrigins', env: 'KKT_ALLOWED_ORIGINS', fallback: '', parse: origins },
  { key: 'httpRequestTimeout', env: 'KKT_HTTP_REQUEST_TIMEOUT', fallback: '30', parse: num(0.1, 3600) },
  { key: 'httpHeadersTimeout', env: 'KKT_HTTP_HEADERS_TIMEOUT', fallback: '10', parse: num(0.1, 3600) },
  { key: 'httpMaxConnections', env: 'KKT_HTTP_MAX_CONNECTIONS', fallback: '256', parse: int(1, 100_000) },
  { key: 'syncWait', env: 'KKT_SYNC_WAIT', fallback: '5', parse: num(0.01, 600) },
  { key: 'syncedRetentionDays', env: 'KKT_SYNCED_RETENTION_DAYS', fallback: '30', parse: num(0, 36500) },
  { key: 'atolPort', env: 'KKT_ATOL_PORT', fallback: '16732', parse: int(0, 65535) },
  { key: 'atolUser', env: 'KKT_ATOL_USER', fallback: undefined, parse: optional },
  { key: 'atolPassword', env: 'KKT_ATOL_PASSWORD', fallback: undefined, parse: optional },
  { key: 'atolUrl', env: 'KKT_ATOL_URL', fallback: undefined, parse: url },
  { key: 'atolVat20', env: 'KKT_ATOL_VAT20_2026', fallback: 'accept', parse: oneOf('accept', 'substitute', 'reject') },
  {
    key: 'atolDeleteRequestsAfter',
    env: 'KKT_ATOL_DELETE_REQUESTS_AFTER',
    fallback: '43200',
    parse: int(0, 4294967295),
  },
  { key: 'atolValidateOnAdd', env: 'KKT_ATOL_VALIDATE_ON_ADD', fallback: 'false', parse: bool },
  {
    key: 'clockStart',
    env: 'KKT_CLOCK_START',
    fallback: undefined,
    parse: (raw) => {
      if (raw === '') return undefined;
      const t = Date.parse(raw);
      return /^\d{4}-\d{2}-\d{2}T/.test(raw) && Number.isFinite(t)
        ? t
        : ERR(`must be an ISO 8601 instant such as 2026-11-25T11:00:00+03:00, got "${raw}"`);
    },
  },
  { key: 'clockManual', env: 'KKT_CLOCK_MANUAL', fallback: 'false', parse: bool },
];

/** Short spellings people type (`kkt-emu up --driver shtrih`). */
const FLAG_ALIASES: Record<string, string> = { '--driver': 'KKT_DRIVER_TYPE' };
const BOOLEAN_ENVS = new Set(SETTINGS.filter((s) => s.parse === bool).map((s) => s.env));

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly code = 'CONFIG_INVALID';
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
  }
}

/**
 * A failed `listen` as the one config line to fix: a port in use names its port setting, an
 * address that cannot be bound names KKT_HTTP_HOST (every server of kkt-emu listens there).
 * Anything else is returned as it was.
 */
export function listenFailure(e: unknown, portSetting: string, port: number, host: string): unknown {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'EADDRINUSE') return new ConfigError([`${portSetting}: port ${port} is already in use`]);
  if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND')
    return new ConfigError([`KKT_HTTP_HOST (--http-host): cannot listen on "${host}"`]);
  return e;
}

export const flagName = (env: string) => `--${env.replace(/^KKT_/, '').toLowerCase().replace(/_/g, '-')}`;

/** `--http-port 8001` and `--http-port=8001` both work; unknown flags are problems too. */
export function parseFlags(argv: readonly string[]): { values: Record<string, string>; problems: string[] } {
  const byFlag = new Map([...SETTINGS.map((s) => [flagName(s.env), s.env] as const), ...Object.entries(FLAG_ALIASES)]);
  const values: Record<string, string> = {};
  const problems: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const eq = arg.indexOf('=');
    const flag = eq === -1 ? arg : arg.slice(0, eq);
    const env = byFlag.get(flag);
    if (!env) {
      problems.push(`${arg}: unknown option`);
      continue;
    }
    const next = argv[i + 1];
    // `--http-port --mode mock` is a missing value, not a port named "--mode".
    const hasNext = next !== undefined && !next.startsWith('--');
    // A bare boolean flag (`--serial-pair`) means true; `--serial-pair false` still works.
    const bareBoolean =
      eq === -1 && BOOLEAN_ENVS.has(env) && (!hasNext || !/^(1|0|true|false|yes|no|on|off)$/i.test(next));
    const value = eq !== -1 ? arg.slice(eq + 1) : bareBoolean ? 'true' : hasNext ? next : undefined;
    if (eq === -1 && value !== undefined && !bareBoolean) i++;
    if (value === undefined) problems.push(`${flag}: needs a value`);
    else values[env] = value;
  }
  return { values, problems };
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, flags: Record<string, string> = {}): Config {
  const problems: string[] = [];
  const config: Partial<Record<keyof Config, unknown>> = {};
  for (const s of SETTINGS) {
    const raw = flags[s.env] ?? env[s.env] ?? s.fallback;
    if (raw === undefined) {
      config[s.key] = undefined;
      continue;
    }
    const value = (s.parse as Parser<unknown>)(raw);
    if (value instanceof Invalid) problems.push(`${s.env} (${flagName(s.env)}): ${value.message}`);
    else config[s.key] = value;
  }
  const c = config as Config;
  if (problems.length === 0 && c.bufferAlertThreshold > c.bufferBlockThreshold)
    problems.push(
      `KKT_BUFFER_ALERT_THRESHOLD (--buffer-alert-threshold): must not be above KKT_BUFFER_BLOCK_THRESHOLD (--buffer-block-threshold), got ${c.bufferAlertThreshold} > ${c.bufferBlockThreshold}`,
    );
  if (problems.length === 0 && !c.taxationTypes.includes(c.taxationType))
    problems.push(
      `KKT_TAXATION_TYPE (--taxation-type): must be one of KKT_TAXATION_TYPES (${c.taxationTypes.join(', ')}), got "${c.taxationType}"`,
    );
  if (problems.length === 0 && c.regNumber !== undefined && !isValidRegNumber(c.regNumber, c.inn, c.kktSerial))
    problems.push(
      `KKT_REG_NUMBER (--reg-number): "${c.regNumber}" fails its check digits for KKT_INN ${c.inn} and KKT_SERIAL ${c.kktSerial} (the last 6 digits are the CRC16-CCITT of the registration; leave it unset to generate a valid one)`,
    );
  if (problems.length === 0 && c.httpHeadersTimeout > c.httpRequestTimeout)
    problems.push(
      `KKT_HTTP_HEADERS_TIMEOUT (--http-headers-timeout): must not be above KKT_HTTP_REQUEST_TIMEOUT (--http-request-timeout), got ${c.httpHeadersTimeout} > ${c.httpRequestTimeout}`,
    );
  if (problems.length === 0 && c.driverType === 'atol' && c.atolUrl === undefined)
    problems.push(
      'KKT_ATOL_URL (--atol-url): the atol driver needs the ATOL Web Requests server, e.g. http://127.0.0.1:16732',
    );
  if (problems.length === 0 && (c.atolUser === undefined) !== (c.atolPassword === undefined))
    problems.push('KKT_ATOL_USER (--atol-user) and KKT_ATOL_PASSWORD (--atol-password): set both or neither');
  if (problems.length > 0) throw new ConfigError(problems);
  return c;
}

export const SETTING_ENVS = SETTINGS.map((s) => s.env);
