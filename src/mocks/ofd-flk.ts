/**
 * The format and logic check (ФЛК) the mock ОФД runs on receipts (form 3) and corrections
 * (form 31) before it accepts them: the tags a real ОФД needs to pass a document on to the tax
 * service, in FNS JSON field names (ffd.md §2.2, §3.1, §5.4), and the sums that must agree. The
 * first problem is the answer, named by its tag, as an ОФД's ФЛК error would be.
 */

export interface FlkProblem {
  tag: number;
  message: string;
}

type Json = Record<string, unknown>;

const isRecord = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const isWhole = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v);
const LOCAL_ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/;
/** 1055: exactly one taxation system, as a bit of the FFD mask. */
const TAXATION_BITS = new Set([1, 2, 4, 8, 16, 32]);

interface Rule {
  tag: number;
  field: string;
  /** What the value must be, when it is not. */
  check: (v: unknown) => string | null;
}

const text =
  (max: number) =>
  (v: unknown): string | null =>
    typeof v !== 'string' || v.trim() === ''
      ? 'must be a non-empty string'
      : v.length > max
        ? `longer than ${max}`
        : null;
const digits = (re: RegExp, what: string) => (v: unknown) =>
  typeof v === 'string' && re.test(v.trim()) ? null : `must be ${what}`;
const whole =
  (min: number, max = Number.MAX_SAFE_INTEGER) =>
  (v: unknown): string | null =>
    isWhole(v) && v >= min && v <= max ? null : `must be a whole number from ${min} to ${max}`;
const money = whole(0);

const HEADER: readonly Rule[] = [
  { tag: 1048, field: 'user', check: text(256) },
  { tag: 1018, field: 'userInn', check: digits(/^(\d{10}|\d{12})$/, '10 or 12 digits') },
  { tag: 1037, field: 'kktRegId', check: text(20) },
  { tag: 1041, field: 'fiscalDriveNumber', check: digits(/^\d{16}$/, '16 digits') },
  { tag: 1040, field: 'fiscalDocumentNumber', check: whole(1, 2 ** 32 - 1) },
  { tag: 1077, field: 'fiscalSign', check: whole(0, 2 ** 32 - 1) },
  {
    tag: 1012,
    field: 'dateTime',
    check: (v) => (typeof v === 'string' && LOCAL_ISO.test(v) ? null : 'must be local time YYYY-MM-DDTHH:MM[:SS]'),
  },
  { tag: 1054, field: 'operationType', check: whole(1, 4) },
  {
    tag: 1055,
    field: 'appliedTaxationType',
    check: (v) => (isWhole(v) && TAXATION_BITS.has(v) ? null : 'must be one of 1, 2, 4, 8, 16, 32'),
  },
  { tag: 1020, field: 'totalSum', check: money },
];

const ITEM: readonly Rule[] = [
  { tag: 1030, field: 'name', check: text(128) },
  { tag: 1079, field: 'price', check: money },
  {
    tag: 1023,
    field: 'quantity',
    check: (v) => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? null : 'must be a number above 0'),
  },
  { tag: 1043, field: 'sum', check: money },
  { tag: 1199, field: 'nds', check: whole(1, 12) },
  { tag: 1212, field: 'productType', check: whole(1, 33) },
  { tag: 1214, field: 'paymentType', check: whole(1, 7) },
  { tag: 2108, field: 'itemsQuantityMeasure', check: whole(0, 255) },
];

/** 1031, 1081, 1215, 1216, 1217: together they pay 1020. */
const PAYMENTS: readonly Rule[] = [
  { tag: 1031, field: 'cashTotalSum', check: money },
  { tag: 1081, field: 'ecashTotalSum', check: money },
  { tag: 1215, field: 'prepaidSum', check: money },
  { tag: 1216, field: 'creditSum', check: money },
  { tag: 1217, field: 'provisionSum', check: money },
];

function firstBroken(json: Json, rules: readonly Rule[], where: string): FlkProblem | null {
  for (const { tag, field, check } of rules) {
    if (!(field in json) || json[field] === null || json[field] === undefined)
      return { tag, message: `${tag} (${where}${field}): missing` };
    const why = check(json[field]);
    if (why !== null) return { tag, message: `${tag} (${where}${field}): ${why}` };
  }
  return null;
}

function correctionProblem(doc: Json): FlkProblem | null {
  const type = doc.correctionType;
  if (type === undefined) return { tag: 1173, message: '1173 (correctionType): missing' };
  if (type !== 0 && type !== 1) return { tag: 1173, message: '1173 (correctionType): must be 0 or 1' };
  const base = doc.correctionBase;
  if (!isRecord(base)) return { tag: 1174, message: '1174 (correctionBase): missing' };
  const date = base.correctionDocumentDate;
  if (date === undefined) return { tag: 1178, message: '1178 (correctionBase.correctionDocumentDate): missing' };
  if (typeof date !== 'string' || !/^\d{4}-\d{2}-\d{2}T00:00(:00)?$/.test(date))
    return { tag: 1178, message: '1178 (correctionBase.correctionDocumentDate): must be a date at 00:00:00' };
  const order = base.correctionDocumentNumber;
  if (type === 1 && (typeof order !== 'string' || order.trim() === ''))
    return { tag: 1179, message: '1179 (correctionBase.correctionDocumentNumber): required for a correction by order' };
  return null;
}

/** The first ФЛК problem of a receipt or correction in FNS JSON, or null when it passes. */
export function flkProblem(doc: Json, kind: 'receipt' | 'correction'): FlkProblem | null {
  const header = firstBroken(doc, HEADER, '');
  if (header) return header;
  const items = doc.items;
  if (!Array.isArray(items) || items.length === 0) return { tag: 1059, message: '1059 (items): at least one item' };
  let itemsSum = 0;
  for (const [i, item] of items.entries()) {
    if (!isRecord(item)) return { tag: 1059, message: `1059 (items[${i}]): must be an object` };
    const broken = firstBroken(item, ITEM, `items[${i}].`);
    if (broken) return broken;
    itemsSum += item.sum as number;
  }
  const total = doc.totalSum as number;
  if (itemsSum !== total)
    return { tag: 1020, message: `1020 (totalSum): ${total} is not the sum of the items' 1043 (${itemsSum})` };
  const payments = firstBroken(doc, PAYMENTS, '');
  if (payments) return payments;
  const paid = PAYMENTS.reduce((s, r) => s + (doc[r.field] as number), 0);
  if (paid !== total)
    return {
      tag: 1031,
      message: `1031 + 1081 + 1215 + 1216 + 1217 (payments): ${paid} do not pay 1020 (totalSum) ${total}`,
    };
  return kind === 'correction' ? correctionProblem(doc) : null;
}
