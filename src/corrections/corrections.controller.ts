import { Body, Controller, Post, Req, Res } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../common/openapi/api-errors.decorator.js';
import { CustomersErrors } from '../customers/customers.errors.js';
import { CorrectionsErrors } from './corrections.errors.js';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { RequireScopes } from '../auth/scopes.decorator.js';
import { CorrectionBatchDto, CorrectionBatchResponse, CorrectionResponse, RecordCorrectionDto } from './correction.dto.js';
import { CorrectionsService } from './corrections.service.js';

/** The API key that makes a correction is recorded with it (the guard has verified it). */
const createdBy = (request: FastifyRequest) => request.apiKey?.prefix ?? 'unknown';

/** Corrections of recorded usage. Bodies are typed `unknown`: parseCorrection validates them (see correction.parser.ts). */
@ApiTags('corrections')
@Controller('v1/usage/corrections')
export class CorrectionsController {
  constructor(private readonly corrections: CorrectionsService) {}

  @Post()
  @RequireScopes('usage:write')
  @ApiOperation({ operationId: 'correctUsageEvent', summary: 'Correct (amend or void) a recorded usage event' })
  @ApiBody({ type: RecordCorrectionDto })
  @ApiResponse({ status: 201, type: CorrectionResponse, description: 'recorded; `billing` says what happens to the money' })
  @ApiResponse({ status: 200, type: CorrectionResponse, description: 'the same correctionKey and body were already recorded: the same correction, nothing changed' })
  @ApiErrors(CustomersErrors.CUSTOMER_NOT_FOUND, CorrectionsErrors.USAGE_EVENT_NOT_FOUND, CorrectionsErrors.CORRECTION_KEY_CONFLICT, CorrectionsErrors.CORRECTION_NOT_APPLICABLE)
  async correct(@Body() body: unknown, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<CorrectionResponse> {
    const outcome = await this.corrections.recordOne(body, createdBy(request));
    void reply.status(outcome.status === 'created' ? 201 : 200);
    return outcome.correction;
  }

  @Post('batch')
  @RequireScopes('usage:write')
  @ApiOperation({ operationId: 'correctUsageEventBatch', summary: 'Correct up to 1000 usage events, one result each' })
  @ApiBody({ type: CorrectionBatchDto })
  @ApiResponse({ status: 207, type: CorrectionBatchResponse, description: 'one result per correction, in request order' })
  @ApiErrors(CorrectionsErrors.CORRECTION_BATCH_TOO_LARGE)
  async correctBatch(@Body() body: unknown, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<CorrectionBatchResponse> {
    const results = await this.corrections.recordBatch(body, createdBy(request));
    void reply.status(207);
    return { results };
  }
}
