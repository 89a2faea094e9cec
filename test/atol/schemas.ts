import { Ajv, type ValidateFunction } from 'ajv';

/**
 * JSON schemas of the ATOL Web Requests answers, written for these tests from ATOL's published
 * OpenAPI description "АТОЛ. Web Requests" 1.0.4.0 (SwaggerHub atol-dev/fptr-web-requests,
 * public copy: github.com/galeksandrp/fptr-web-server, atol-dev-fptr-web-requests-1.0.4.0-swagger.yaml;
 * schemas RequestAddResult, RequestResult/TaskResult, RequestsQueueStatus, ServerInfo, ErrorResult,
 * ReceiptResult, …) and, for the JSON-task results the spec leaves open, the driver's result
 * types (KKTServiceLib, node-atol-rpc). Nothing here is fetched or copied: see docs/atol.md.
 */

const int = { type: 'integer' } as const;
const str = { type: 'string' } as const;
const bool = { type: 'boolean' } as const;
const num = { type: 'number' } as const;
const isoDateTime = {
  type: 'string',
  pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}[+-]\\d{2}:\\d{2}$',
} as const;

const error = {
  type: 'object',
  required: ['code', 'description'],
  additionalProperties: false,
  properties: { code: int, description: str },
} as const;

const errorResult = {
  type: 'object',
  required: ['error'],
  additionalProperties: false,
  properties: { error },
} as const;

const fiscalParams = {
  type: 'object',
  required: [
    'fiscalDocumentDateTime',
    'fiscalDocumentNumber',
    'fiscalDocumentSign',
    'fnNumber',
    'registrationNumber',
    'shiftNumber',
    'fnsUrl',
  ],
  properties: {
    fiscalDocumentDateTime: isoDateTime,
    fiscalDocumentNumber: { type: 'integer', minimum: 1 },
    fiscalDocumentSign: { type: 'string', pattern: '^\\d{10}$' },
    fnNumber: { type: 'string', pattern: '^\\d{16}$' },
    registrationNumber: { type: 'string', pattern: '^\\d{16}$' },
    shiftNumber: int,
    fnsUrl: str,
    fiscalReceiptNumber: int,
    total: num,
    receiptsCount: int,
  },
} as const;

const fiscalResult = {
  type: 'object',
  required: ['fiscalParams', 'warnings'],
  properties: {
    fiscalParams,
    warnings: {
      type: 'object',
      required: ['notPrinted'],
      properties: { notPrinted: bool, recovered: bool, nonFiscal: bool, messages: { type: 'array', items: str } },
    },
  },
} as const;

const receiptResult = {
  ...fiscalResult,
  properties: {
    ...fiscalResult.properties,
    fiscalParams: { ...fiscalParams, required: [...fiscalParams.required, 'fiscalReceiptNumber', 'total'] },
  },
} as const;

const deviceStatus = {
  type: 'object',
  required: ['deviceStatus'],
  properties: {
    deviceStatus: {
      type: 'object',
      required: [
        'currentDateTime',
        'shift',
        'blocked',
        'coverOpened',
        'paperPresent',
        'fiscal',
        'fnFiscal',
        'fnPresent',
        'cashDrawerOpened',
      ],
      properties: {
        currentDateTime: isoDateTime,
        shift: { enum: ['closed', 'opened', 'expired'] },
        blocked: bool,
        coverOpened: bool,
        paperPresent: bool,
        fiscal: bool,
        fnFiscal: bool,
        fnPresent: bool,
        cashDrawerOpened: bool,
      },
    },
  },
} as const;

const fnWarnings = {
  type: 'object',
  required: ['memoryOverflow', 'needReplacement', 'ofdTimeout', 'resourceExhausted', 'criticalError'],
  properties: {
    memoryOverflow: bool,
    needReplacement: bool,
    ofdTimeout: bool,
    resourceExhausted: bool,
    criticalError: bool,
  },
} as const;

const exchangeStatus = {
  type: 'object',
  required: ['notSentCount', 'notSentFirstDocNumber', 'notSentFirstDocDateTime'],
  properties: { notSentCount: int, notSentFirstDocNumber: int, notSentFirstDocDateTime: str },
} as const;

const exchangeErrors = {
  type: 'object',
  properties: { fnCommandCode: int, documentNumber: int, fn: error, network: error, ofd: error },
} as const;

