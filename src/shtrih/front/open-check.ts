import { OPERATIONS, type Operation, PAYMENT_METHODS, PAYMENT_OBJECTS, type TaxationType } from '../../fiscal/codes.ts';
import type { CorrectionKind, PaymentTotals, ReceiptInput, ReceiptItem } from '../../fiscal/document.ts';
import type { Measure } from '../../fiscal/measure.ts';
import { MAX_KOPECKS } from '../../fiscal/money.ts';
import { lineSum, QUANTITY_SCALE } from '../../fiscal/quantity.ts';
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
  /** 1203 */
  cashierInn?: string;
  /** 1227 / 1228 */
  customer?: { name?: string; inn?: string };
  customerContact?: string;
  requestId?: string;
  /** 1173 and 1174's parts (1178 as `YYYY-MM-DD`, 1179), for a correction receipt. */
  correction?: { kind?: CorrectionKind; date?: string; number?: string };
}

export interface ItemRequest {
  name: string;
  price: number;
  /** Millionths of a unit (FF46h's unit; 80h's thousandths are scaled up). */
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

/** 5Ah "Скидка превышает накопления в чеке" (research notes §4, vendor error texts). */
const DISCOUNT_TOO_LARGE = 0x5a;

export class OpenCheck {
  readonly items: ReceiptItem[] = [];
  private lineBytes = 0;
  /** Receipt-level discounts (86h, FF4Bh, less 8Ah) and surcharges, kopecks, folded into the lines at close. */
  private discountSum = 0;
  private surcharges = 0;

  get discounts(): number {
    return this.discountSum;
  }

  /** `correction`: opened by FF35h, closed into a correction receipt (form 31). */
  constructor(
    readonly operation: Operation,
    readonly correction = false,
  ) {}

