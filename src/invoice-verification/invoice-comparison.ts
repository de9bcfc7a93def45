import type { Stripe } from '../stripe/stripe.constants.js';
import type { VerifiedLine } from './invoice-verification.entity.js';

/** A subscription item of ours: the price Stripe bills it under and the meter it counts. */
export interface MeteredItem {
  stripePriceId: string;
  meterId: string;
  meter: string;
}

/** A metered line of the invoice matched to one of our items by price (never by position). */
export interface MatchedLine {
  key: string;
  item: MeteredItem;
  line: Stripe.InvoiceLineItem;
}

const priceOf = (line: Stripe.InvoiceLineItem): string | undefined => {
  const price = line.pricing?.price_details?.price;
  return typeof price === 'string' ? price : price?.id;
};

/** The invoice's lines billed under one of our metered prices; other lines are not ours to verify. */
export function matchLines(invoice: Stripe.Invoice, items: MeteredItem[]): MatchedLine[] {
  const byPrice = new Map(items.map((item) => [item.stripePriceId, item]));
  return invoice.lines.data.flatMap((line, index) => {
    const item = byPrice.get(priceOf(line) ?? '');
    return item ? [{ key: String(index), item, line }] : [];
  });
}

/** Stripe's rounding of quantity × unit amount to minor units (half away from zero). */
function amountOf(units: number, unitAmountDecimal: string | null | undefined): number {
  const raw = units * Number(unitAmountDecimal ?? 0);
  return Math.sign(raw) * Math.round(Math.abs(raw));
}

/** One compared line: the ledger's units for the line's own period against what the line bills. */
export function compareLine(matched: MatchedLine, ledgerUnits: string, currency: string): VerifiedLine {
  const { line, item } = matched;
  const invoiceUnits = String(line.quantity_decimal ?? line.quantity ?? 0);
  const ledger = Number(ledgerUnits);
  const billed = Number(invoiceUnits);
  // a line in a trial is charged nothing whatever its quantity: compare amounts only where it charges
  const ledgerAmount = line.amount === 0 && billed > 0 ? 0 : amountOf(ledger, line.pricing?.unit_amount_decimal?.toString());
  return {
    stripePriceId: item.stripePriceId,
    meterId: item.meterId,
    meter: item.meter,
    periodStart: new Date(line.period.start * 1000).toISOString(),
    periodEnd: new Date(line.period.end * 1000).toISOString(),
    ledgerUnits,
    invoiceUnits,
    unitDifference: String(billed - ledger),
    amountDifference: line.amount - ledgerAmount,
    currency,
  };
}

export const agrees = (line: VerifiedLine) => line.unitDifference === '0';

/** What disagrees, for people: "api_calls: invoice 15, ledger 10 (+5 units, +10 usd minor units)". */
export function describeDifferences(lines: VerifiedLine[]): string {
  const signed = (value: number) => (value > 0 ? `+${value}` : String(value));
  return lines
    .filter((line) => !agrees(line))
    .map((line) => `${line.meter}: invoice ${line.invoiceUnits}, ledger ${line.ledgerUnits} (${signed(Number(line.unitDifference))} units, ${signed(line.amountDifference)} ${line.currency} minor units)`)
    .join('; ');
}
