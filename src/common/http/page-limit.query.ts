import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';

/** `?limit=` of the list routes: 1 to 500 rows, 50 by default. Query classes extend it. */
export class PageLimitQuery {
  @ApiPropertyOptional({ type: 'integer', default: 50, minimum: 1, maximum: 500, description: 'rows per page' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  limit = 50;
}
