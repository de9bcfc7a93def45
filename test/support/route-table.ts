import type { ExecutionContext, Type } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { RequestMethod } from '@nestjs/common';
import { ModulesContainer, Reflector } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { routeAccess, type RouteAccess } from '../../src/auth/route-access';

export interface LiveRoute {
  method: string;
  path: string;
  /** undefined: served by Fastify directly (swagger's /docs), outside Nest's guards. */
  access?: RouteAccess;
  /** Marked `@SkipThrottle()` (on the handler or its controller). */
  skipsRateLimit?: boolean;
}

interface DeclaredRoute {
  access: RouteAccess;
  skipsRateLimit: boolean;
}

/** What `@SkipThrottle()` records for the default throttler (@nestjs/throttler's THROTTLER_SKIP + name). */
const THROTTLER_SKIP_DEFAULT = 'THROTTLER:SKIPdefault';

const joinPath = (...parts: string[]) => `/${parts.flatMap((part) => part.split('/')).filter(Boolean).join('/')}`;

/** Every handler Nest registered, by "METHOD path", with what its decorators declare. */
function declaredRoutes(app: NestFastifyApplication): Map<string, DeclaredRoute> {
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

/** One line of Fastify's printRoutes tree: its indentation, its path segment, its methods if a route ends there. */
const TREE_LINE = /^((?:│ {3}| {4})*)[├└]── (.+?)(?: \(([A-Z, ]+)\))?$/u;

/** A path whose parameter segments list several names (`:id|:customerId`, two routes naming it differently), once per name. */
function spellings(path: string): string[] {
  const [first, ...rest] = path.split(/(:[\w|:]+)/);
  return rest.reduce<string[]>(
    (paths, part) => paths.flatMap((prefix) => (part.startsWith(':') ? part.split('|').map((name) => prefix + name) : [prefix + part])),
    [first ?? ''],
  );
}

/**
 * The routes the running Fastify app actually serves (its router's tree), each joined with what
 * its Nest handler declares, so a route added anywhere shows up here without a test edit. HEAD
 * routes, which Fastify adds for every GET, are left out.
 */
export function liveRoutes(app: NestFastifyApplication): LiveRoute[] {
  const fastify = app.getHttpAdapter().getInstance();
  const declared = declaredRoutes(app);
  const segments: string[] = [];
  return fastify.printRoutes({ commonPrefix: false }).split('\n').flatMap((line) => {
    const [, indentation = '', segment = '', methods] = TREE_LINE.exec(line) ?? [];
    segments.splice(indentation.length / 4, Infinity, segment);
    if (!methods) return [];
    return methods.split(', ').filter((method) => method !== 'HEAD').flatMap((method) => {
      // Fastify's lookup ignores parameter names: the spelling a Nest handler declares is the route's
      const served = spellings(segments.join('')).filter((path) => fastify.hasRoute({ method: method as 'GET', url: path }));
      const named = served.filter((path) => declared.has(`${method} ${path}`));
      return (named.length > 0 ? named : served).map((path) => ({ method, path, ...declared.get(`${method} ${path}`) }));
    });
  });
}
