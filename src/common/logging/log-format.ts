import { pino, type DestinationStream } from 'pino';
import type { AppConfig } from '../../config/app-config.js';

export type LogFormat = 'pretty' | 'json';

/**
 * Human-readable lines only for a person at a terminal in development; JSON lines everywhere
 * else (production, tests, a pipe, a file, a log collector), because that is what machines parse.
 * pino-pretty is a development dependency: where it is not installed, JSON.
 */
export function chooseLogFormat(nodeEnv: AppConfig['nodeEnv'], stdoutIsTty: boolean | undefined, prettyInstalled: boolean): LogFormat {
  return nodeEnv === 'development' && stdoutIsTty === true && prettyInstalled ? 'pretty' : 'json';
}

function prettyInstalled(): boolean {
  try {
    require.resolve('pino-pretty');
    return true;
  } catch {
    return false;
  }
}

/** Where the process logs: pino-pretty's transport (a worker thread) for a developer's terminal, else pino's JSON on stdout. */
export function defaultLogDestination(config: AppConfig): DestinationStream | undefined {
  if (chooseLogFormat(config.nodeEnv, process.stdout.isTTY, prettyInstalled()) === 'json') return undefined;
  return pino.transport({ target: 'pino-pretty', options: { destination: 1, colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' } });
}
