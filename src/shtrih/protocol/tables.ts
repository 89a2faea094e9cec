import { FIELD_TYPE } from './commands/tables.ts';
import { cutAtNul, decodeCp1251, encodeCp1251 } from './text.ts';

/**
 * The settings tables of a Shtrih-M ККТ as the vendor's firmware has them: numbers, names,
 * field types, sizes, ranges and factory values from a real ШТРИХ-НАНО-Ф's full table dump
 * (firmware C.3.323, javapos `RES/X5/ШТРИХ-НАНО-Ф_№054903.csv`, research notes §2.2), plus the
 * 2026 rows the vendor announced (table 6 rows 11/12, table 17 field 71: fr_drv_ng#328).
 * Only the tables drivers read or write on connect and during a day are here; the rest answer
 * 5Dh "table not defined".
 */

export type FieldValue = number | string;

export interface FieldSpec {
  name: string;
  type: 0 | 1;
  size: number;
  min: number;
  max: number;
  /** The factory value of each row (1-based). */
  initial: (row: number) => FieldValue;
  /** Written by the device itself (ФН data, exchange status): 1Eh is refused. */
  readOnly?: boolean;
}

export interface TableSpec {
  name: string;
  rows: number;
  fields: readonly FieldSpec[];
}

const bin = (
  name: string,
  size: number,
  min: number,
  max: number,
  initial: FieldValue | ((row: number) => FieldValue),
): FieldSpec => ({
  name,
  type: FIELD_TYPE.bin,
  size,
  min,
  max,
  initial: typeof initial === 'function' ? initial : () => initial,
});
const char = (name: string, size: number, initial: FieldValue | ((row: number) => FieldValue) = ''): FieldSpec => ({
  name,
  type: FIELD_TYPE.char,
  size,
  min: 0,
  max: 0,
  initial: typeof initial === 'function' ? initial : () => initial,
});
const byRow = (values: readonly FieldValue[], fallback: FieldValue) => (row: number) => values[row - 1] ?? fallback;
const readOnly = (f: FieldSpec): FieldSpec => ({ ...f, readOnly: true });
/** Table 1: every field is one BIN byte: [name, min, max, factory value]. */
const byte1 = (rows: readonly [string, number, number, number][]) => rows.map(([n, lo, hi, v]) => bin(n, 1, lo, hi, v));

/** Table 6 rows: value in 0.01 %, name. Rows 7..10 exist on 2026 firmware; their content is not public. */
export const TAX_ROWS: readonly (readonly [number, string])[] = [
  [2000, 'НДС 20%'],
  [1000, 'НДС 10%'],
  [0, 'НДС 0%'],
  [0, 'БЕЗ НДС'],
  [2000, 'НДС 20/120'],
  [1000, 'НДС 10/110'],
  [0, ''],
  [0, ''],
  [0, ''],
  [0, ''],
  [2200, 'НДС 22%'],
  [2200, 'НДС 22/122'],
];

export const TABLE = {
  device: 1,
  cashiers: 2,
  text: 4,
  paymentNames: 5,
  taxRates: 6,
  departments: 7,
  service: 10,
  sdCard: 14,
  regional: 17,
  fiscalStorage: 18,
  ofd: 19,
  exchangeStatus: 20,
  network: 21,
} as const;

/** Field numbers drivers and the device front look at. */
export const FIELD = {
  /** T1 F2 "Авт. обнуление денежной наличности": clear register 241 at the Z report. */
  autoCashReset: 2,
  /** T1 F14 "Начисление налогов": 0 the ККТ computes taxes, 1 the host sends them. */
  taxesFromHost: 14,
  /** T6 F1 rate in 0.01 %, F2 name. */
  taxValue: 1,
  taxName: 2,
  /** T17 F36: FF45h and other document commands append DATE_TIME. */
  extendedAnswers: 36,
  /** T17 F71: 1 the ККТ turns rate 1 (20 %) into 22 % from 2026; 2 the host names row 11/12. */
  vat22Mode: 71,
} as const;

/** T17 F71 values (fr_drv_ng#328). */
export const VAT22_MODE = { substitute: 1, explicit: 2 } as const;

