/** A bad STRIPE_EMULATOR_* variable: its message names the variable, never a stack. */
export class EmulatorSettingsError extends Error {
  override readonly name = 'EmulatorSettingsError';
}

/**
 * Where the standalone emulator listens, from its own two variables (the service's configuration is
 * not loaded): STRIPE_EMULATOR_PORT (default 12111, 0 picks a free port) and STRIPE_EMULATOR_HOST
 * (default 127.0.0.1).
 */
export function listenAddress(env: NodeJS.ProcessEnv): { host: string; port: number } {
  const port = env.STRIPE_EMULATOR_PORT?.trim() || '12111';
  if (!/^\d{1,5}$/.test(port) || Number(port) > 65_535) throw new EmulatorSettingsError('STRIPE_EMULATOR_PORT must be a port number (0-65535)');
  return { host: env.STRIPE_EMULATOR_HOST?.trim() || '127.0.0.1', port: Number(port) };
}
