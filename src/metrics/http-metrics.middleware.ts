import { Injectable, type NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { MetricsService } from './metrics.service.js';

/**
 * Times every request, including those a guard refuses (an interceptor would miss them). The
 * route label is the matched template; requests no route matched share one label.
 */
@Injectable()
export class HttpMetricsMiddleware implements NestMiddleware {
  constructor(private readonly metrics: MetricsService) {}

  use(request: Request, response: Response, next: NextFunction): void {
    const started = process.hrtime.bigint();
    response.once('finish', () => {
      // this middleware is mounted on a wildcard route: when no real route matched, that is the route left
      const template = request.route ? `${request.baseUrl}${String(request.route.path)}` : '*';
      const route = template.includes('*') ? 'unmatched' : template;
      this.metrics.observeHttpRequest(request.method, route, response.statusCode, Number(process.hrtime.bigint() - started) / 1e9);
    });
    next();
  }
}
