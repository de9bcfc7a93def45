import type { CallHandler, ExecutionContext, NestInterceptor } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { Observable } from 'rxjs';
import { UnparsedBody } from './json-body.js';

/**
 * Answers a body the parser could not read with its error, now that the guards have authenticated
 * the caller: interceptors run after guards and before pipes and handlers.
 */
export class UnparsedBodyInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const body = context.switchToHttp().getRequest<FastifyRequest>().body;
    if (body instanceof UnparsedBody) throw body.error;
    return next.handle();
  }
}
