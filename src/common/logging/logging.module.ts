import { Module, type DynamicModule } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import type { Logger } from 'pino';

/**
 * Nest's own logs go to the process's pino logger; inside a request, to one bound to the request
 * id (see bindRequestLogs: nestjs-pino's own middleware loses its context on Fastify before the
 * handler of a request with a body runs, so it is mounted on no route).
 */
@Module({})
export class LoggingModule {
  static forRoot(logger: Logger): DynamicModule {
    return { module: LoggingModule, imports: [LoggerModule.forRoot({ pinoHttp: { logger }, useExisting: true, forRoutes: [] })] };
  }
}
