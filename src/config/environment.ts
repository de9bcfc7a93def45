import 'reflect-metadata';
import { plainToInstance, Transform } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  validateSync,
  type ValidationError,
} from 'class-validator';

export const NODE_ENVS = ['development', 'test', 'production'] as const;
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const emptyToUndefined = ({ value }: { value: unknown }) => (value === '' ? undefined : value);

/**
 * The raw environment as the process receives it. Every variable the service reads is declared
 * here, so a typo or a bad value is refused at boot with the variable's name.
 */
export class EnvironmentVariables {
  @IsOptional() @Transform(emptyToUndefined) @IsIn(NODE_ENVS)
  NODE_ENV: (typeof NODE_ENVS)[number] = 'development';

  @IsOptional() @Transform(emptyToUndefined) @IsInt() @Min(0) @Max(65535)
  PORT: number = 3000;

  @IsOptional() @Transform(emptyToUndefined) @IsIn(LOG_LEVELS)
  LOG_LEVEL: (typeof LOG_LEVELS)[number] = 'info';

  @IsOptional() @Transform(emptyToUndefined) @Matches(/^postgres(ql)?:\/\/\S+$/, { message: 'must be a postgres:// URL' })
  DATABASE_URL?: string;

  @IsOptional() @Transform(emptyToUndefined) @IsInt() @Min(1) @Max(200)
  DATABASE_POOL_MAX: number = 10;

  @IsOptional() @Transform(emptyToUndefined) @IsString()
  EMBEDDED_DATABASE_DIR: string = '.data/postgres';

  @IsOptional() @Transform(emptyToUndefined) @IsInt() @Min(1024) @Max(65535)
  EMBEDDED_DATABASE_PORT: number = 54329;

  @IsOptional() @Transform(emptyToUndefined) @Matches(/^(sk|rk)_(test|live)_\S+$/, { message: 'must be a Stripe secret key (sk_test_…, sk_live_… or a restricted rk_… key)' })
  STRIPE_SECRET_KEY?: string;

  @IsOptional() @Transform(emptyToUndefined) @Matches(/^whsec_[^,\s]+(,whsec_[^,\s]+)*$/, { message: 'must be one or more comma-separated whsec_… signing secrets' })
  STRIPE_WEBHOOK_SECRET?: string;

  @IsOptional() @Transform(emptyToUndefined) @Matches(/^rediss?:\/\/\S+$/, { message: 'must be a redis:// or rediss:// URL' })
  REDIS_URL?: string;

  @IsOptional() @Transform(emptyToUndefined) @Matches(/^\d+(kb|mb)$/, { message: 'must be a size such as 512kb or 2mb' })
  HTTP_BODY_LIMIT: string = '2mb';
}

export class ConfigValidationError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
  }
}

/** One line per problem, naming the variable and never echoing its value (it may be a secret). */
function describe(errors: ValidationError[]): string[] {
  return errors.flatMap((error) =>
    Object.values(error.constraints ?? {}).map((reason) => `${error.property}: ${reason.replace(`${error.property} `, '')}`),
  );
}

function crossFieldProblems(env: EnvironmentVariables): string[] {
  if (env.NODE_ENV !== 'production') return [];
  const problems: string[] = [];
  if (!env.DATABASE_URL) problems.push('DATABASE_URL: is required when NODE_ENV=production (the embedded database is for development only)');
  if (!env.STRIPE_SECRET_KEY) problems.push('STRIPE_SECRET_KEY: is required when NODE_ENV=production (the Stripe emulator is for development only)');
  return problems;
}

export function validateEnvironment(raw: Record<string, string | undefined>): EnvironmentVariables {
  const env = plainToInstance(EnvironmentVariables, raw, { enableImplicitConversion: true, exposeDefaultValues: true });
  const problems = [...describe(validateSync(env, { stopAtFirstError: true })), ...crossFieldProblems(env)];
  if (problems.length > 0) throw new ConfigValidationError(problems);
  return env;
}
