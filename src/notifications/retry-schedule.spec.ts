import { loadAppConfig } from '../config/app-config.js';
import { retryDelayMs } from './notification-deliverer.service.js';

const HOUR = 3_600_000;

describe('notification retry schedule', () => {
  const { maxAttempts, retryBaseMs, retryMaxDelayMs } = loadAppConfig({}, '/nonexistent/.env').notifications;
  const total = () => Array.from({ length: maxAttempts - 1 }, (_, index) => retryDelayMs(index + 1, retryBaseMs, retryMaxDelayMs)).reduce((sum, delay) => sum + delay, 0);

  afterEach(() => jest.restoreAllMocks());

  it('spans more than a day with the default settings even when every jitter is the smallest', () => {
    jest.spyOn(Math, 'random').mockReturnValue(0);
    expect(total()).toBeGreaterThan(24 * HOUR);
  });

  it('doubles from the base up to the cap, each delay between half and all of its nominal value', () => {
    jest.spyOn(Math, 'random').mockReturnValue(0.999999);
    expect(retryDelayMs(1, 1000, 10_000)).toBeCloseTo(1000, -1);
    expect(retryDelayMs(3, 1000, 10_000)).toBeCloseTo(4000, -1);
    expect(retryDelayMs(10, 1000, 10_000)).toBeCloseTo(10_000, -1);
    jest.spyOn(Math, 'random').mockReturnValue(0);
    expect(retryDelayMs(3, 1000, 10_000)).toBe(2000);
  });
});
