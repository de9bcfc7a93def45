import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiExtension } from '@nestjs/swagger';
import { SCOPES_EXTENSION } from '../common/openapi/security.js';

export const API_SCOPES = ['admin', 'usage:write', 'usage:read'] as const;
export type ApiScope = (typeof API_SCOPES)[number];

export const PUBLIC_ROUTE = 'meterbridge:public';
export const REQUIRED_SCOPES = 'meterbridge:scopes';

/** Opens a route to callers without an API key (health, docs, metrics, the signed webhook route). */
export const Public = () => SetMetadata(PUBLIC_ROUTE, true);

/** The route needs an API key holding any one of these scopes (deny by default otherwise); the OpenAPI document says which. */
export const RequireScopes = (...scopes: ApiScope[]) => applyDecorators(SetMetadata(REQUIRED_SCOPES, scopes), ApiExtension(SCOPES_EXTENSION, scopes));
