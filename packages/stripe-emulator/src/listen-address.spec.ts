import { EmulatorSettingsError, listenAddress } from './listen-address';

describe('the standalone emulator listen address', () => {
  it('defaults to 127.0.0.1:12111', () => {
    expect(listenAddress({})).toEqual({ host: '127.0.0.1', port: 12111 });
  });

  it('takes STRIPE_EMULATOR_HOST and STRIPE_EMULATOR_PORT', () => {
    expect(listenAddress({ STRIPE_EMULATOR_HOST: '0.0.0.0', STRIPE_EMULATOR_PORT: '0' })).toEqual({ host: '0.0.0.0', port: 0 });
  });

  it.each(['x', '-1', '65536', '1.5'])('refuses STRIPE_EMULATOR_PORT=%s, naming the variable', (value) => {
    expect(() => listenAddress({ STRIPE_EMULATOR_PORT: value })).toThrow(new EmulatorSettingsError('STRIPE_EMULATOR_PORT must be a port number (0-65535)'));
  });
});