const paymentsTotals = {
  type: 'object',
  required: ['cash', 'electronically', 'credit', 'prepaid', 'other'],
  properties: { cash: num, electronically: num, credit: num, prepaid: num, other: num, userTypes: { type: 'array' } },
} as const;
const receiptTotals = {
  type: 'object',
  required: ['count', 'payments'],
  properties: { count: int, sum: num, payments: paymentsTotals },
} as const;
const sumCount = { type: 'object', required: ['sum', 'count'], properties: { sum: num, count: int } } as const;
const shiftTotals = {
  type: 'object',
  required: ['shiftTotals'],
  properties: {
    shiftTotals: {
      type: 'object',
      required: ['cashDrawerTotals', 'incomeTotals', 'outcomeTotals', 'receiptsTotals'],
      properties: {
        cashDrawerTotals: { type: 'object', required: ['sum'], properties: { sum: num } },
        incomeTotals: sumCount,
        outcomeTotals: sumCount,
        receiptsTotals: {
          type: 'object',
          required: ['sell', 'buy', 'sellReturn', 'buyReturn'],
          properties: { sell: receiptTotals, buy: receiptTotals, sellReturn: receiptTotals, buyReturn: receiptTotals },
        },
      },
    },
  },
} as const;

/** Spec `CashMovementResult` / `CashMovementCounters`: the drawer after the operation. */
const cashMovementResult = {
  type: 'object',
  required: ['counters'],
  additionalProperties: false,
  properties: {
    counters: { type: 'object', required: ['cashSum'], additionalProperties: false, properties: { cashSum: num } },
  },
} as const;

/** Spec `ReportOfdExchangeStatusResult`: fiscalParams, errors (`OfdExchangeErrors`), status, warnings. */
const reportOfdExchangeStatusResult = {
  type: 'object',
  required: ['fiscalParams', 'errors', 'status', 'warnings'],
  additionalProperties: false,
  properties: {
    fiscalParams,
    errors: exchangeErrors,
    status: exchangeStatus,
    warnings: fiscalResult.properties.warnings,
  },
} as const;

/** The `result` of each JSON task type (null for the ones that print only). */
const TASK_RESULTS: Record<string, object> = {
  sell: receiptResult,
  sellReturn: receiptResult,
  buy: receiptResult,
  buyReturn: receiptResult,
  // Spec `ReceiptResult`: "Результат формирования фискального чека или чека коррекции".
  sellCorrection: receiptResult,
  sellReturnCorrection: receiptResult,
  buyCorrection: receiptResult,
  buyReturnCorrection: receiptResult,
  cashIn: cashMovementResult,
  cashOut: cashMovementResult,
  reportOfdExchangeStatus: reportOfdExchangeStatusResult,
  // node-atol-rpc `GetCashDrawerStatusTaskResult` (the spec has no schema for this task's result).
  getCashDrawerStatus: {
    type: 'object',
    required: ['counters', 'cashDrawerStatus'],
    additionalProperties: false,
    properties: {
      counters: cashMovementResult.properties.counters,
      cashDrawerStatus: {
        type: 'object',
        required: ['cashDrawerOpened'],
        additionalProperties: false,
        properties: { cashDrawerOpened: bool },
      },
    },
  },
  openShift: fiscalResult,
  closeShift: {
    ...fiscalResult,
    properties: {
      ...fiscalResult.properties,
      fiscalParams: { ...fiscalParams, required: [...fiscalParams.required, 'receiptsCount'] },
    },
  },
  reportX: { type: 'null' },
  continuePrint: { type: 'null' },
  printLastReceiptCopy: { type: 'null' },
  openCashDrawer: { type: 'null' },
  getDeviceStatus: deviceStatus,
  getShiftStatus: {
    type: 'object',
    required: ['shiftStatus'],
    properties: {
      shiftStatus: {
        type: 'object',
        required: ['state', 'number'],
        properties: { state: { enum: ['closed', 'opened', 'expired'] }, number: int, expiredTime: isoDateTime },
      },
    },
  },
  getShiftTotals: shiftTotals,
  getFnInfo: {
    type: 'object',
    required: ['fnInfo'],
    properties: {
      fnInfo: {
        type: 'object',
        required: [
          'serial',
          'ffdVersion',
          'fnFfdVersion',
          'livePhase',
          'validityDate',
          'numberOfRegistrations',
          'registrationsRemaining',
          'warnings',
        ],
        properties: {
          serial: { type: 'string', pattern: '^\\d{16}$' },
          livePhase: { enum: ['init', 'configured', 'fiscalMode', 'postFiscalMode', 'accessArchive'] },
          validityDate: isoDateTime,
          numberOfRegistrations: int,
          registrationsRemaining: int,
          warnings: fnWarnings,
        },
      },
    },
  },
  getFnStatus: {
    type: 'object',
    required: ['fnStatus'],
    properties: {
      fnStatus: {
        type: 'object',
        required: ['fiscalDocumentNumber', 'fiscalReceiptNumber', 'warnings'],
        properties: { fiscalDocumentNumber: int, fiscalReceiptNumber: int, warnings: fnWarnings },
      },
    },
  },
  ofdExchangeStatus: {
    type: 'object',
    required: ['status'],
    properties: { status: exchangeStatus, errors: exchangeErrors, warnings: { type: 'object' } },
  },
  getRegistrationInfo: {
    type: 'object',
    required: ['organization', 'device', 'ofd'],
    properties: {
      organization: {
        type: 'object',
        required: ['name', 'vatin', 'address', 'taxationTypes'],
        properties: {
          vatin: { type: 'string', pattern: '^(\\d{10}|\\d{12})$' },
          taxationTypes: { type: 'array', items: str },
        },
      },
      device: {
        type: 'object',
        required: ['registrationNumber', 'fnsUrl', 'ffdVersion'],
        properties: { registrationNumber: { type: 'string', pattern: '^\\d{16}$' } },
      },
      ofd: { type: 'object', required: ['name', 'vatin'] },
    },
  },
  getDeviceInfo: {
    type: 'object',
    required: ['deviceInfo'],
    properties: {
      deviceInfo: {
        type: 'object',
        required: [
          'model',
          'modelName',
          'serial',
          'firmwareVersion',
          'receiptLineLength',
          'receiptLineLengthPix',
          'ffdVersion',
          'fnFfdVersion',
        ],
        properties: { model: int, receiptLineLength: int, receiptLineLengthPix: int },
      },
    },
  },
  getLastFiscalParams: { anyOf: [fiscalResult, { type: 'null' }] },
};

