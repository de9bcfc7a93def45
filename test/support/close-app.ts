import type { INestApplication } from '@nestjs/common';
import { drainHttpServer } from '../../src/graceful-shutdown';

/** How long the requests still in flight may take before their connections are cut. */
const GRACE_MS = 2_000;

/**
 * Closes `app` in the service's own shutdown order (src/graceful-shutdown.ts): the HTTP server is
 * drained first, then Nest's hooks run. Nest's close alone waits for every connection to end, and
 * one that never completes its request (a webhook delivery the emulator aborted mid-send, a stray
 * client) ends only when Node's header-timeout sweep reaches it, past jest's hook limit.
 */
export async function closeApp(app: INestApplication): Promise<void> {
  await drainHttpServer(app.getHttpServer(), GRACE_MS);
  await app.close();
}
