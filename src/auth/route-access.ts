import type { ExecutionContext } from '@nestjs/common';
import type { Reflector } from '@nestjs/core';
import { PUBLIC_ROUTE, REQUIRED_SCOPES, type ApiScope } from './scopes.decorator.js';

/** What a route declares about who may call it; `undeclared` routes are refused to everyone. */
export type RouteAccess = { kind: 'public' } | { kind: 'scoped'; scopes: ApiScope[] } | { kind: 'undeclared' };

type Handler = ReturnType<ExecutionContext['getHandler']>;
type Controller = ReturnType<ExecutionContext['getClass']>;

/**
 * Decorators are fixed once the application is built, so each route's answer is read once, by
 * controller then handler (an inherited handler may serve controllers declaring different scopes):
 * the guards ask it three times per request, each time with up to four metadata lookups.
 */
const accessByController = new WeakMap<Controller, WeakMap<Handler, RouteAccess>>();

/** The handler's own declaration wins over its controller's, so one route can differ from its siblings. */
export function routeAccess(reflector: Reflector, context: ExecutionContext): RouteAccess {
  const handler = context.getHandler();
  const controller = context.getClass();
  let accessByHandler = accessByController.get(controller);
  if (!accessByHandler) accessByController.set(controller, (accessByHandler = new WeakMap()));
  let access = accessByHandler.get(handler);
  if (!access) accessByHandler.set(handler, (access = declaredAccess(reflector, handler, controller)));
  return access;
}

function declaredAccess(reflector: Reflector, handler: Handler, controller: Controller): RouteAccess {
  for (const target of [handler, controller]) {
    if (reflector.get<boolean>(PUBLIC_ROUTE, target)) return { kind: 'public' };
    const scopes = reflector.get<ApiScope[] | undefined>(REQUIRED_SCOPES, target);
    if (scopes?.length) return { kind: 'scoped', scopes };
  }
  return { kind: 'undeclared' };
}
