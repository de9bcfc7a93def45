import { Inject, Injectable, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ThrottlerGuard, type ThrottlerLimitDetail, type ThrottlerStorage } from '@nestjs/throttler';
import type { ConfigType } from '@nestjs/config';
import type { FastifyReply } from 'fastify';
import { DomainError } from '../common/errors/domain-error.js';
import { rateLimitConfig } from '../config/namespaces.js';
import { routeAccess, type RouteAccess } from './route-access.js';
import { AuthErrors } from './auth.errors.js';

export const RATE_LIMIT_STORAGE = Symbol('RATE_LIMIT_STORAGE');

const WINDOW_MS = 60_000;
type Bucket = 'default' | 'usage:write' | 'usage:read';

/** Ingest and read routes get their own budget; admin-only and public routes share the default one. */
function bucketOf(access: RouteAccess): Bucket {
  if (access.kind !== 'scoped') return 'default';
  return access.scopes.find((scope): scope is Exclude<Bucket, 'default'> => scope === 'usage:write' || scope === 'usage:read') ?? 'default';
}

/**
 * Requests per minute per API key and bucket (per client IP on public routes), counted in Redis
 * when REDIS_URL is set so every replica shares one counter. Runs after ApiKeyGuard, which sets
 * `request.apiKey`. Health and webhook routes opt out with `@SkipThrottle()`.
 */
@Injectable()
export class RateLimitGuard extends ThrottlerGuard {
  // every parameter names its token: ThrottlerGuard's own parameter decorators are inherited otherwise
  constructor(
    @Inject(rateLimitConfig.KEY) rateLimit: ConfigType<typeof rateLimitConfig>,
    @Inject(RATE_LIMIT_STORAGE) storage: ThrottlerStorage,
    @Inject(Reflector) reflector: Reflector,
  ) {
    const limits: Record<Bucket, number> = {
      default: rateLimit.defaultPerMinute,
      'usage:write': rateLimit.usageWritePerMinute,
      'usage:read': rateLimit.usageReadPerMinute,
    };
    super({ throttlers: [{ name: 'default', ttl: WINDOW_MS, limit: (context) => limits[bucketOf(routeAccess(reflector, context))] }] }, storage, reflector);
    // the IETF RateLimit header fields, not the X- prefixed ones
    this.headerPrefix = 'RateLimit';
  }

  protected override async shouldSkip(context: ExecutionContext): Promise<boolean> {
    return context.getType() !== 'http';
  }

  protected override async getTracker(request: Record<string, unknown>): Promise<string> {
    const apiKey = request.apiKey as { id: string } | undefined;
    return apiKey ? `key:${apiKey.id}` : `ip:${await super.getTracker(request)}`;
  }

  /** One counter per caller and bucket, whichever route of the bucket is called. */
  protected override generateKey(context: ExecutionContext, tracker: string, throttlerName: string): string {
    return `${throttlerName}:${bucketOf(routeAccess(this.reflector, context))}:${tracker}`;
  }

  protected override async throwThrottlingException(context: ExecutionContext, detail: ThrottlerLimitDetail): Promise<void> {
    const response = context.switchToHttp().getResponse<FastifyReply>();
    void response.headers({ 'RateLimit-Limit': detail.limit, 'RateLimit-Remaining': 0, 'RateLimit-Reset': detail.timeToBlockExpire });
    throw new DomainError(AuthErrors.RATE_LIMITED, `Rate limit of ${detail.limit} requests per minute exceeded; retry after ${detail.timeToBlockExpire}s`);
  }
}
