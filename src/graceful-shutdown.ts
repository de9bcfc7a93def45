import type { Server } from 'node:http';
import { Logger, type INestApplication } from '@nestjs/common';
import { ShutdownState } from './health/shutdown-state.js';

export interface GracefulShutdownOptions {
  /** How long in-flight requests may take to finish before their connections are cut. */
  graceMs: number;
  /** Runs after the application has closed: the embedded database stops here, last. */
  afterClose(): Promise<void>;
}

/**
 * On SIGTERM or SIGINT: readiness answers 503 at once; the listener closes so no new connection
 * is accepted; requests in flight get `graceMs` to finish (each 2xx they send is already durable);
 * then Nest's shutdown hooks run (`beforeApplicationShutdown` / `onApplicationShutdown`: the
 * reporter must finish or release its claimed batch and its advisory lock there, before the ORM
 * closes); then `afterClose`, and the process exits 0.
 *
 * Nest's `enableShutdownHooks()` is deliberately not used: it closes the database before the HTTP
 * server has drained, and re-raises the signal afterwards, which turns the exit code into 143.
 */
export function installGracefulShutdown(app: INestApplication, options: GracefulShutdownOptions): void {
  const logger = new Logger('Shutdown');
  let started = false;
  const shutdown = async (signal: NodeJS.Signals): Promise<void> => {
    if (started) return;
    started = true;
    logger.log({ signal, graceMs: options.graceMs }, `${signal}: not ready any more, draining in-flight requests`);
    app.get(ShutdownState).begin();
    let exitCode = 0;
    try {
      if (!(await drainHttpServer(app.getHttpServer(), options.graceMs))) {
        logger.warn({ graceMs: options.graceMs }, 'requests still running after the grace period: their connections were cut');
      }
      await app.close();
    } catch (error) {
      logger.error({ err: error }, 'error while shutting down');
      exitCode = 1;
    }
    await options.afterClose().catch((error: unknown) => {
      logger.error({ err: error }, 'error while stopping the embedded database');
      exitCode = 1;
    });
    process.exit(exitCode);
  };
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => void shutdown(signal));
}

/**
 * Stops accepting connections and waits for the requests in flight, closing idle keep-alive
 * connections at once and cutting what is still connected after `graceMs` (a client that never
 * completes its request would otherwise hold the close for Node's header-timeout sweep). Resolves
 * true when every request finished within the grace period, false when some were cut.
 */
export function drainHttpServer(server: Server, graceMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    let drained = true;
    // a keep-alive connection whose request just finished is idle: close it rather than wait for the client
    const idle = setInterval(() => server.closeIdleConnections(), 50);
    const deadline = setTimeout(() => {
      drained = false;
      server.closeAllConnections();
    }, graceMs);
    server.close(() => {
      clearInterval(idle);
      clearTimeout(deadline);
      resolve(drained);
    });
  });
}