const PAYMENT_NAMES = [
  'НАЛИЧНЫМИ',
  'CREDIT',
  'КАРТА',
  'СКИДКА',
  ...Array.from({ length: 9 }, (_, i) => `РАСШИРЕННАЯ ОПЛАТА ${i + 1}`),
  'ПРЕДВАРИТЕЛЬНАЯ ОПЛАТА (АВАНС)',
  'ПОСЛЕДУЮЩАЯ ОПЛАТА (КРЕДИТ)',
  'ИНАЯ ФОРМА ОПЛАТЫ',
];

const REGIONAL: readonly (readonly [string, number, number, number] | readonly [string, number, string])[] = [
  ['Kz бин/иин', 0, 1, 0],
  ['Kz требовать открывать смену', 0, 1, 1],
  ['Rus режим исчисления скидок', 0, 2, 2],
  ['Rus мин разм модуля qr', 4, 7, 5],
  ['Rus мин корр ошибок qr', 0, 3, 1],
  ['Rus мин размер qr в точках', 140, 255, 160],
  ['Rus не печатать документ', 0, 3, 0],
  ['Rus ограничить время смены', 0, 60, 1],
  ['Rus печатать сквозной номер', 0, 2, 1],
  ['Rus печать параметров офд в чеках', 0, 1, 0],
  ['Rus проверять кс инн', 0, 7, 7],
  ['Rus печать реквизитов пользователя', 2, 'BIN2'],
  ['Rus наименование реквизита пользователя', 64, 'CHAR'],
  ['Rus печать реквизита пользователя', 0, 1, 1],
  ['Rus печать отмененных документов', 0, 1, 0],
  ['Rus печать налога в операции', 0, 3, 3],
  ['Rus формат фд', 1, 4, 4],
  ['Rus компактный заголовок', 0, 6, 0],
  ['Rus название бонуса 1', 32, 'CHAR'],
  ['Rus название бонуса 2', 32, 'CHAR'],
  ['Rus паттерн сепаратора заголовка', 0, 255, 126],
  ['Rus высота сепаратора заголовка', 0, 10, 3],
  ['Rus печать номера операции', 0, 2, 0],
  ['Rus формат узкого заголовка', 0, 1, 0],
  ['Rus автопечать тегов', 0, 1, 1],
  ['Rus способ вычисления выручки', 0, 2, 1],
  ['Rus использовать футер чека', 0, 1, 1],
  ['Rus минимизация данных чека', 0, 31, 0],
  ['Скрывать пароль wifi в техпрогоне', 0, 1, 1],
  ['Rus выравнивание qr в кз', 0, 1, 1],
  ['Rus реплика документа фн', 0, 0, 0],
  ['Сбрасывать скорость rs при техпрогоне', 0, 1, 1],
  ['Rus автоочистка нс при регистрации', 0, 1, 0],
  ['Rus группировать фиск. данные', 0, 1, 1],
  ['Rus строгий флк', 0, 1, 1],
  // kkt-emu always appends DATE_TIME to FF45h (javapos reads it only when present).
  ['Rus расшир. отв. на команды форм. фд', 0, 1, 1],
  ['Rus количество авансов', 1, 10, 1],
  ['Rus автокоррекция ставки ндс', 0, 1, 1],
  ['Rus новые заголовки реквизитов', 0, 1, 1],
  ['Rus способ выделения ндс', 0, 1, 1],
  ['Восстанавливать время из фн при сбое пит', 0, 1, 1],
  ['Rus принимать все кт', 0, 1, 0],
  ['Rus добавлять адрес отправителя', 0, 1, 0],
  ['Rus использовать букву в налогах', 0, 1, 0],
  ['Rus замена енвд', 0, 2, 1],
  ['Rus запрет произвольной сно', 0, 1, 0],
];

