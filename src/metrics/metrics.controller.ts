import { createHash, timingSafeEqual } from 'node:crypto';
import { Controller, Get, Headers, Inject, Res } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../common/openapi/api-errors.decorator.js';

import type { FastifyReply } from 'fastify';
import { Public } from '../auth/scopes.decorator.js';
import { DomainError } from '../common/errors/domain-error.js';
import { metricsConfig } from '../config/namespaces.js';
import { MetricsService } from './metrics.service.js';
import { AuthErrors } from '../auth/auth.errors.js';

const digest = (value: string) => createHash('sha256').update(value).digest();

/** Prometheus scrape endpoint: open, or guarded by its own token (METRICS_TOKEN) rather than an API key. */
@ApiTags('metrics')
@Public()
@Controller('metrics')
export class MetricsController {
  constructor(
    private readonly metrics: MetricsService,
    @Inject(metricsConfig.KEY) private readonly metricsAccess: ConfigType<typeof metricsConfig>,
  ) {}

  @Get()
  @ApiOperation({ operationId: 'scrapeMetrics', summary: 'Prometheus metrics (text exposition format)' })
  @ApiProduces('text/plain')
  @ApiOkResponse({ schema: { type: 'string' }, description: 'Prometheus text exposition format 0.0.4' })
  @ApiErrors(AuthErrors.UNAUTHENTICATED)
  async scrape(@Headers('authorization') authorization: string | undefined, @Res() response: FastifyReply): Promise<void> {
    const token = this.metricsAccess.token;
    // digests have one length, so the comparison takes the same time whatever was sent
    if (token && !timingSafeEqual(digest(authorization ?? ''), digest(`Bearer ${token}`))) {
      void response.header('WWW-Authenticate', 'Bearer');
      throw new DomainError(AuthErrors.UNAUTHENTICATED, 'GET /metrics needs Authorization: Bearer <METRICS_TOKEN>');
    }
    void response.type(this.metrics.registry.contentType).send(await this.metrics.registry.metrics());
  }
}
