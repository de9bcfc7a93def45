import { FaultInjector } from './faults';

describe('FaultInjector', () => {
  it('fails exactly the next request by default, then lets requests through', () => {
    const faults = new FaultInjector();
    faults.add({ kind: 'server_error' });
    expect([faults.next('GET', '/v1/customers'), faults.next('GET', '/v1/customers')]).toEqual(['server_error', undefined]);
    expect(faults.list()).toEqual([]);
  });

  it('spreads a share evenly and deterministically over the matching requests', () => {
    const faults = new FaultInjector();
    faults.add({ kind: 'rate_limit', share: 1 / 3 });
    const hits = Array.from({ length: 9 }, (_, index) => (faults.next('POST', '/v1/billing/meter_events') ? index + 1 : 0)).filter(Boolean);
    expect(hits).toEqual([3, 6, 9]);
  });

  it('only counts requests that match its method and path prefix', () => {
    const faults = new FaultInjector();
    faults.add({ kind: 'hang', count: 1, method: 'post', pathPrefix: '/v1/billing/meter_events' });
    expect(faults.next('GET', '/v1/billing/meter_events')).toBeUndefined();
    expect(faults.next('POST', '/v1/customers')).toBeUndefined();
    expect(faults.next('POST', '/v1/billing/meter_events')).toBe('hang');
  });

  it('refuses a share outside (0, 1] and a count below 1', () => {
    const faults = new FaultInjector();
    expect(() => faults.add({ kind: 'server_error', share: 1.5 })).toThrow(/share/);
    expect(() => faults.add({ kind: 'server_error', count: 0 })).toThrow(/count/);
  });
});
