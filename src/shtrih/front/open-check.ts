import { OPERATIONS, type Operation, PAYMENT_METHODS, PAYMENT_OBJECTS, type TaxationType } from '../../fiscal/codes.ts';
import type { PaymentTotals, ReceiptInput, ReceiptItem } from '../../fiscal/document.ts';
import { MAX_KOPECKS } from '../../fiscal/money.ts';
import { lineSum, microOfMilli } from '../../fiscal/quantity.ts';
import { MAX_NAME_LENGTH, MAX_TEXT_LENGTH } from '../../fiscal/receipt-validation.ts';
import { type VatRate, vatAmount } from '../../fiscal/vat.ts';
import { itemTlvLength } from '../protocol/document-tlv.ts';
import { E, refuse } from '../protocol/errors.ts';
import { decodeCp866, encodeCp866 } from '../protocol/text.ts';

/**
 * The receipt a host is building line by line (8Dh/80h… or FF46h…), checked as the API checks
 * a receipt so the emulated ФН only ever gets what it would get through HTTP. Closing it turns
 * it into the one ReceiptInput the in-process emulator takes.
 */

/** What FF0Ch TLVs set for the next document. */
export interface DocumentProperties {
  cashier?: string;
  customerContact?: string;
  requestId?: string;
}

export interface ItemRequest {
  name: string;
  price: number;
  /** Thousandths of a unit. */
  quantity: number;
  /** null: price × quantity. */
  sum: number | null;
  vatRate: VatRate;
  /** null: computed from the sum and the rate. */
  vatSum: number | null;
  paymentMethod: number;
  paymentObject: number;
}

const byCode = <K extends string>(table: Record<K, number>) =>
  new Map(Object.entries(table).map(([k, v]) => [v as number, k as K]));
export const OPERATION_BY_CODE = byCode(OPERATIONS);
const METHOD_BY_CODE = byCode(PAYMENT_METHODS);
const OBJECT_BY_CODE = byCode(PAYMENT_OBJECTS);

/**
 * A receipt is limited by the ФН's document size, not by a line count: the vendor's devices
 * keep up to 32 KB of receipt (research notes §8: 4Bh "Буфер чека переполнен"). kkt-emu counts
 * the lines' TLV bytes against that; the rest of the document is small beside it.
 */
export const MAX_RECEIPT_LINE_BYTES = 32 * 1024;

export class OpenCheck {
  readonly items: ReceiptItem[] = [];
  private lineBytes = 0;

  constructor(readonly operation: Operation) {}

  add(q: ItemRequest): void {
    const name = asFnText(q.name.trim());
    if (name.length === 0) refuse(E.badParameters, 'the item name is empty');
    if ([...name].length > MAX_NAME_LENGTH)
      refuse(E.badParameters, `item names are at most ${MAX_NAME_LENGTH} characters`);
    if (q.price <= 0 || q.price > MAX_KOPECKS) refuse(E.badParameters, 'the price must be above 0');
    if (q.quantity <= 0) refuse(E.badParameters, 'the quantity must be above 0');
    const computed = lineSum(q.price, microOfMilli(q.quantity));
    const sum = q.sum ?? computed;
    // FF46h: a given sum may differ from price × quantity by one kopeck at most.
    if (Math.abs(sum - computed) > 1) refuse(E.badParameters, `the line sum must be ${computed} (±1) kopecks`);
    if (sum <= 0) refuse(E.badParameters, 'price × quantity rounds to 0 kopecks');
    const vat = vatAmount(sum, q.vatRate);
    const vatSum = q.vatSum ?? vat;
    if (Math.abs(vatSum - vat) > 1) refuse(E.badParameters, `the VAT amount must be ${vat} (±1) kopecks`);
    const paymentMethod = METHOD_BY_CODE.get(q.paymentMethod);
    if (!paymentMethod) refuse(E.badParameters, `payment method ${q.paymentMethod} (tag 1214) is unknown`);
    const paymentObject = OBJECT_BY_CODE.get(q.paymentObject);
    if (!paymentObject) refuse(E.badParameters, `payment object ${q.paymentObject} (tag 1212) is unknown`);
    const item: ReceiptItem = {
      name,
      price: q.price,
      quantityMicro: microOfMilli(q.quantity),
      sum,
      vatRate: q.vatRate,
      vatSum,
      paymentMethod,
      paymentObject,
    };
    const bytes = itemTlvLength(item);
    if (this.lineBytes + bytes > MAX_RECEIPT_LINE_BYTES)
      refuse(E.receiptBufferFull, `the receipt's lines would exceed ${MAX_RECEIPT_LINE_BYTES} bytes`);
    this.lineBytes += bytes;
    this.items.push(item);
  }

  get total(): number {
    return this.items.reduce((s, it) => s + it.sum, 0);
  }

  /** The ReceiptInput for the emulated ФН, or a refusal naming what is wrong with the payments. */
  close(payments: PaymentTotals, taxation: TaxationType, props: DocumentProperties): ReceiptInput {
    if (this.items.length === 0) refuse(E.zeroTotal, 'the receipt has no lines');
    const total = this.total;
    if (total > MAX_KOPECKS) refuse(E.badParameters, 'the receipt total is too large');
    const nonCash = payments.card + payments.prepaid + payments.credit + payments.other;
    if (nonCash > total) refuse(E.nonCashTooLarge, 'non-cash payments exceed the total');
    if (nonCash + payments.cash < total) refuse(E.paymentsTooSmall, 'payments do not cover the total');
    const input: ReceiptInput = { operation: this.operation, items: [...this.items], payments, taxation };
    if (props.cashier !== undefined) input.cashier = props.cashier;
    if (props.customerContact !== undefined) input.customerContact = props.customerContact;
    if (props.requestId !== undefined) input.requestId = props.requestId;
    return input;
  }
}

/**
 * The ФН keeps text in CP866 (tag 1030 and friends), so what it stores is what CP866 can hold;
 * storing that, not the host's CP1251 text, keeps the archive equal to what FF3Ah reads back.
 */
export function asFnText(text: string): string {
  return decodeCp866(encodeCp866(text));
}

/** FF0Ch/receipt texts follow the API's limits. */
export function checkText(value: string, what: string): string {
  const text = value.trim();
  if (text.length === 0) refuse(E.badParameters, `${what} is empty`);
  if ([...text].length > MAX_TEXT_LENGTH)
    refuse(E.badParameters, `${what} is longer than ${MAX_TEXT_LENGTH} characters`);
  return text;
}
