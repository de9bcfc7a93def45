import { EMPTY_PARTIAL, mergePartials, unitsOf, type LedgerPartial } from './billable-units';

/** A ledger row's partial, its latest row encoded as the SQL encodes it (fixed-width time and id). */
const row = (timeMicros: number, kind: 0 | 1, id: number, value: number, weight = kind === 0 ? 1 : value): LedgerPartial => ({
  valueSum: String(value),
  weightSum: String(weight),
  latest: `${String(timeMicros).padStart(20, '0')}${kind}${String(id).padStart(20, '0')}:${value}`,
});

describe('billable units as a mergeable partial', () => {
  const rows = [row(1_000, 0, 7, 5), row(3_000, 0, 2, 9), row(3_000, 1, 1, 4), row(2_000, 0, 99, 100), row(3_000, 0, 10, -1, -1)];

  it('merges to the same partial in any grouping and order', () => {
    const all = rows.reduce(mergePartials, EMPTY_PARTIAL);
    const halves = mergePartials(rows.slice(3).reduce(mergePartials, EMPTY_PARTIAL), rows.slice(0, 3).reduce(mergePartials, EMPTY_PARTIAL));
    expect(halves).toEqual(all);
    expect(all.valueSum).toBe('117');
  });

  it('keeps as latest the row with the greatest time, then the correction over the event, then the greatest id', () => {
    const all = rows.reduce(mergePartials, EMPTY_PARTIAL);
    expect(unitsOf('last', all)).toBe('4');
    expect(unitsOf('last', mergePartials(row(3_000, 0, 2, 9), row(3_000, 0, 10, 6)))).toBe('6');
    expect(unitsOf('last', EMPTY_PARTIAL)).toBe('0');
  });

  it('derives each aggregation: sum of values, count by weights (a voided event weighs -1)', () => {
    const counted = [row(1, 0, 1, 40), row(2, 0, 2, 50), row(3, 1, 3, -1, -1)].reduce(mergePartials, EMPTY_PARTIAL);
    expect(unitsOf('count', counted)).toBe('1');
    expect(unitsOf('sum', counted)).toBe('89');
  });

  it('adds beyond 2^53 exactly', () => {
    const large: LedgerPartial = { valueSum: '9007199254740993', weightSum: '9007199254740993', latest: null };
    expect(mergePartials(large, row(2, 0, 2, 1))).toEqual(expect.objectContaining({ valueSum: '9007199254740994', weightSum: '9007199254740994' }));
  });
});
