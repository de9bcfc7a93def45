import { AsyncLocalStorage } from 'node:async_hooks';
import Fastify from 'fastify';
import type { PinoLogger } from 'nestjs-pino';
import { bindRequestLogs } from './access-log';

describe('bindRequestLogs', () => {
  it('runs the handler of a request with a body inside the request-id context, across awaits', async () => {
    const context = new AsyncLocalStorage<Record<string, unknown>>();
    const logger = { runInContext: (fn: () => unknown, options: { bindings: Record<string, unknown> }) => context.run(options.bindings, fn) };
    const fastify = Fastify({ genReqId: () => 'req-42' });
    bindRequestLogs(fastify, logger as unknown as PinoLogger);
    fastify.post('/probe', async () => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      return { seen: context.getStore() ?? null };
    });
    const response = await fastify.inject({ method: 'POST', url: '/probe', payload: { any: 'body' } });
    expect(response.json()).toEqual({ seen: { reqId: 'req-42' } });
    await fastify.close();
  });
});