const taskResult = {
  type: 'object',
  required: ['status', 'error', 'result'],
  properties: {
    status: { enum: ['wait', 'inProgress', 'ready', 'error', 'interrupted', 'blocked', 'canceled'] },
    error,
    errorCode: int,
    errorDescription: str,
    result: {},
  },
} as const;

const SCHEMAS = {
  errorResult,
  serverInfo: {
    type: 'object',
    required: ['serverVersion', 'driverVersion', 'os', 'currentDateTime'],
    properties: {
      serverVersion: str,
      driverVersion: str,
      os: { enum: ['linux', 'windows', 'macos'] },
      currentDateTime: isoDateTime,
    },
  },
  settings: {
    type: 'object',
    required: ['deleteRequestsAfter', 'validateRequestsOnAdd', 'blockQueueOnPrintErrors'],
    properties: {
      deleteRequestsAfter: { type: 'integer', minimum: 0 },
      validateRequestsOnAdd: bool,
      blockQueueOnPrintErrors: bool,
    },
  },
  device: {
    type: 'object',
    required: ['id', 'name', 'isActive', 'isDefault', 'connectionSettings'],
    properties: {
      id: { type: 'string', pattern: '^[a-zA-Z0-9_\\-]{1,16}$' },
      name: { type: 'string', maxLength: 128 },
      isActive: bool,
      isDefault: bool,
    },
  },
  requestAddResult: {
    type: 'object',
    required: ['number', 'uuid', 'isBlocked'],
    additionalProperties: false,
    properties: { number: int, uuid: str, isBlocked: bool, blockedUUID: str },
  },
  requestResult: {
    type: 'object',
    required: ['results'],
    additionalProperties: false,
    properties: { results: { type: 'array', minItems: 1, items: taskResult } },
  },
  queueStatus: {
    type: 'object',
    required: ['number', 'canceled', 'ready', 'isBlocked'],
    additionalProperties: false,
    properties: {
      number: int,
      canceled: int,
      ready: int,
      isBlocked: bool,
      blockReason: { enum: ['', 'paperError', 'connectionError', 'fnError'] },
      blockedUUID: str,
    },
  },
  queryDeviceStatus: deviceStatus,
  queryShiftStatus: {
    type: 'object',
    required: ['shiftStatus'],
    properties: {
      shiftStatus: {
        type: 'object',
        required: ['state', 'number'],
        properties: {
          state: { enum: ['closed', 'opened', 'expired', 'unknown'] },
          number: int,
          expiredAt: isoDateTime,
        },
      },
    },
  },
  queryFnInfo: {
    type: 'object',
    required: ['fnInfo'],
    properties: {
      fnInfo: {
        type: 'object',
        required: ['serial', 'livePhase', 'ffdVersion', 'fnFfdVersion', 'validity', 'warnings'],
        properties: {
          validity: {
            type: 'object',
            required: ['numberOfRegistrations', 'registrationsRemaining', 'validityDate'],
            properties: { validityDate: isoDateTime },
          },
          warnings: fnWarnings,
        },
      },
    },
  },
  queryOfdExchangeStatus: {
    type: 'object',
    required: ['ofdExchangeStatus', 'ofdExchangeErrors'],
    properties: { ofdExchangeStatus: exchangeStatus, ofdExchangeErrors: exchangeErrors },
  },
  queryDeviceInfo: {
    type: 'object',
    required: ['deviceInfo'],
    properties: {
      deviceInfo: {
        type: 'object',
        required: [
          'firmwareVersion',
          'appVersion',
          'boolVersion',
          'model',
          'modelName',
          'receiptLineLength',
          'receiptLineLengthPix',
          'serial',
          'ffdVersion',
          'fnFfdVersion',
        ],
      },
    },
  },
  queryShiftTotals: shiftTotals,
  queryIncomeTotals: { type: 'object', required: ['incomeTotals'], properties: { incomeTotals: sumCount } },
  queryOutcomeTotals: { type: 'object', required: ['outcomeTotals'], properties: { outcomeTotals: sumCount } },
  queryReceiptTotals: { type: 'object', required: ['receiptTotals'], properties: { receiptTotals } },
  queryFnStatus: TASK_RESULTS.getFnStatus as object,
} as const;

