/** One line saying why the service could not start, without a stack or a connection string. */
export function describeStartupFailure(error: unknown): string {
  const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
  const code = (error as { code?: unknown } | null)?.code;
  return `Meterbridge could not start: ${reason}${typeof code === 'string' && !reason.includes(code) ? ` (${code})` : ''}`;
}