function regionalFields(): FieldSpec[] {
  const fields: FieldSpec[] = REGIONAL.map((f) => {
    if (f[2] === 'BIN2') return bin(f[0], 2, 0, 32767, 63);
    if (f[2] === 'CHAR') return char(f[0], f[1], f[0].includes('реквизита') ? 'Код' : '');
    return bin(f[0], 1, f[1], f[2] as number, f[3] as number);
  });
  // Fields 47..70 of 2026 firmware are not in any public dump: kkt-emu fills them with
  // placeholders so field 71 has its number.
  for (let n = fields.length + 1; n < FIELD.vat22Mode; n++) fields.push(bin('---', 1, 0, 0, 0));
  // Field 71: name not public; the values are fr_drv_ng#328's. The vendor ships 1; kkt-emu ships
  // 2 (the host names 22 % as row 11), so every rate the adapter accepts can be printed.
  fields.push(bin('Rus режим перехода на ндс 22%', 1, 1, 2, VAT22_MODE.explicit));
  return fields;
}

/** The tables kkt-emu keeps, by number. Device-derived values (T18, T20) are filled in by the front. */
export const TABLES: ReadonlyMap<number, TableSpec> = new Map<number, TableSpec>([
  [
    TABLE.device,
    {
      name: 'Тип и режим кассы',
      rows: 1,
      fields: byte1([
        ['Номер кассы в магазине', 1, 99, 1],
        ['Авт. обнуление денежной наличности', 0, 1, 0],
        ['Печать рекламного текста', 0, 3, 0],
        ['---', 0, 1, 0],
        ['---', 0, 2, 1],
        ['Работа с денежным ящиком', 0, 1, 1],
        ['Отрезка чека', 0, 2, 0],
        ['Печатать дробное в количестве', 0, 1, 0],
        ['Лог. уровень дат. денежного ящика', 0, 1, 0],
        ['Длительность имп. денежного ящика', 0, 255, 10],
        ['Длительность паузы денежного ящика', 0, 255, 1],
        ['Количество имп. денежного ящика', 0, 255, 1],
        ['Использование весовых датчиков', 0, 1, 0],
        ['Начисление налогов', 0, 1, 0],
        ['Автоматический перевод времени', 0, 0, 0],
        ['Печать налогов', 1, 4, 1],
        ['Печать заголовка', 0, 1, 0],
        ['Печать единичного количества', 1, 1, 1],
        ['Сохранять строки в буфере чека', 1, 1, 1],
        ['Печать чека по закрытию', 1, 1, 1],
        ['Промотка перед отрезкой', 0, 1, 0],
        ['Отрезка при открытом чеке', 0, 1, 0],
        ['Запрет нулевого чека', 0, 1, 0],
        ['Отступ в строке типов оплаты', 0, 1, 1],
        ['Использование форматирования в чеке', 0, 1, 0],
        ['Обнуление счетчика чеков', 0, 1, 0],
        ['Контроль времени', 0, 99, 0],
        ['Отключение звука при ошибках', 0, 1, 0],
        ['Межстрочный интервал', 0, 10, 5],
        ['Тип суточного отчета', 0, 1, 0],
        ['Сжатие шрифта на чековой ленте', 0, 1, 1],
        ['Разгон при печати', 0, 1, 1],
        ['Коррекция яркости', 0, 1, 0],
        ['Яркость печати', 0, 3, 1],
        ['Печать типов оплаты', 0, 2, 1],
        ['Положение принтера', 0, 1, 0],
        ['Печать рнм', 1, 1, 1],
        ['Укороченное клише', 0, 1, 0],
        ['Печать клише после завершения документа', 0, 1, 1],
        ['Скорость печати', 0, 2, 2],
        ['Кодирование реквизитов чека', 0, 1, 1],
        ['Кодирование ссылки', 0, 2, 0],
        ['Автопечать журнала', 0, 1, 0],
        ['Ведение журнала', 0, 2, 0],
        ['Режим низкого потребления', 0, 1, 0],
        ['Таймаут автовыключения (мин)', 0, 250, 10],
        ['Включение по питанию', 0, 1, 1],
      ]),
    },
  ],
  [
    TABLE.cashiers,
    {
      name: 'Пароли кассиров и администраторов',
      rows: 30,
      fields: [
        bin('Пароли кассиров', 4, 0, 99_999_999, (row) => row),
        char('Должности и фамилии кассиров', 64, (row) =>
          row === 29 ? 'АДМИНИСТРАТОР' : row === 30 ? 'СИС. АДМИНИСТРАТОР' : `КАССИР ${row}`,
        ),
      ],
    },
  ],
  [TABLE.text, { name: 'Текст в чеке', rows: 14, fields: [char('Запрограммированные строки', 64)] }],
  [
    TABLE.paymentNames,
    {
      name: 'Наименование типов оплаты',
      rows: 16,
      fields: [char('Запрограммированные типы оплаты', 64, byRow(PAYMENT_NAMES, ''))],
    },
  ],
  [
    TABLE.taxRates,
    {
      name: 'Налоговые ставки',
      rows: TAX_ROWS.length,
      fields: [
        bin('Величина налога', 2, 0, 9999, (row) => TAX_ROWS[row - 1]?.[0] ?? 0),
        char('Название налога', 64, (row) => TAX_ROWS[row - 1]?.[1] ?? ''),
      ],
    },
  ],
  [
    TABLE.departments,
    {
      name: 'Наименование отделов',
      rows: 16,
      fields: [char('Запрограммированные названия секций', 64, (row) => String(row))],
    },
  ],
  [
    TABLE.service,
    {
      name: 'Служебная',
      rows: 1,
      fields: byte1([
        ['Расстояние от головки до ножа', 0, 255, 70],
        ['Расстояние от ножа до гребенки', 0, 255, 0],
        ['Нижний порог напряжения', 28, 33, 30],
        ['Верхний порог напряжения', 40, 60, 50],
        ['Зарезервировано', 0, 255, 0],
        ['Калибровка тпг (не используется)', 0, 0, 0],
        ['Ширина печати', 1, 2, 1],
        ['Интерфейсная плата (не используется)', 0, 0, 0],
        ['Эмуляция штрих (не используется)', 0, 0, 0],
        ['Время ожидания фн', 2, 30, 30],
      ]),
    },
  ],
  [
    TABLE.sdCard,
    {
      name: 'Sdcard status',
      rows: 1,
      fields: [
        readOnly(bin('Status', 1, 0, 255, 0)),
        ...['Cluster size', 'Total sectors', 'Free sectors', 'I/o errors', 'Retry count'].map((n) =>
          readOnly(bin(n, 4, 0, 0xffff_ffff, 0)),
        ),
      ],
    },
  ],
  [TABLE.regional, { name: 'Региональные настройки', rows: 1, fields: regionalFields() }],
  [
    TABLE.fiscalStorage,
    {
      name: 'Fiscal storage',
      rows: 1,
      fields: [
        readOnly(char('Serial number', 21)),
        readOnly(char('Inn', 17)),
        readOnly(char('Rnm', 21)),
        readOnly(char('Fs serial number', 17)),
        readOnly(bin('Tax system', 1, 0, 255, 0)),
        readOnly(bin('Work mode', 1, 0, 255, 0)),
        readOnly(char('User', 128)),
        char('Operator', 64),
        readOnly(char('Address', 128)),
        char('Ofd name', 128),
        char('Ofd url', 64),
        char('Ofd inn', 17),
        char('Tax office url', 64, 'www.nalog.ru'),
        char('Место расчета', 128),
        char('Эл. адр. отправителя', 64),
        bin('Признак агента', 1, 0, 127, 0),
        char('User строка 2', 128),
        char('Address строка 2', 128),
        char('Ofd name строка 2', 128),
        char('Место расчета строка 2', 128),
        bin('Расширенные признаки работы ккт', 1, 0, 127, 0),
        bin('Код причины изм. сведений о ккт (ффд>=1.', 4, 0, 0xffff_ffff, 0),
        char('Инн кассира', 13),
      ],
    },
  ],
  [
    TABLE.ofd,
    {
      name: 'Параметры офд',
      rows: 1,
      fields: [
        char('Сервер', 64, 'localhost'),
        bin('Порт', 2, 1, 65535, 7777),
        bin('Таймаут чтения ответа', 2, 300, 65535, 1000),
        bin('Задержка между пакетами, мс', 2, 0, 3000, 100),
        char('Сервер км', 64),
        bin('Порт км', 2, 1, 65535, 7778),
        bin('Таймаут чтения ответа км', 2, 5, 65535, 33),
        bin('Таймаут чтения ответа км при проверке', 2, 2, 65535, 5),
        char('Сервер ас окп', 128),
        bin('Порт ас окп', 2, 1, 65535, 31101),
        bin('Таймаут ас окп', 2, 5, 65, 60),
      ],
    },
  ],
  [
    TABLE.exchangeStatus,
    {
      name: 'Статус обмена фн',
      rows: 1,
      fields: [
        readOnly(bin('Exchangestate', 1, 0, 255, 0)),
        readOnly(bin('Readstate', 1, 0, 255, 0)),
        readOnly(bin('Numbermessages', 2, 0, 65535, 0)),
        readOnly(bin('Numberfirstdocumentqueue', 4, 0, 0xffff_ffff, 0)),
        readOnly(char('Datetimefirstdocumentqueue', 32)),
      ],
    },
  ],
  [
    TABLE.network,
    {
      name: 'Сетевые интерфейсы',
      rows: 1,
      fields: [
        bin('Режим ppp', 1, 0, 4, 3),
        bin('Режим обмена с офд', 1, 0, 1, 0),
        bin('Запуск tcp-сервера', 1, 0, 2, 1),
        bin('Порт tcp-сервера', 2, 0, 65535, 7778),
        readOnly(bin('Наличие wifi', 1, 0, 0, 0)),
        bin('Использовать wifi', 1, 0, 3, 0),
        char('Wifi ssid', 64),
        char('Wifi passphrase', 64),
        bin('Rndis', 1, 0, 1, 0),
      ],
    },
  ],
]);

