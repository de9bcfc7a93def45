export type HttpMethod = 'GET' | 'POST' | 'DELETE';

/** Who may call a route: a secret key (sk_test_…), a v2 meter event session token, or anyone (control API). */
export type RouteAuth = 'secret_key' | 'meter_event_session' | 'none';

export interface RouteRequest {
  method: HttpMethod;
  /** The path without its query string, as Stripe echoes it in a list's `url`. */
  path: string;
  pathParams: Readonly<Record<string, string>>;
  /** Form or query parameters (v1, parsed with bracket notation) or the JSON body (v2, control API). */
  body: unknown;
}

export interface RouteResponse {
  status?: number;
  body: unknown;
}

export type RouteHandler = (request: RouteRequest) => RouteResponse | Promise<RouteResponse>;

export interface Route {
  method: HttpMethod;
  /** `/v1/customers/:id` style; `:name` segments become path params. */
  path: string;
  auth: RouteAuth;
  handler: RouteHandler;
}

interface CompiledRoute {
  route: Route;
  pattern: RegExp;
  names: string[];
}

export type RouteMatch = { route: Route; pathParams: Record<string, string> } | { route: undefined; pathExists: boolean };

/** Matches a method and path against the routing table; every resource group contributes its routes. */
export class Router {
  private readonly compiled: CompiledRoute[];

  constructor(routes: readonly Route[]) {
    this.compiled = routes.map((route) => {
      const names: string[] = [];
      const source = route.path
        .split('/')
        .map((segment) => {
          if (!segment.startsWith(':')) return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
          names.push(segment.slice(1));
          return '([^/]+)';
        })
        .join('/');
      return { route, names, pattern: new RegExp(`^${source}$`) };
    });
  }

  match(method: string, path: string): RouteMatch {
    let pathExists = false;
    for (const { route, pattern, names } of this.compiled) {
      const found = pattern.exec(path);
      if (!found) continue;
      pathExists = true;
      if (route.method !== method) continue;
      const pathParams = Object.fromEntries(names.map((name, index) => [name, decodeURIComponent(found[index + 1] ?? '')]));
      return { route, pathParams };
    }
    return { route: undefined, pathExists };
  }
}
