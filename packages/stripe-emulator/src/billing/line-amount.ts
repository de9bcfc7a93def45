/**
 * `unit_amount_decimal` (minor units, up to 12 decimal places) × quantity, rounded to a whole
 * minor unit per line as Stripe does (0.05 × 30 = 1.5 → 2: halves round away from zero).
 * Exact integer arithmetic: a float would misprice large quantities.
 */
export function lineAmount(unitAmountDecimal: string, quantity: bigint): number {
  const negative = unitAmountDecimal.startsWith('-');
  const [whole = '0', fraction = ''] = unitAmountDecimal.replace('-', '').split('.');
  const scale = 10n ** BigInt(fraction.length);
  const scaledUnit = BigInt(whole) * scale + BigInt(fraction || '0');
  const exact = scaledUnit * (quantity < 0n ? -quantity : quantity);
  const rounded = (exact * 2n + scale) / (scale * 2n);
  const sign = negative !== quantity < 0n ? -1 : 1;
  return sign * Number(rounded);
}
