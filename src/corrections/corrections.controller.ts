import { Body, Controller, Post, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { RequireScopes } from '../auth/scopes.decorator.js';
import { CorrectionBatchDto, CorrectionBatchResponse, CorrectionResponse, RecordCorrectionDto } from './correction.dto.js';
import { CorrectionsService } from './corrections.service.js';

/** The API key that makes a correction is recorded with it (the guard has verified it). */
const createdBy = (request: FastifyRequest) => request.apiKey?.prefix ?? 'unknown';

/** Corrections of recorded usage. Bodies are typed `unknown`: parseCorrection validates them (see correction.parser.ts). */
@ApiTags('usage')
@ApiBearerAuth()
@Controller('v1/usage/corrections')
export class CorrectionsController {
  constructor(private readonly corrections: CorrectionsService) {}

  @Post()
  @RequireScopes('usage:write')
  @ApiOperation({ operationId: 'correctUsageEvent', summary: 'Correct (amend or void) a recorded usage event' })
  @ApiBody({ type: RecordCorrectionDto })
  @ApiResponse({ status: 201, type: CorrectionResponse, description: 'recorded; `billing` says what happens to the money' })
  @ApiResponse({ status: 200, type: CorrectionResponse, description: 'the same correctionKey and body were already recorded: the same correction, nothing changed' })
  @ApiResponse({ status: 400, description: 'VALIDATION_FAILED (a reason is required)' })
  @ApiResponse({ status: 404, description: 'CUSTOMER_NOT_FOUND or USAGE_EVENT_NOT_FOUND' })
  @ApiResponse({ status: 409, description: 'CORRECTION_KEY_CONFLICT: the correctionKey was used with another body' })
  @ApiResponse({ status: 422, description: 'CORRECTION_NOT_APPLICABLE: a count meter event can only be voided' })
  async correct(@Body() body: unknown, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<CorrectionResponse> {
    const outcome = await this.corrections.recordOne(body, createdBy(request));
    void reply.status(outcome.status === 'created' ? 201 : 200);
    return outcome.correction;
  }

  @Post('batch')
  @RequireScopes('usage:write')
  @ApiOperation({ operationId: 'correctUsageEventsBatch', summary: 'Correct up to 1000 usage events, one result each' })
  @ApiBody({ type: CorrectionBatchDto })
  @ApiResponse({ status: 207, type: CorrectionBatchResponse, description: 'one result per correction, in request order' })
  @ApiResponse({ status: 413, description: 'CORRECTION_BATCH_TOO_LARGE: more than 1000 corrections' })
  async correctBatch(@Body() body: unknown, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<CorrectionBatchResponse> {
    const results = await this.corrections.recordBatch(body, createdBy(request));
    void reply.status(207);
    return { results };
  }
}
