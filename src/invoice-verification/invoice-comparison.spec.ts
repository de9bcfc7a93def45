import type { Stripe } from '../stripe/stripe.constants.js';
import { agrees, compareLine, describeDifferences, matchLines, type MeteredItem } from './invoice-comparison.js';

const item = (price: string, meter: string): MeteredItem => ({ stripePriceId: price, meterId: `id-${meter}`, meter });

function line(price: string, quantity: number, amount: number, unitAmountDecimal = '2'): Stripe.InvoiceLineItem {
  return {
    amount,
    quantity,
    quantity_decimal: String(quantity),
    period: { start: 1_700_000_000, end: 1_702_592_000 },
    pricing: { type: 'price_details', price_details: { price, product: 'prod' }, unit_amount_decimal: unitAmountDecimal },
  } as unknown as Stripe.InvoiceLineItem;
}

const invoiceOf = (...lines: Stripe.InvoiceLineItem[]) => ({ lines: { data: lines } }) as unknown as Stripe.Invoice;

describe('invoice comparison', () => {
  it('matches lines to meters by price, whatever their position, and ignores prices that are not ours', () => {
    const items = [item('price_a', 'calls'), item('price_b', 'seats')];
    const matched = matchLines(invoiceOf(line('price_other', 1, 100), line('price_b', 3, 6), line('price_a', 5, 10)), items);
    expect(matched.map((m) => [m.item.meter, m.line.quantity])).toEqual([
      ['seats', 3],
      ['calls', 5],
    ]);
  });

  it('records the extra units and their amount in minor units', () => {
    const [matched] = matchLines(invoiceOf(line('price_a', 15, 30)), [item('price_a', 'calls')]);
    const compared = compareLine(matched!, '10', 'usd');
    expect(compared).toMatchObject({ ledgerUnits: '10', invoiceUnits: '15', unitDifference: '5', amountDifference: 10 });
    expect(agrees(compared)).toBe(false);
    expect(describeDifferences([compared])).toBe('calls: invoice 15, ledger 10 (+5 units, +10 usd minor units)');
  });

  it('records missing units as negative, rounding the ledger amount as Stripe rounds a line (half up)', () => {
    const [matched] = matchLines(invoiceOf(line('price_a', 0, 0, '0.5')), [item('price_a', 'calls')]);
    expect(compareLine(matched!, '3', 'usd')).toMatchObject({ unitDifference: '-3', amountDifference: -2 });
  });

  it('agrees when the units are equal', () => {
    const [matched] = matchLines(invoiceOf(line('price_a', 7, 14)), [item('price_a', 'calls')]);
    const compared = compareLine(matched!, '7', 'usd');
    expect(agrees(compared)).toBe(true);
    expect(describeDifferences([compared])).toBe('');
  });
});
