import { lineAmount } from './line-amount';

describe('invoice line amounts', () => {
  it('multiplies a decimal unit amount and rounds the line to a whole minor unit, halves up (Stripe: 0.05 × 30 = 1.5 → 2)', () => {
    expect(lineAmount('0.05', 30n)).toBe(2);
    expect(lineAmount('0.05', 29n)).toBe(1);
    expect(lineAmount('0.5', 1005n)).toBe(503);
    expect(lineAmount('5', 1005n)).toBe(5025);
  });

  it('keeps exact precision for twelve decimal places and fifteen-digit quantities', () => {
    expect(lineAmount('0.000000000001', 999_999_999_999_999n)).toBe(1000);
    expect(lineAmount('0.0125', 123_456_789_012_345n)).toBe(1_543_209_862_654);
  });

  it('rounds negative usage symmetrically', () => {
    expect(lineAmount('0.05', -30n)).toBe(-2);
    expect(lineAmount('0', 10n)).toBe(0);
  });
});
