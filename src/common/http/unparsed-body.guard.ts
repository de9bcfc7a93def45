import type { CanActivate, ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { UnparsedBody } from './json-body.js';

/**
 * Answers a body the parser could not read with its error, once the caller is authenticated and
 * within its rate limit: the last of the global guards (see AuthModule). A guard rather than an
 * interceptor: with no interceptor at all, Nest calls each handler without building an RxJS
 * pipeline per request.
 */
export class UnparsedBodyGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const body = context.switchToHttp().getRequest<FastifyRequest>().body;
    if (body instanceof UnparsedBody) throw body.error;
    return true;
  }
}
