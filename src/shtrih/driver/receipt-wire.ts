import { OPERATIONS, PAYMENT_METHODS, PAYMENT_OBJECTS } from '../../fiscal/codes.ts';
import type { CorrectionBasis, ReceiptInput } from '../../fiscal/document.ts';
import { MEASURES } from '../../fiscal/measure.ts';
import { FF45_PAYMENT, type OperationV2 } from '../protocol/commands/index.ts';
import { correctionTlvs, REQUEST_ID_PROPERTY, TAG } from '../protocol/document-tlv.ts';
import { type TaxByteMode, taxByteOfRow } from '../protocol/tax-byte.ts';
import { encodeTlv, encodeTlvs, tlvByte, tlvPadded, tlvString } from '../protocol/tlv.ts';

/** How a ReceiptInput goes on the wire: FF46h lines, FF0Ch properties, FF45h payments. */

const DEPARTMENT = 1;

/** `rows`: each line's table 6 row (ShtrihDriver.taxRows). */
export function receiptLines(
  receipt: ReceiptInput,
  password: number,
  rows: readonly number[],
  taxByte?: TaxByteMode,
): OperationV2[] {
  return receipt.items.map((it, i) => ({
    password,
    operation: OPERATIONS[receipt.operation],
    // FF46h carries millionths, as kkt-emu quantities are.
    quantity: it.quantityMicro,
    price: it.price,
    // Sum and VAT are sent, not left to the ККТ, so the document holds exactly what was validated.
    sum: it.sum,
    taxAmount: it.vatSum,
    tax: taxByteOfRow(rows[i] ?? 0, taxByte),
    department: DEPARTMENT,
    paymentMethod: PAYMENT_METHODS[it.paymentMethod],
    paymentObject: PAYMENT_OBJECTS[it.paymentObject],
    name: it.name,
  }));
}

/**
 * FF4Dh after a line: its 2108 мера количества when not pieces (FFD 1.2 line tag; javapos sends
 * line tags with FF4Dh, `fsWriteOperationTag`). One entry per line, null when there is none.
 */
export function lineTags(receipt: ReceiptInput): (Buffer | null)[] {
  return receipt.items.map((it) =>
    it.measure === undefined ? null : encodeTlvs([tlvByte(TAG.measure, MEASURES[it.measure])]),
  );
}

/**
 * FF0Ch TLVs: 1021 cashier, 1203 cashier INN (the Go driver's `CreateWriteCashierINN`, javapos
 * `writeVATINTag`), 1008 buyer contact, 1227/1228 the customer, and the adapter's request id as a 1084 user
 * property (1085 "request_id", 1086 the id): 1192 would hold only 16 characters, a UUID has 36.
 */
export function receiptProperties(receipt: ReceiptInput): Buffer[] {
  const out: Buffer[] = [];
  if (receipt.cashier !== undefined) out.push(encodeTlvs([tlvString(TAG.operator, receipt.cashier)]));
  if (receipt.cashierInn !== undefined) out.push(encodeTlvs([tlvPadded(TAG.cashierInn, receipt.cashierInn, 12)]));
  if (receipt.customer?.name !== undefined) out.push(encodeTlvs([tlvString(TAG.customerName, receipt.customer.name)]));
  if (receipt.customer?.inn !== undefined) out.push(encodeTlvs([tlvPadded(TAG.customerInn, receipt.customer.inn, 12)]));
  if (receipt.customerContact !== undefined)
    out.push(encodeTlvs([tlvString(TAG.buyerContact, receipt.customerContact)]));
  if (receipt.requestId !== undefined)
    out.push(
      encodeTlv(
        TAG.userProperty,
        encodeTlvs([
          tlvString(TAG.userPropertyName, REQUEST_ID_PROPERTY),
          tlvString(TAG.userPropertyValue, receipt.requestId),
        ]),
      ),
    );
  return out;
}

/** FF0Ch after FF35h: 1173, then 1174 (1178, 1179), each its own TLV. */
export function correctionProperties(basis: CorrectionBasis): Buffer[] {
  return correctionTlvs(basis).map((t) => encodeTlvs([t]));
}

/**
 * Registers the cash commands read: 1Ah 241 cash in drawer, 242/243 the shift's cash-in and
 * cash-out sums, 1Bh 153/154 their counts (javapos `CashRegister.java`, docs/shtrih.md).
 */
export const CASH_REGISTERS = { drawer: 241, cashInSum: 242, cashOutSum: 243, cashIns: 153, cashOuts: 154 } as const;

export function cashierProperty(cashier: string): Buffer {
  return encodeTlvs([tlvString(TAG.operator, cashier)]);
}

/** FF45h's 16 payment slots: 1 cash, 2 electronic, 14 prepayment, 15 credit, 16 counter-provision. */
export function paymentSlots(receipt: ReceiptInput): number[] {
  const p = receipt.payments;
  const slots = new Array<number>(16).fill(0);
  slots[FF45_PAYMENT.cash] = p.cash;
  slots[FF45_PAYMENT.electronicFirst] = p.card;
  slots[FF45_PAYMENT.prepayment] = p.prepaid;
  slots[FF45_PAYMENT.credit] = p.credit;
  slots[FF45_PAYMENT.counterProvision] = p.other;
  return slots;
}
