import type { ExecutionContext, Type } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { RequestMethod } from '@nestjs/common';
import { ModulesContainer, Reflector } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { routeAccess, type RouteAccess } from '../../src/auth/route-access';

export interface LiveRoute {
  method: string;
  path: string;
  /** undefined: served by Express directly (swagger's /docs), outside Nest's guards. */
  access?: RouteAccess;
  /** Marked `@SkipThrottle()` (on the handler or its controller). */
  skipsRateLimit?: boolean;
}

interface DeclaredRoute {
  access: RouteAccess;
  skipsRateLimit: boolean;
}

interface ExpressLayer {
  route?: { path: string; methods: Record<string, boolean> };
}

/** What `@SkipThrottle()` records for the default throttler (@nestjs/throttler's THROTTLER_SKIP + name). */
const THROTTLER_SKIP_DEFAULT = 'THROTTLER:SKIPdefault';

const joinPath = (...parts: string[]) => `/${parts.flatMap((part) => part.split('/')).filter(Boolean).join('/')}`;

/** Every handler Nest registered, by "METHOD path", with what its decorators declare. */
function declaredRoutes(app: NestExpressApplication): Map<string, DeclaredRoute> {
  const reflector = new Reflector();
  const routes = new Map<string, DeclaredRoute>();
  for (const module of app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const controller = wrapper.metatype as Type;
      const prefixes = [Reflect.getMetadata(PATH_METADATA, controller) ?? ''].flat() as string[];
      for (const name of Object.getOwnPropertyNames(controller.prototype)) {
        const handler = controller.prototype[name] as object;
        const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
        if (method === undefined || name === 'constructor') continue;
        const context = { getHandler: () => handler, getClass: () => controller } as unknown as ExecutionContext;
        for (const prefix of prefixes) {
          for (const path of [Reflect.getMetadata(PATH_METADATA, handler) ?? ''].flat() as string[]) {
            routes.set(`${RequestMethod[method]} ${joinPath(prefix, path)}`, {
              access: routeAccess(reflector, context),
              skipsRateLimit: [handler, controller].some((target) => Reflect.getMetadata(THROTTLER_SKIP_DEFAULT, target) === true),
            });
          }
        }
      }
    }
  }
  return routes;
}

/**
 * The routes the running Express app actually serves (its router's table), each joined with
 * what its Nest handler declares, so a route added anywhere shows up here without a test edit.
 */
export function liveRoutes(app: NestExpressApplication): LiveRoute[] {
  const express = app.getHttpAdapter().getInstance() as { router: { stack: ExpressLayer[] } };
  const declared = declaredRoutes(app);
  return express.router.stack.flatMap((layer) => {
    const route = layer.route;
    // wildcard layers are middleware mounts (metrics), not routes
    if (!route || route.path.includes('*')) return [];
    return Object.keys(route.methods)
      .filter((method) => route.methods[method] && method !== '_all')
      .map((method) => ({ method: method.toUpperCase(), path: route.path, ...declared.get(`${method.toUpperCase()} ${route.path}`) }));
  });
}
