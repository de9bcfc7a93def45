import { partIdentifier, REPORT_IDENTIFIER_PATTERN, reportIdentifier } from './report-identifier';

describe('reportIdentifier', () => {
  const customer = '3f0c8b1e-6a7d-4c2b-9e1f-0123456789ab';
  const meter = '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d';
  const windowStart = new Date('2026-11-25T14:23:17.000Z');

  it('is made of what the report is: customer, meter, window start (µs) and sequence', () => {
    expect(reportIdentifier(customer, meter, windowStart, 0)).toBe('mbr_3f0c8b1e6a7d4c2b9e1f0123456789ab_9a8b7c6d5e4f4a3b8c2d1e0f9a8b7c6d_1795616597000000_0');
  });

  it('is the same every time it is computed, and differs for the next sequence or window', () => {
    const first = reportIdentifier(customer, meter, windowStart, 3);
    expect(reportIdentifier(customer, meter, new Date(windowStart.getTime()), 3)).toBe(first);
    expect(reportIdentifier(customer, meter, windowStart, 4)).not.toBe(first);
    expect(reportIdentifier(customer, meter, new Date(windowStart.getTime() + 1), 3)).not.toBe(first);
  });

  it("stays within Stripe's 100 characters for any sequence a window can reach", () => {
    expect(reportIdentifier(customer, meter, new Date('2999-12-31T23:59:59.999Z'), 999_999).length).toBeLessThanOrEqual(100);
  });

  it('is recognised by REPORT_IDENTIFIER_PATTERN, as are its parts, and nothing else is', () => {
    const pattern = new RegExp(REPORT_IDENTIFIER_PATTERN);
    const identifier = reportIdentifier(customer, meter, windowStart, 2);
    expect([identifier, partIdentifier(identifier, 0), partIdentifier(identifier, 3)].every((candidate) => pattern.test(candidate))).toBe(true);
    expect(partIdentifier(identifier, 3)).toBe(`${identifier}_p3`);
    expect([`x${identifier}`, `${identifier}_q1`, 'mbr_1_2_3_4', 'evt_123'].some((candidate) => pattern.test(candidate))).toBe(false);
  });
});
