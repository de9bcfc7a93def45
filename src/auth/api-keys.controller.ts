import { Body, Controller, Delete, Get, Param, Post, Query } from '@nestjs/common';
import { CommonErrors } from '../common/errors/common.errors.js';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../common/openapi/api-errors.decorator.js';

import { DomainError } from '../common/errors/domain-error.js';
import { PageQuery, PageResponse, pageRequest, toPage, type Page } from '../common/http/pagination.js';
import { ApiKeyResponse, CreateApiKeyDto, CreatedApiKeyResponse } from './api-key.dto.js';
import { publicKeyReference } from './api-key-token.js';
import { ApiKeysService } from './api-keys.service.js';
import { RequireScopes } from './scopes.decorator.js';
import { AuthErrors } from './auth.errors.js';

const ApiKeyPage = PageResponse(ApiKeyResponse);

/** The HTTP twin of the `keys:*` CLI commands, for operators who hold an admin key. */
@ApiTags('auth')
@RequireScopes('admin')
@Controller('v1/api-keys')
export class ApiKeysController {
  constructor(private readonly apiKeys: ApiKeysService) {}

  @Post()
  @ApiOperation({ operationId: 'createApiKey', summary: 'A new API key; the answer alone carries the key itself' })
  @ApiCreatedResponse({ type: CreatedApiKeyResponse })
  @ApiErrors(AuthErrors.API_KEY_NAME_REQUIRED, AuthErrors.API_KEY_SCOPES_REQUIRED)
  async create(@Body() body: CreateApiKeyDto): Promise<CreatedApiKeyResponse> {
    const { key, token } = await this.apiKeys.create(body.name, body.scopes);
    return { ...ApiKeyResponse.from(key), key: token };
  }

  @Get()
  @ApiOperation({ operationId: 'listApiKeys', summary: 'API keys in prefix order, a page at a time (never their secrets)' })
  @ApiOkResponse({ type: ApiKeyPage })
  @ApiErrors(CommonErrors.QUERY_TIMEOUT)
  async list(@Query() query: PageQuery): Promise<Page<ApiKeyResponse>> {
    const request = pageRequest(query);
    return toPage(await this.apiKeys.listPage(request), request, (key) => key.prefix, ApiKeyResponse.from);
  }

  /** By prefix (`mb_…`), the whole key (only its prefix is used) or id; revoking twice keeps the first revocation time. */
  @Delete(':reference')
  @ApiOperation({ operationId: 'revokeApiKey', summary: 'Revoke a key by prefix, whole key or id' })
  @ApiOkResponse({ type: ApiKeyResponse })
  @ApiErrors(AuthErrors.API_KEY_NOT_FOUND)
  async revoke(@Param('reference') reference: string): Promise<ApiKeyResponse> {
    const key = await this.apiKeys.revoke(reference);
    if (!key) throw new DomainError(AuthErrors.API_KEY_NOT_FOUND, `No API key matches ${publicKeyReference(reference)}`);
    return ApiKeyResponse.from(key);
  }
}
