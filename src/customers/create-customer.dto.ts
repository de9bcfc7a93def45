import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { PageQuery } from '../common/http/pagination.js';
import { IsEmail, IsOptional, IsString, Length, Matches } from 'class-validator';

export class CreateCustomerDto {
  @ApiProperty({ example: 'acct_42', description: "the calling service's own id for this customer; get-or-create key" })
  @IsString()
  @Length(1, 200)
  @Matches(/^\S(.*\S)?$/, { message: 'externalId must not start or end with whitespace' })
  // the usage routes refuse control characters in externalCustomerId: such a customer could never be sent usage
  // eslint-disable-next-line no-control-regex
  @Matches(/^[^\u0000-\u001f\u007f]*$/, { message: 'externalId must not contain control characters' })
  externalId!: string;

  @ApiProperty({ example: 'billing@example.com' })
  @IsEmail()
  @Length(3, 320)
  email!: string;

  @ApiPropertyOptional({ example: 'Example Corp' })
  @IsOptional()
  @IsString()
  @Length(1, 256)
  name?: string;

  @ApiPropertyOptional({ description: 'the id of an existing Stripe test clock (test mode only): the customer follows that clock' })
  @IsOptional()
  @Matches(/^clock_\w+$/, { message: 'testClock must be a Stripe test clock id (clock_…)' })
  testClock?: string;
}

/** A page of customers in externalId order, or the one with this externalId. */
export class FindCustomersQuery extends PageQuery {
  @ApiPropertyOptional({ description: 'only the customer with this externalId' })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  externalId?: string;
}
