import { Injectable, Logger, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DomainError } from '../common/errors/domain-error.js';
import { ApiKeysService, type ApiKeyView } from './api-keys.service.js';
import { routeAccess } from './route-access.js';
import { AuthErrors } from './auth.errors.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The verified key of the caller, set by ApiKeyGuard on every non-public route. */
    apiKey?: ApiKeyView;
  }
}

const BEARER = /^Bearer\s+(\S+)\s*$/i;

/**
 * The global guard, deny by default: a route opens to callers without a key only with
 * `@Public()`, otherwise it needs a key holding one of its `@RequireScopes(...)` (`admin` holds
 * them all). A route that declares neither is refused even to admin keys.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  private readonly logger = new Logger(ApiKeyGuard.name);

  constructor(
    private readonly reflector: Reflector,
    private readonly apiKeys: ApiKeysService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const access = routeAccess(this.reflector, context);
    if (access.kind === 'public') return true;
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const token = BEARER.exec(request.headers.authorization ?? '')?.[1];
    const verification = token ? await this.apiKeys.verify(token, request.ip) : undefined;
    const response = context.switchToHttp().getResponse<FastifyReply>();
    if (verification?.outcome === 'throttled') {
      const seconds = Math.ceil(verification.retryAfterMs / 1000);
      void response.header('Retry-After', String(seconds));
      throw new DomainError(AuthErrors.RATE_LIMITED, `Too many requests with unknown API keys from this address; retry after ${seconds}s`);
    }
    if (verification?.outcome !== 'key') {
      void response.header('WWW-Authenticate', 'Bearer');
      throw new DomainError(AuthErrors.UNAUTHENTICATED, 'A valid API key is required: Authorization: Bearer <key>');
    }
    const key = verification.key;
    request.apiKey = key;
    if (access.kind === 'undeclared') {
      this.logger.error({ route: `${context.getClass().name}.${context.getHandler().name}` }, 'route declares neither @Public() nor @RequireScopes(): refused');
      throw new DomainError(AuthErrors.FORBIDDEN_SCOPE, 'This route declares no scope, so no key may call it');
    }
    if (!key.scopes.includes('admin') && !access.scopes.some((scope) => key.scopes.includes(scope))) {
      throw new DomainError(AuthErrors.FORBIDDEN_SCOPE, `This route needs a key with one of the scopes: ${access.scopes.join(', ')}`);
    }
    return true;
  }
}