  add(q: ItemRequest): void {
    const name = asFnText(q.name.trim());
    if (name.length === 0) refuse(E.badParameters, 'the item name is empty');
    if ([...name].length > MAX_NAME_LENGTH)
      refuse(E.badParameters, `item names are at most ${MAX_NAME_LENGTH} characters`);
    if (q.price <= 0 || q.price > MAX_KOPECKS) refuse(E.badParameters, 'the price must be above 0');
    if (q.quantity <= 0) refuse(E.badParameters, 'the quantity must be above 0');
    const computed = lineSum(q.price, q.quantity);
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
      quantityMicro: q.quantity,
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

  /** FF4Dh 2108 on the last line. */
  measureLast(measure: Measure): void {
    const last = this.items[this.items.length - 1];
    if (!last) refuse(E.receiptClosed, 'no line to bind the TLV to');
    if (measure === 'piece') delete last.measure;
    else last.measure = measure;
  }

  /** The lines' sum before receipt-level discounts and surcharges. */
  get total(): number {
    return this.items.reduce((s, it) => s + it.sum, 0);
  }

  /** 89h: what the receipt comes to with its discounts and surcharges. */
  get subtotal(): number {
    return this.total - this.adjustment;
  }

  /** Receipt-level discounts less surcharges, kopecks. */
  private get adjustment(): number {
    return this.discounts - this.surcharges;
  }

  /** 86h (amount > 0) or 87h (amount < 0) on the receipt as it stands. */
  adjust(amount: number, what: string): void {
    if (this.items.length === 0) refuse(E.receiptClosed, `a ${what} needs a line to apply to`);
    if (amount === 0) refuse(E.badParameters, `the ${what} is 0`);
    this.setAdjustments(this.discounts + Math.max(0, amount), this.surcharges + Math.max(0, -amount));
  }

  /** Takes back an adjust() whose command was refused after it (85h's percentage). */
  unadjust(amount: number): void {
    if (amount > 0) this.discountSum -= amount;
    else this.surcharges += amount;
  }

  /**
   * 8Ah (discount) / 8Bh (surcharge): takes back up to what the receipt has of that kind. More
   * than it has is refused with 33h (kkt-emu's choice: no source gives the device's code).
   */
  voidAdjustment(kind: 'discount' | 'surcharge', amount: number): void {
    if (amount <= 0) refuse(E.badParameters, `the ${kind} to void is 0`);
    const has = kind === 'discount' ? this.discounts : this.surcharges;
    if (amount > has) refuse(E.badParameters, `the receipt has ${has} kopecks of ${kind}, ${amount} cannot be voided`);
    if (kind === 'discount') this.setAdjustments(this.discounts - amount, this.surcharges);
    else this.setAdjustments(this.discounts, this.surcharges - amount);
  }

  private setAdjustments(discounts: number, surcharges: number): void {
    const next = discounts - surcharges;
    if (next > this.total) refuse(DISCOUNT_TOO_LARGE, 'the discount exceeds the receipt');
    if (this.total - next > MAX_KOPECKS) refuse(E.badParameters, 'the receipt total is too large');
    this.discountSum = discounts;
    this.surcharges = surcharges;
  }

  /**
   * 84h: takes `quantity` of a line back out: the last line with the same name, price and rate
   * that holds that much (kkt-emu's reading; the vendor text says only "сторно").
   */
  storno(name: string, price: number, quantity: number, vatRate: VatRate): void {
    const text = asFnText(name.trim());
    for (let i = this.items.length - 1; i >= 0; i--) {
      const it = this.items[i] as ReceiptItem;
      if (it.name !== text || it.price !== price || it.vatRate !== vatRate || it.quantityMicro < quantity) continue;
      const left = it.quantityMicro - quantity;
      const sum = lineSum(price, left);
      const next = this.items.reduce((s, x, j) => s + (j === i ? sum : x.sum), 0);
      if (this.adjustment > next) refuse(DISCOUNT_TOO_LARGE, 'the receipt would be less than its discount');
      if (left === 0) this.items.splice(i, 1);
      else this.items[i] = { ...it, quantityMicro: left, sum, vatSum: vatAmount(sum, it.vatRate) };
      return;
    }
    refuse(E.badParameters, 'no line of the open receipt matches the storno (name, price, tax, quantity)');
  }

  /**
   * The ReceiptInput for the emulated ФН, or a refusal naming what is wrong with the payments.
   * `rounding` (FF45h "округление до рубля", kopecks) is one more discount on the receipt.
   */
  close(payments: PaymentTotals, taxation: TaxationType, props: DocumentProperties, rounding = 0): ReceiptInput {
    if (this.items.length === 0) refuse(E.zeroTotal, 'the receipt has no lines');
    if (rounding > 99) refuse(E.badParameters, 'the rounding is 0..99 kopecks');
    if (rounding > this.subtotal) refuse(DISCOUNT_TOO_LARGE, 'the rounding exceeds the receipt');
    const items = foldAdjustment(this.items, this.adjustment + rounding);
    const total = items.reduce((s, it) => s + it.sum, 0);
    if (total === 0) refuse(E.zeroTotal, 'the receipt comes to 0');
    if (total > MAX_KOPECKS) refuse(E.badParameters, 'the receipt total is too large');
    const nonCash = payments.card + payments.prepaid + payments.credit + payments.other;
    if (nonCash > total) refuse(E.nonCashTooLarge, 'non-cash payments exceed the total');
    if (nonCash + payments.cash < total) refuse(E.paymentsTooSmall, 'payments do not cover the total');
    const input: ReceiptInput = { operation: this.operation, items, payments, taxation };
    if (props.cashier !== undefined) input.cashier = props.cashier;
    if (props.customerContact !== undefined) input.customerContact = props.customerContact;
    if (props.cashierInn !== undefined) input.cashierInn = props.cashierInn;
    if (props.customer !== undefined) input.customer = { ...props.customer };
    if (props.requestId !== undefined) input.requestId = props.requestId;
    return input;
  }
}

/**
 * FFD 1.2 has no receipt-level discount: 1079 and 1043 are the price and the sum "с учётом
 * скидок и наценок" (ffd.md §2.2). The vendor's own driver folds a receipt discount into the
 * lines before it sends them (javapos `FSSalesReceipt.addItemsDiscounts`: lines in order, each
 * taking up to its whole sum until the discount is used; a surcharge goes onto the last line;
 * `FSSaleReceiptItem.updatePrice`: the price becomes the new sum / quantity, the sum itself for
 * quantity 1). kkt-emu's device folds 86h/87h, 85h's percentage and FF45h's rounding the same
 * way; the line keeps the exact discounted sum and its VAT is computed from it.
 */
export function foldAdjustment(items: readonly ReceiptItem[], amount: number): ReceiptItem[] {
  const out = items.map((it) => ({ ...it }));
  const refold = (it: ReceiptItem, sum: number) => {
    it.sum = sum;
    it.price = it.quantityMicro === QUANTITY_SCALE ? sum : Math.round((sum * QUANTITY_SCALE) / it.quantityMicro);
    it.vatSum = vatAmount(sum, it.vatRate);
  };
  if (amount < 0) {
    const last = out[out.length - 1];
    if (last) refold(last, last.sum - amount);
    return out;
  }
  let left = amount;
  for (const it of out) {
    if (left === 0) break;
    const take = Math.min(it.sum, left);
    if (take > 0) refold(it, it.sum - take);
    left -= take;
  }
  return out;
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
