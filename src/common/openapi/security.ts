import type { OpenAPIObject, OperationObject } from '@nestjs/swagger';

/** The scopes of an operation (any one of them suffices; `admin` holds them all), set by RequireScopes. */
export const SCOPES_EXTENSION = 'x-required-scopes';

export const API_KEY_SCHEME = 'apiKey';
export const METRICS_TOKEN_SCHEME = 'metricsToken';

const SECURITY_SCHEMES = {
  [API_KEY_SCHEME]: {
    type: 'http' as const,
    scheme: 'bearer',
    description:
      'An opaque API key `mb_<8 characters>_<43 characters>` (not a JWT): `Authorization: Bearer mb_…`. Each operation lists the scopes that may call it in `x-required-scopes` ' +
      '(any one suffices; `admin` holds them all): a missing, unknown or revoked key is a 401 UNAUTHENTICATED, a key without the scope a 403 FORBIDDEN_SCOPE.',
  },
  [METRICS_TOKEN_SCHEME]: {
    type: 'http' as const,
    scheme: 'bearer',
    description: 'METRICS_TOKEN, when the service is configured with one (`GET /metrics` is open otherwise)',
  },
};

/**
 * Security per operation: an API key where RequireScopes put scopes (named in the description
 * too), none on public routes. OpenAPI 3.0 lets scopes be listed only for OAuth schemes, hence the
 * extension.
 */
export function addSecurity(document: OpenAPIObject, optionalToken: (path: string) => boolean): void {
  document.components = { ...document.components, securitySchemes: SECURITY_SCHEMES };
  for (const [path, item] of Object.entries(document.paths)) {
    for (const operation of Object.values(item) as (OperationObject & Record<string, unknown>)[]) {
      const scopes = operation[SCOPES_EXTENSION] as string[] | undefined;
      if (scopes) {
        operation.security = [{ [API_KEY_SCHEME]: [] }];
        operation.description = [operation.description, `Scopes: ${scopes.join(' or ')}${scopes.includes('admin') ? '' : ' (or admin)'}.`].filter(Boolean).join('\n\n');
      } else {
        operation.security = optionalToken(path) ? [{}, { [METRICS_TOKEN_SCHEME]: [] }] : [];
      }
    }
  }
}
