import type { ExecutionContext } from '@nestjs/common';
import type { Reflector } from '@nestjs/core';
import { PUBLIC_ROUTE, REQUIRED_SCOPES, type ApiScope } from './scopes.decorator.js';

/** What a route declares about who may call it; `undeclared` routes are refused to everyone. */
export type RouteAccess = { kind: 'public' } | { kind: 'scoped'; scopes: ApiScope[] } | { kind: 'undeclared' };

/** The handler's own declaration wins over its controller's, so one route can differ from its siblings. */
export function routeAccess(reflector: Reflector, context: ExecutionContext): RouteAccess {
  for (const target of [context.getHandler(), context.getClass()]) {
    if (reflector.get<boolean>(PUBLIC_ROUTE, target)) return { kind: 'public' };
    const scopes = reflector.get<ApiScope[] | undefined>(REQUIRED_SCOPES, target);
    if (scopes?.length) return { kind: 'scoped', scopes };
  }
  return { kind: 'undeclared' };
}
