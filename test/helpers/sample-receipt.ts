/** The request body of API.md's `POST /v1/kkt/receipt` example: 2 × 100 ₽ at 22 %, paid in cash. */
export function sampleReceipt(overrides: Record<string, unknown> = {}) {
  return {
    pos_id: 'POS-001',
    type: 'sale',
    items: [
      {
        name: 'Lens',
        price: 100,
        quantity: 2,
        vat_rate: 22,
        payment_method: 'full_payment',
        payment_object: 'commodity',
      },
    ],
    payments: [{ type: 'cash', amount: 200 }],
    taxation_type: 'osn',
    cashier: 'Иванов И.И.',
    customer_contact: '+79161234567',
    ...overrides,
  };
}
