import { randomUUID } from 'node:crypto';
import { ArgumentsHost, Catch, Logger, type ExceptionFilter } from '@nestjs/common';
import type { Request, Response } from 'express';
import { toErrorBody, type ErrorBody } from './error-body.js';

/** Turns every error into the SPEC.md JSON shape; the unexpected ones become a 500 with a correlation id. */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpError');

  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<Request>();
    const response = http.getResponse<Response>();
    const body = toErrorBody(error) ?? this.unexpected(error, String(request.id ?? randomUUID()));
    if (response.headersSent) return;
    response.status(body.statusCode).json(body);
  }

  private unexpected(error: unknown, correlationId: string): ErrorBody {
    this.logger.error({ err: error, correlationId }, 'unexpected error while serving a request');
    return { statusCode: 500, error: 'INTERNAL_ERROR', message: 'An unexpected error occurred; quote the correlationId when reporting it', correlationId };
  }
}
