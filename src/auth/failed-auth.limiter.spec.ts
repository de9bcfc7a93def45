import { FailedAuthLimiter } from './failed-auth.limiter';

describe('FailedAuthLimiter', () => {
  let now = 1_000_000;
  const limiter = () => new FailedAuthLimiter(3, 5_000, () => now);

  it('lets an address have keys looked up until its failures reach the limit, then until the minute ends', () => {
    const subject = limiter();
    for (let failure = 0; failure < 3; failure += 1) {
      expect(subject.retryAfterMs('10.0.0.1')).toBe(0);
      subject.recordFailure('10.0.0.1', `digest-${failure}`);
    }
    expect(subject.retryAfterMs('10.0.0.1')).toBe(60_000);
    expect(subject.retryAfterMs('10.0.0.2')).toBe(0);
    now += 59_999;
    expect(subject.retryAfterMs('10.0.0.1')).toBe(1);
    now += 1;
    expect(subject.retryAfterMs('10.0.0.1')).toBe(0);
  });

  it('remembers a key found unknown for the negative-cache time only, and forgets it on demand', () => {
    const subject = limiter();
    subject.recordFailure('10.0.0.1', 'digest');
    expect(subject.isKnownUnknown('digest')).toBe(true);
    now += 5_000;
    expect(subject.isKnownUnknown('digest')).toBe(false);
    subject.recordFailure('10.0.0.1', 'digest');
    subject.forget('digest');
    expect(subject.isKnownUnknown('digest')).toBe(false);
  });

  it('keeps no negative cache when its time is 0', () => {
    const subject = new FailedAuthLimiter(3, 0, () => now);
    subject.recordFailure('10.0.0.1', 'digest');
    expect(subject.isKnownUnknown('digest')).toBe(false);
  });

  it('tracks at most 10,000 addresses, dropping the oldest', () => {
    const subject = new FailedAuthLimiter(1, 0, () => now);
    for (let address = 0; address <= 10_000; address += 1) subject.recordFailure(`a${address}`, 'd');
    expect(subject.retryAfterMs('a0')).toBe(0);
    expect(subject.retryAfterMs('a10000')).toBe(60_000);
  });
});
