import { Type } from '@sinclair/typebox';

/**
 * JSON schemas of the HTTP contract (API.md) for the OpenAPI document. Request bodies are
 * checked by the domain validator (`validateReceipt`), the one validation path shared with
 * the other fronts, so every problem comes back at once with its JSON pointer.
 */

const VatRate = Type.Union(
  [
    Type.Literal('none'),
    ...['0', '5', '7', '10', '20', '22', '5/105', '7/107', '10/110', '20/120', '22/122'].map((r) => Type.Literal(r)),
    Type.Number(),
  ],
  { default: 'none' },
);

export const ReceiptItemSchema = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 128 }),
    price: Type.Number({ exclusiveMinimum: 0, description: 'rubles, at most 2 decimals' }),
    quantity: Type.Number({ exclusiveMinimum: 0, description: 'at most 6 decimals (1023)' }),
    total: Type.Optional(Type.Number({ description: 'must equal round(price × quantity)' })),
    vat_rate: Type.Optional(VatRate),
    payment_method: Type.Optional(Type.String({ default: 'full_payment' })),
    payment_object: Type.Optional(Type.String({ default: 'commodity' })),
    measure: Type.Optional(
      Type.Union([Type.String(), Type.Integer()], {
        description: '2108: piece (default), gram, kilogram, …, or the FFD code as a number',
      }),
    ),
  },
  { additionalProperties: false },
);

export const ReceiptRequestSchema = Type.Object(
  {
    pos_id: Type.Optional(Type.String({ maxLength: 64 })),
    type: Type.Union([
      Type.Literal('sale'),
      Type.Literal('refund'),
      Type.Literal('purchase'),
      Type.Literal('purchase_refund'),
    ]),
    items: Type.Array(ReceiptItemSchema, { minItems: 1, maxItems: 100 }),
    payments: Type.Array(
      Type.Object(
        {
          type: Type.Union(['cash', 'card', 'prepaid', 'credit', 'other'].map((t) => Type.Literal(t))),
          amount: Type.Number({ exclusiveMinimum: 0 }),
        },
        { additionalProperties: false },
      ),
      { minItems: 1 },
    ),
    taxation_type: Type.Optional(
      Type.Union(['osn', 'usn_income', 'usn_income_outcome', 'esn', 'patent'].map((t) => Type.Literal(t))),
    ),
    cashier: Type.Optional(Type.String({ maxLength: 64 })),
    cashier_inn: Type.Optional(Type.String({ description: '1203, 12 digits with valid check digits' })),
    customer: Type.Optional(
      Type.Object(
        { name: Type.Optional(Type.String()), inn: Type.Optional(Type.String({ description: '1228' })) },
        { additionalProperties: false, description: '1227 / 1228' },
      ),
    ),
    customer_contact: Type.Optional(Type.String({ maxLength: 64 })),
  },
  { additionalProperties: false },
);

export const CorrectionRequestSchema = Type.Composite(
  [
    ReceiptRequestSchema,
    Type.Object({
      correction: Type.Object(
        {
          kind: Type.Union([Type.Literal('self'), Type.Literal('instruction')], { description: '1173: 0 / 1' }),
          date: Type.String({ description: '1178: the corrected settlement, YYYY-MM-DD' }),
          number: Type.Optional(Type.String({ description: '1179: the tax service order; required for instruction' })),
        },
        { additionalProperties: false },
      ),
    }),
  ],
  { additionalProperties: false },
);

export const CashRequestSchema = Type.Object(
  {
    amount: Type.Number({ exclusiveMinimum: 0, description: 'rubles, at most 2 decimals' }),
    cashier: Type.Optional(Type.String({ maxLength: 64 })),
  },
  { additionalProperties: false },
);

export const CashResponseSchema = Type.Object({
  status: Type.Literal('done'),
  kind: Type.Union([Type.Literal('in'), Type.Literal('out')]),
  amount: Type.Number(),
  cash_balance: Type.Number(),
  datetime: Type.String(),
  idempotency_key: Type.String(),
});

export const FiscalDocSchema = Type.Object({
  document_type: Type.Integer({ description: 'FFD form code: 3 receipt, 31 correction' }),
  fiscal_doc_number: Type.Integer(),
  fiscal_sign: Type.String({ pattern: '^\\d{10}$' }),
  fiscal_datetime: Type.String(),
  fn_number: Type.String(),
  kkt_number: Type.String(),
  shift_number: Type.Integer(),
  receipt_number: Type.Integer(),
  total: Type.Number(),
  qr_code_data: Type.String(),
});

export const ReceiptResponseSchema = Type.Object({
  status: Type.Literal('printed'),
  receipt_id: Type.String(),
  idempotency_key: Type.String(),
  fiscal_doc: FiscalDocSchema,
  buffer: Type.Object({ status: Type.String() }),
  warnings: Type.Array(Type.String()),
});

export const ProblemSchema = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.String(),
    code: Type.String(),
    errors: Type.Optional(Type.Array(Type.Object({ path: Type.String(), message: Type.String() }))),
  },
  { description: 'RFC 9457 problem details (application/problem+json)' },
);

export const IdempotencyHeaders = Type.Object({
  'idempotency-key': Type.String({ minLength: 1, maxLength: 128, description: 'printable ASCII, 1–128 characters' }),
});

export const FaultsSchema = Type.Object(
  { paper_out: Type.Optional(Type.Boolean()), cover_open: Type.Optional(Type.Boolean()) },
  { additionalProperties: false },
);

export const ClockSchema = Type.Object(
  { advance_seconds: Type.Number({ minimum: 0, maximum: 10 * 365 * 86400 }) },
  { additionalProperties: false },
);

export const CashierSchema = Type.Optional(
  Type.Object(
    { cashier: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })) },
    { additionalProperties: false },
  ),
);
