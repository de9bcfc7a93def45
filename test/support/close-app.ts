import type { Server } from 'node:http';
import type { INestApplication } from '@nestjs/common';

/** How long a connection may stay open once the app has stopped listening (its request may still finish). */
const STRAGGLER_GRACE_MS = 2_000;

/**
 * Closes `app` without waiting on a connection that never completes a request. Nest's close waits
 * for every connection to end, and one that never finishes its request (a webhook delivery the
 * emulator aborted mid-send, a stray client) ends only when Node's header-timeout sweep reaches
 * it: 30 s + 30 s, past jest's hook limit (seen in apps that receive the emulator's webhooks).
 * Once the app has stopped listening, what is still connected after a short grace is cut, as the
 * service's own shutdown does after SHUTDOWN_GRACE_MS (src/graceful-shutdown.ts).
 */
export async function closeApp(app: INestApplication): Promise<void> {
  const server = app.getHttpServer() as Server;
  let stoppedListeningAt: number | undefined;
  const cut = setInterval(() => {
    if (server.listening) return;
    stoppedListeningAt ??= Date.now();
    if (Date.now() - stoppedListeningAt >= STRAGGLER_GRACE_MS) server.closeAllConnections();
  }, 50);
  try {
    await app.close();
  } finally {
    clearInterval(cut);
  }
}
