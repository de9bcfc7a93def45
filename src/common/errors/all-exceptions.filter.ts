import { randomUUID } from 'node:crypto';
import { ArgumentsHost, Catch, Logger, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CommonErrors } from './common.errors.js';
import { errorBody, toErrorBody, type ErrorBody } from './error-body.js';

/** Turns every error into the JSON shape of docs/architecture.md; the unexpected ones become a 500 with a correlation id. */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpError');

  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const response = http.getResponse<FastifyReply>();
    const body = toErrorBody(error) ?? this.unexpected(error, request.id ?? randomUUID());
    if (response.sent) return;
    void response.status(body.statusCode).send(body);
  }

  private unexpected(error: unknown, correlationId: string): ErrorBody {
    this.logger.error({ err: error, correlationId }, 'unexpected error while serving a request');
    return errorBody(CommonErrors.INTERNAL_ERROR, 'An unexpected error occurred; quote the correlationId when reporting it', { correlationId });
  }
}
