import { eventTimeOutOfRange, MAX_EVENT_AGE_MS, MAX_EVENT_LEAD_MS, parseInstant } from './usage-timestamp';

describe('parseInstant', () => {
  it.each([
    ['2026-11-25T10:00:00Z', Date.UTC(2026, 10, 25, 10)],
    ['2026-11-25T10:00:00.123Z', Date.UTC(2026, 10, 25, 10, 0, 0, 123)],
    ['2026-11-25T12:00:00+02:00', Date.UTC(2026, 10, 25, 10)],
    ['2026-11-25T05:30-0430', Date.UTC(2026, 10, 25, 10)],
    ['2024-02-29T00:00:00Z', Date.UTC(2024, 1, 29)],
    [1_764_064_800, 1_764_064_800_000],
    [0, 0],
    ['0001-01-01T00:00:00Z', Date.parse('0001-01-01T00:00:00Z')],
    ['9999-12-31T23:59:59.999Z', Date.parse('9999-12-31T23:59:59.999Z')],
  ])('reads %p', (input, expected) => {
    expect(parseInstant(input)).toBe(expected);
  });

  it.each([
    ['no offset', '2026-11-25T10:00:00'],
    ['a date only', '2026-11-25'],
    ['30 February', '2026-02-30T00:00:00Z'],
    ['29 February of a common year', '2026-02-29T00:00:00Z'],
    ['month 13', '2026-13-01T00:00:00Z'],
    ['hour 24', '2026-11-25T24:00:00Z'],
    ['a leap second', '2026-12-31T23:59:60Z'],
    ['a space for T', '2026-11-25 10:00:00Z'],
    ['prose', 'yesterday'],
    ['fractional seconds', 1_764_064_800.5],
    ['negative seconds', -1],
    ['milliseconds', 1_764_064_800_000],
    ['digits as text outside a query', '1764064800'],
    ['a boolean', true],
    ['null', null],
    ['year 0000', '0000-06-01T00:00:00Z'],
    ['a time past 9999 once its offset is applied', '9999-12-31T23:59:59-00:01'],
    ['a time before year 1 once its offset is applied', '0001-01-01T00:00:00+00:01'],
  ])('refuses %s', (_name, input) => {
    expect(parseInstant(input)).toBeUndefined();
  });

  it('reads digits as unix seconds where a query string can only carry text', () => {
    expect(parseInstant('1764064800', true)).toBe(1_764_064_800_000);
  });
});

describe('eventTimeOutOfRange', () => {
  const now = Date.UTC(2026, 10, 25, 12);

  it('accepts the edges of the window: 35 days back, 5 minutes ahead', () => {
    expect(eventTimeOutOfRange(now - MAX_EVENT_AGE_MS, now)).toBeUndefined();
    expect(eventTimeOutOfRange(now + MAX_EVENT_LEAD_MS, now)).toBeUndefined();
  });

  it('says how far in the past or future an event is, and the limit', () => {
    expect(eventTimeOutOfRange(now - MAX_EVENT_AGE_MS - 1, now)).toBe('timestamp 2026-10-21T11:59:59.999Z is 35 days in the past; events may be at most 35 days old');
    expect(eventTimeOutOfRange(now + 6 * 60_000, now)).toBe('timestamp 2026-11-25T12:06:00.000Z is 6 minutes in the future; events may be at most 5 minutes ahead');
  });
});
