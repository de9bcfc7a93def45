import { MAX_METER_EVENT_VALUE, meterEventParts } from './meter-event-parts';

const sum = (parts: { value: string }[]) => parts.reduce((total, part) => total + BigInt(part.value), 0n);

describe('meterEventParts', () => {
  it('sends a report within the limit as one event under its own identifier', () => {
    expect(meterEventParts('mbr_x_0', '999999999999999')).toEqual([{ identifier: 'mbr_x_0', value: '999999999999999' }]);
    expect(meterEventParts('mbr_x_0', '0')).toEqual([{ identifier: 'mbr_x_0', value: '0' }]);
  });

  it('cuts a larger report into events of at most 15 digits that add up to it, named _p1, _p2, …', () => {
    const parts = meterEventParts('mbr_x_0', '1999999999999999');
    expect(parts).toEqual([
      { identifier: 'mbr_x_0', value: '999999999999999' },
      { identifier: 'mbr_x_0_p1', value: '999999999999999' },
      { identifier: 'mbr_x_0_p2', value: '1' },
    ]);
  });

  it('keeps the sign of a negative report in every part', () => {
    const parts = meterEventParts('mbr_x_1', '-2000000000000000');
    expect(sum(parts)).toBe(-2000000000000000n);
    expect(parts.every((part) => BigInt(part.value) < 0n && -BigInt(part.value) <= MAX_METER_EVENT_VALUE)).toBe(true);
  });

  it('covers the largest report a bigint column holds, every part within the limit', () => {
    const parts = meterEventParts('mbr_x_0', '9223372036854775807');
    expect(sum(parts)).toBe(9223372036854775807n);
    expect(parts.every((part) => part.value.replace('-', '').length <= 15)).toBe(true);
    expect(new Set(parts.map((part) => part.identifier)).size).toBe(parts.length);
  });
});
