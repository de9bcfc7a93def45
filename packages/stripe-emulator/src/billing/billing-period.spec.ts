import { periodBoundary, periodEndAfter, type Recurrence } from './billing-period';

const at = (iso: string): number => Date.parse(iso) / 1000;
const iso = (seconds: number): string => new Date(seconds * 1000).toISOString();
const MONTHLY: Recurrence = { interval: 'month', intervalCount: 1 };

describe('billing periods', () => {
  it('adds one calendar month, keeping the time of day', () => {
    expect(iso(periodBoundary(at('2026-03-15T09:30:05Z'), MONTHLY, 1))).toBe('2026-04-15T09:30:05.000Z');
  });

  it('clamps a month-end anchor to the last day of shorter months without losing the anchor day', () => {
    const anchor = at('2026-01-31T12:00:00Z');
    expect([1, 2, 3, 4].map((n) => iso(periodBoundary(anchor, MONTHLY, n)))).toEqual([
      '2026-02-28T12:00:00.000Z',
      '2026-03-31T12:00:00.000Z',
      '2026-04-30T12:00:00.000Z',
      '2026-05-31T12:00:00.000Z',
    ]);
    expect(iso(periodBoundary(at('2028-01-30T00:00:00Z'), MONTHLY, 1))).toBe('2028-02-29T00:00:00.000Z');
  });

  it('crosses the year and counts intervals', () => {
    expect(iso(periodBoundary(at('2026-11-30T00:00:00Z'), { interval: 'month', intervalCount: 3 }, 1))).toBe('2027-02-28T00:00:00.000Z');
    expect(iso(periodBoundary(at('2028-02-29T00:00:00Z'), { interval: 'year', intervalCount: 1 }, 1))).toBe('2029-02-28T00:00:00.000Z');
    expect(periodBoundary(1_000, { interval: 'week', intervalCount: 2 }, 1)).toBe(1_000 + 14 * 86_400);
    expect(periodBoundary(1_000, { interval: 'day', intervalCount: 1 }, 3)).toBe(1_000 + 3 * 86_400);
  });

  it('finds the end of the period holding a moment: a boundary itself starts the next period', () => {
    const anchor = at('2026-01-31T12:00:00Z');
    expect(iso(periodEndAfter(anchor, MONTHLY, anchor))).toBe('2026-02-28T12:00:00.000Z');
    expect(iso(periodEndAfter(anchor, MONTHLY, at('2026-02-28T11:59:59Z')))).toBe('2026-02-28T12:00:00.000Z');
    expect(iso(periodEndAfter(anchor, MONTHLY, at('2026-02-28T12:00:00Z')))).toBe('2026-03-31T12:00:00.000Z');
    expect(iso(periodEndAfter(anchor, MONTHLY, at('2027-07-04T00:00:00Z')))).toBe('2027-07-31T12:00:00.000Z');
  });

  it('before the anchor (a running trial) the period ends at the anchor', () => {
    expect(periodEndAfter(5_000, MONTHLY, 4_000)).toBe(5_000);
  });
});
