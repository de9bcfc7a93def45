import { SetMetadata } from '@nestjs/common';

export const API_SCOPES = ['admin', 'usage:write', 'usage:read'] as const;
export type ApiScope = (typeof API_SCOPES)[number];

export const PUBLIC_ROUTE = 'meterbridge:public';
export const REQUIRED_SCOPES = 'meterbridge:scopes';

/** Opens a route to callers without an API key (health, docs, metrics, the signed webhook route). */
export const Public = () => SetMetadata(PUBLIC_ROUTE, true);

/** The route needs an API key holding any one of these scopes (deny by default otherwise). */
export const RequireScopes = (...scopes: ApiScope[]) => SetMetadata(REQUIRED_SCOPES, scopes);
