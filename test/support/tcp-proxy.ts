import { createServer, connect, type Socket } from 'node:net';

export interface TcpProxy {
  port: number;
  /** Refuses new connections and cuts the open ones: the target looks unreachable. */
  cut(): void;
  /** Stops forwarding on the open connections, which stay open: the target looks hung (a paused process). */
  pause(): void;
  /** Forwards again what was held and what follows. */
  resume(): void;
  close(): Promise<void>;
}

/** Forwards local connections to a target, so a test can make a dependency disappear on demand. */
export async function startTcpProxy(targetHost: string, targetPort: number): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  const pairs = new Set<[Socket, Socket]>();
  let open = true;
  const server = createServer((client) => {
    if (!open) return client.destroy();
    const upstream = connect(targetPort, targetHost);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => socket.destroy());
    }
    client.pipe(upstream).pipe(client);
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    client.on('close', () => pairs.delete(pair));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('proxy has no port');
  return {
    port: address.port,
    cut: () => {
      open = false;
      for (const socket of sockets) socket.destroy();
    },
    pause: () => {
      for (const [client, upstream] of pairs) {
        client.unpipe(upstream);
        client.pause();
      }
    },
    resume: () => {
      for (const [client, upstream] of pairs) client.pipe(upstream);
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
