import { chooseLogFormat } from './log-format';

describe('chooseLogFormat', () => {
  it('prints human-readable lines for a developer at a terminal', () => {
    expect(chooseLogFormat('development', true, true)).toBe('pretty');
  });

  it.each([
    ['production at a terminal', 'production', true, true],
    ['tests at a terminal', 'test', true, true],
    ['development piped or redirected', 'development', false, true],
    ['development with no stdout stream', 'development', undefined, true],
    ['development without pino-pretty installed (a production image)', 'development', true, false],
  ] as const)('keeps JSON lines in %s', (_case, nodeEnv, tty, installed) => {
    expect(chooseLogFormat(nodeEnv, tty, installed)).toBe('json');
  });
});