export function fieldSpec(table: number, field: number): FieldSpec | undefined {
  return TABLES.get(table)?.fields[field - 1];
}

/** A value at the field's exact size: BIN little-endian, CHAR CP1251 zero-padded. */
export function fieldBytes(spec: Pick<FieldSpec, 'type' | 'size'>, value: FieldValue): Buffer {
  const out = Buffer.alloc(spec.size);
  if (spec.type === FIELD_TYPE.bin) {
    out.writeUIntLE(Number(value), 0, Math.min(spec.size, 6));
    return out;
  }
  const text = encodeCp1251(String(value));
  text.copy(out, 0, 0, spec.size);
  return out;
}

/** What a field's bytes mean: BIN as a number, CHAR as text up to the first NUL (javapos trims there). */
export function fieldValue(spec: Pick<FieldSpec, 'type' | 'size'>, bytes: Buffer): FieldValue {
  if (spec.type === FIELD_TYPE.bin) return bytes.length === 0 ? 0 : bytes.readUIntLE(0, Math.min(bytes.length, 6));
  return decodeCp1251(cutAtNul(bytes));
}

/**
 * A 1Eh value as the field keeps it, or why it cannot be kept. Clients write BIN values short
 * (pyshtrih: as few bytes as the number needs) or long (kulyasovr: always 2 bytes): both are
 * read as little-endian numbers; CHAR values may be unpadded (pyshtrih). How a real device
 * treats short or long values is not documented (notes §2.1); kkt-emu zero-extends and pads.
 */
export function normalizeWrite(spec: FieldSpec, raw: Buffer): { ok: Buffer } | { refused: string } {
  if (spec.type === FIELD_TYPE.bin) {
    if (raw.length === 0) return { refused: 'no value' };
    if (raw.subarray(Math.min(spec.size, 6)).some((b) => b !== 0))
      return { refused: `the value does not fit ${spec.size} byte(s)` };
    const value = raw.readUIntLE(0, Math.min(raw.length, spec.size, 6));
    if (value < spec.min || value > spec.max) return { refused: `${value} is outside ${spec.min}..${spec.max}` };
    return { ok: fieldBytes(spec, value) };
  }
  const text = cutAtNul(raw);
  if (text.length > spec.size) return { refused: `the text is ${text.length} bytes, the field holds ${spec.size}` };
  const out = Buffer.alloc(spec.size);
  text.copy(out);
  return { ok: out };
}