const ajv = new Ajv({ allErrors: true, strict: false });
const compiled = new Map<string, ValidateFunction>();
function validator(name: string, schema: object): ValidateFunction {
  let v = compiled.get(name);
  if (!v) {
    v = ajv.compile(schema);
    compiled.set(name, v);
  }
  return v;
}

function check(name: string, schema: object, body: unknown, where: string): void {
  const v = validator(name, schema);
  if (!v(body)) throw new Error(`${where}: not a valid ${name}: ${ajv.errorsText(v.errors)}\n${JSON.stringify(body)}`);
}

/** The schema an answer of the server must satisfy, by method, path and status (`null`: none). */
function schemaFor(method: string, p: string, status: number): [string, object] | null {
  if (status >= 400) return ['errorResult', errorResult];
  if (p === '/api/v2/serverInfo') return ['serverInfo', SCHEMAS.serverInfo];
  if (p === '/api/v2/settings') return ['settings', SCHEMAS.settings];
  if (p === '/api/v2/devices') return ['devices', { type: 'array', items: SCHEMAS.device }];
  if (p.startsWith('/api/v2/devices/')) return ['device', SCHEMAS.device];
  if (p === '/api/v2/getRequestsQueueStatus') return ['queueStatus', SCHEMAS.queueStatus];
  if (p === '/api/v2/requests' && method === 'POST') return ['requestAddResult', SCHEMAS.requestAddResult];
  if (p.startsWith('/api/v2/requests/') && method === 'GET') return ['requestResult', SCHEMAS.requestResult];
  const op = /^\/api\/v2\/operations\/(\w+)$/.exec(p)?.[1];
  if (op && op in SCHEMAS) return [op, SCHEMAS[op as keyof typeof SCHEMAS]];
  if (op === 'queryLicenses' || op === 'queryDeviceSettings') return ['array', { type: 'array' }];
  return null;
}

/** Checks one answer; throws naming the request and the schema it breaks. */
export function checkAnswer(method: string, path: string, status: number, body: unknown, tasks?: readonly unknown[]) {
  const where = `${method} ${path} → ${status}`;
  const p = path.split('?')[0] as string;
  if (p.startsWith('/api/v2/requests/') && method === 'DELETE' && status === 200) {
    if (body !== undefined) throw new Error(`${where}: expected an empty body, got ${JSON.stringify(body)}`);
    return;
  }
  if (p.startsWith('/api/v2/_emulator/') || p === '/api/v2/activateDevice' || p === '/api/v2/deactivateDevice') return;
  const schema = schemaFor(method, p, status);
  if (!schema) throw new Error(`${where}: no schema for this answer`);
  check(schema[0], schema[1], body, where);
  if (schema[0] !== 'requestResult') return;
  // Each ready task's result has its type's shape; unfinished and failed tasks carry none.
  const results = (body as { results: { status: string; result: unknown }[] }).results;
  for (const [i, r] of results.entries()) {
    const type = (tasks?.[i] as { type?: string } | undefined)?.type;
    const resultSchema = type ? TASK_RESULTS[type] : undefined;
    if (r.status === 'ready' && type && resultSchema)
      check(`result:${type}`, resultSchema, r.result, `${where} [${i}] ${type}`);
    if (r.status !== 'ready') check('null', { type: 'null' }, r.result, `${where} [${i}] ${r.status}`);
  }
}
