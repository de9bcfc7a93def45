import 'reflect-metadata';
import { plainToInstance, Transform } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsIP,
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
/** Booleans stay strings here: implicit conversion would turn "false" into true. */
export const BOOLEAN_STRINGS = ['true', 'false'] as const;
export const REPORTER_WINDOWS = ['hour', 'day'] as const;
const CRON_EXPRESSION = /^\S+( \S+){4,5}$/;

/**
 * The raw environment as the process receives it. Every variable the service reads is declared
 * here, so a typo or a bad value is refused at boot with the variable's name.
 */
export class EnvironmentVariables {
  @IsOptional() @Transform(emptyToUndefined) @IsIn(NODE_ENVS)
  NODE_ENV: (typeof NODE_ENVS)[number] = 'development';

  @IsOptional() @Transform(emptyToUndefined) @IsInt() @Min(0) @Max(65535)
  PORT: number = 3000;

  /** The address the HTTP server binds: every IPv4 interface by default ('::' for IPv6 as well, where the host has it). */
  @IsOptional() @Transform(emptyToUndefined) @IsIP()
  HOST: string = '0.0.0.0';

  @IsOptional() @Transform(emptyToUndefined) @IsIn(LOG_LEVELS)
  LOG_LEVEL: (typeof LOG_LEVELS)[number] = 'info';

  @IsOptional() @Transform(emptyToUndefined) @Matches(/^postgres(ql)?:\/\/\S+$/, { message: 'must be a postgres:// URL' })
  DATABASE_URL?: string;

  @IsOptional() @Transform(emptyToUndefined) @IsInt() @Min(1) @Max(200)
  DATABASE_POOL_MAX: number = 10;

  /** Where reads a caller can make expensive (usage totals) go: a read replica; unset, DATABASE_URL. */
  @IsOptional() @Transform(emptyToUndefined) @Matches(/^postgres(ql)?:\/\/\S+$/, { message: 'must be a postgres:// URL' })
  DATABASE_READ_URL?: string;

  /** Connections of that separate pool: kept small so those reads can never take the main pool's. */
  @IsOptional() @Transform(emptyToUndefined) @IsInt() @Min(1) @Max(100)
  DATABASE_READ_POOL_MAX: number = 3;

  /** Statements on the request-reads pool are cancelled after this (and a read waits no longer for a connection). */
  @IsOptional() @Transform(emptyToUndefined) @IsInt() @Min(100) @Max(600000)
  REQUEST_STATEMENT_TIMEOUT_MS: number = 5000;

  @IsOptional() @Transform(emptyToUndefined) @IsString()
  EMBEDDED_DATABASE_DIR: string = '.data/postgres';

  @IsOptional() @Transform(emptyToUndefined) @IsInt() @Min(1024) @Max(65535)
  EMBEDDED_DATABASE_PORT: number = 54329;

  @IsOptional() @Transform(emptyToUndefined) @Matches(/^(sk|rk)_(test|live)_\S+$/, { message: 'must be a Stripe secret key (sk_test_…, sk_live_… or a restricted rk_… key)' })
  STRIPE_SECRET_KEY?: string;

  @IsOptional() @Transform(emptyToUndefined) @Matches(/^https?:\/\/[^\s/:]+(:\d{1,5})?\/?$/, { message: 'must be an http(s)://host[:port] URL (a Stripe emulator)' })
  STRIPE_API_BASE_URL?: string;

  @IsOptional() @Transform(emptyToUndefined) @IsInt() @Min(0) @Max(10)
  STRIPE_MAX_NETWORK_RETRIES: number = 2;

  @IsOptional() @Transform(emptyToUndefined) @IsInt() @Min(100) @Max(600000)
  STRIPE_TIMEOUT_MS: number = 20000;

  @IsOptional() @Transform(emptyToUndefined) @Matches(/^whsec_[^,\s]+(,whsec_[^,\s]+)*$/, { message: 'must be one or more comma-separated whsec_… signing secrets' })
  STRIPE_WEBHOOK_SECRET?: string;

  @IsOptional() @Transform(emptyToUndefined) @IsInt() @Min(1) @Max(100)
  WEBHOOK_MAX_ATTEMPTS: number = 10;

  @IsOptional() @Transform(emptyToUndefined) @IsInt() @Min(1) @Max(86400)
  WEBHOOK_RETRY_BASE_SECONDS: number = 30;

  @IsOptional() @Transform(emptyToUndefined) @IsInt() @Min(1) @Max(3600)
  WEBHOOK_RETRY_SWEEP_SECONDS: number = 15;

  @IsOptional() @Transform(emptyToUndefined) @Matches(/^rediss?:\/\/\S+$/, { message: 'must be a redis:// or rediss:// URL' })
  REDIS_URL?: string;

  @IsOptional() @Transform(emptyToUndefined) @Matches(/^\d+(kb|mb)$/, { message: 'must be a size such as 512kb or 2mb' })
  HTTP_BODY_LIMIT: string = '2mb';

  /** Past it a request that is still being served answers 503; a client too slow to send its request gets 408. */
  @IsOptional() @Transform(emptyToUndefined) @IsInt() @Min(100) @Max(600000)
  HTTP_REQUEST_TIMEOUT_MS: number = 30000;

  @IsOptional() @Transform(emptyToUndefined) @Matches(/^(https?:\/\/[^\s,]+)(,https?:\/\/[^\s,]+)*$/, { message: 'must be comma-separated http(s):// origins' })
  CORS_ORIGINS?: string;

  /** Express `trust proxy`: false, true, a hop count or comma-separated addresses/subnets (loopback, 10.0.0.0/8, …). */
  @IsOptional() @Transform(emptyToUndefined) @Matches(/^(true|false|\d{1,2}|[\w.:/]+(,\s*[\w.:/]+)*)$/, { message: 'must be true, false, a hop count or comma-separated addresses/subnets' })
  TRUST_PROXY: string = 'false';

  /** Also a secret: stored hashed at boot so a fresh deployment can be reached; see README "API keys". */
  @IsOptional() @Transform(emptyToUndefined) @Matches(/^mb_[a-z0-9]{8}_[A-Za-z0-9_-]{32,}$/, { message: 'must be an API key of the form mb_<8 lowercase letters or digits>_<32+ characters of A-Z a-z 0-9 _ ->' })
  BOOTSTRAP_ADMIN_API_KEY?: string;

  /** How long a verified key is trusted from memory: a revocation made by another process shows within it. */
  @IsOptional() @Transform(emptyToUndefined) @IsInt() @Min(0) @Max(300000)
  API_KEY_CACHE_TTL_MS: number = 10000;

  /** Key lookups that find no active key, per client address and minute, before further lookups from it wait (429). */
  @IsOptional() @Transform(emptyToUndefined) @IsInt() @Min(1) @Max(1000000)
  AUTH_FAILURES_PER_MINUTE: number = 30;

  /** How long a key found unknown or revoked is answered 401 from memory, without a lookup (0: off). */
  @IsOptional() @Transform(emptyToUndefined) @IsInt() @Min(0) @Max(300000)
  API_KEY_NEGATIVE_CACHE_TTL_MS: number = 5000;

  @IsOptional() @Transform(emptyToUndefined) @IsInt() @Min(1) @Max(1000000)
  RATE_LIMIT_DEFAULT_PER_MINUTE: number = 600;

  @IsOptional() @Transform(emptyToUndefined) @IsInt() @Min(1) @Max(1000000)
  RATE_LIMIT_USAGE_WRITE_PER_MINUTE: number = 6000;

  @IsOptional() @Transform(emptyToUndefined) @IsInt() @Min(1) @Max(1000000)
  RATE_LIMIT_USAGE_READ_PER_MINUTE: number = 1200;

  /** A rate-limit call to Redis slower than this fails and the limiter counts in the process for a few seconds. */
  @IsOptional() @Transform(emptyToUndefined) @IsInt() @Min(5) @Max(5000)
  RATE_LIMIT_REDIS_TIMEOUT_MS: number = 100;

  /** Replicas sharing the Redis counters: while Redis is down each one admits its share (limit ÷ this). */
  @IsOptional() @Transform(emptyToUndefined) @IsInt() @Min(1) @Max(1000)
  RATE_LIMIT_EXPECTED_REPLICAS: number = 1;

  /** Reporter cron on/off (tests drive runs through POST /v1/reporting/runs). */
  @IsOptional() @Transform(emptyToUndefined) @IsIn(BOOLEAN_STRINGS)
  REPORTER_ENABLED: (typeof BOOLEAN_STRINGS)[number] = 'true';

  /** Reporter schedule, cron syntax with seconds (default: every minute). */
  @IsOptional() @Transform(emptyToUndefined) @Matches(CRON_EXPRESSION, { message: 'must be a cron expression of 5 or 6 fields' })
  REPORTER_CRON: string = '0 * * * * *';

  /** Usage is aggregated into one meter event per customer × meter × window of this length (clamped to billing periods). */
  @IsOptional() @Transform(emptyToUndefined) @IsIn(REPORTER_WINDOWS)
  REPORTER_WINDOW: (typeof REPORTER_WINDOWS)[number] = 'hour';

  /** A period without a finalized invoice is still open this long after its end (Stripe's default draft period is 1 hour, at most 72). */
  @IsOptional() @Transform(emptyToUndefined) @IsInt() @Min(0) @Max(4320)
  REPORTER_FINALIZATION_GRACE_MINUTES: number = 60;

  /** Reports read and sent per page: bounds the reporter's memory whatever the backlog. */
  @IsOptional() @Transform(emptyToUndefined) @IsInt() @Min(1) @Max(10000)
  REPORTER_PAGE_SIZE: number = 500;

  /** Stripe requests in flight at once. */
  @IsOptional() @Transform(emptyToUndefined) @IsInt() @Min(1) @Max(256)
  REPORTER_CONCURRENCY: number = 8;

  /** Send through the v2 meter event stream (sessions, 100 events per request) instead of v1 meter events. */
  @IsOptional() @Transform(emptyToUndefined) @IsIn(BOOLEAN_STRINGS)
  REPORTER_USE_V2_STREAM: (typeof BOOLEAN_STRINGS)[number] = 'false';

  /** Client-side rate limit on the reporter's Stripe requests. */
  @IsOptional() @Transform(emptyToUndefined) @IsInt() @Min(1) @Max(10000)
  REPORTER_MAX_REQUESTS_PER_SECOND: number = 100;

  /** Tries per report within one run on 429/5xx/connection errors; after that it stays pending for the next run. */
  @IsOptional() @Transform(emptyToUndefined) @IsInt() @Min(1) @Max(20)
  REPORTER_MAX_ATTEMPTS: number = 5;

  /** First retry delay; doubled per try, with full jitter, capped at 30 s. */
  @IsOptional() @Transform(emptyToUndefined) @IsInt() @Min(0) @Max(60000)
  REPORTER_RETRY_BASE_MS: number = 250;

  /** Daily reconciliation cron on/off. */
  @IsOptional() @Transform(emptyToUndefined) @IsIn(BOOLEAN_STRINGS)
  RECONCILIATION_ENABLED: (typeof BOOLEAN_STRINGS)[number] = 'true';

  @IsOptional() @Transform(emptyToUndefined) @Matches(CRON_EXPRESSION, { message: 'must be a cron expression of 5 or 6 fields' })
  RECONCILIATION_CRON: string = '0 30 3 * * *';

  /** Days (UTC, ending today) a reconciliation compares when no range is given. */
  @IsOptional() @Transform(emptyToUndefined) @IsInt() @Min(1) @Max(35)
  RECONCILIATION_LOOKBACK_DAYS: number = 3;

  /** When set, GET /metrics needs `Authorization: Bearer <token>`; a secret. */
  @IsOptional() @Transform(emptyToUndefined) @Matches(/^\S{16,}$/, { message: 'must be at least 16 characters without spaces' })
  METRICS_TOKEN?: string;

  /** Production refuses to start without METRICS_TOKEN unless this says the open /metrics is meant (a network policy guards it). */
  @IsOptional() @Transform(emptyToUndefined) @IsIn(BOOLEAN_STRINGS)
  METRICS_PUBLIC: (typeof BOOLEAN_STRINGS)[number] = 'false';

  /** Serve the OpenAPI UI (/docs, /docs-json); unset: on, except in production. */
  @IsOptional() @Transform(emptyToUndefined) @IsIn(BOOLEAN_STRINGS)
  DOCS_ENABLED?: (typeof BOOLEAN_STRINGS)[number];

  /** How long in-flight requests may take to finish after SIGTERM before connections are cut. */
  @IsOptional() @Transform(emptyToUndefined) @IsInt() @Min(0) @Max(600000)
  SHUTDOWN_GRACE_MS: number = 20000;

  /** Group commit: how long a single usage event may wait for others to share its transaction (0 = no grouping). */
  @IsOptional() @Transform(emptyToUndefined) @IsInt() @Min(0) @Max(50)
  USAGE_GROUP_COMMIT_MAX_WAIT_MS: number = 2;

  /** Group commit: a group is written as soon as it holds this many events. */
  @IsOptional() @Transform(emptyToUndefined) @IsInt() @Min(1) @Max(1000)
  USAGE_GROUP_COMMIT_MAX_EVENTS: number = 500;

  /** AES-256-GCM key (base64 of 32 bytes) that encrypts notification endpoint signing secrets at rest; a secret, required in production. */
  @IsOptional() @Transform(emptyToUndefined) @Matches(/^[A-Za-z0-9+/]{43}=$/, { message: 'must be 32 random bytes in base64 (openssl rand -base64 32)' })
  NOTIFICATION_SECRETS_KEY?: string;

  /** Networks (CIDRs) endpoint URLs may resolve to although loopback, link-local or private; default: none in production, loopback and private ranges otherwise. */
  @IsOptional() @Matches(/^([0-9a-fA-F.:]+\/\d{1,3}(,\s*[0-9a-fA-F.:]+\/\d{1,3})*)?$/, { message: 'must be comma-separated CIDRs such as 10.0.0.0/8,fd00::/8' })
  NOTIFICATION_URL_ALLOWED_NETWORKS?: string;

  /** The deliverer runs in this process (off in the CLI). */
  @IsOptional() @Transform(emptyToUndefined) @IsIn(BOOLEAN_STRINGS)
  NOTIFICATION_DELIVERY_ENABLED: (typeof BOOLEAN_STRINGS)[number] = 'true';

  /** How often the deliverer looks for due notifications. */
  @IsOptional() @Transform(emptyToUndefined) @IsInt() @Min(10) @Max(60000)
  NOTIFICATION_DELIVERY_POLL_MS: number = 1000;

  /** An endpoint that has not answered within this is a failed attempt. */
  @IsOptional() @Transform(emptyToUndefined) @IsInt() @Min(100) @Max(60000)
  NOTIFICATION_DELIVERY_TIMEOUT_MS: number = 10000;

  /** Attempts before a notification is dead; with the default delays the last one is more than a day after the first. */
  @IsOptional() @Transform(emptyToUndefined) @IsInt() @Min(1) @Max(50)
  NOTIFICATION_MAX_ATTEMPTS: number = 18;

  /** Delay before the first retry, doubled per attempt (with jitter) up to NOTIFICATION_RETRY_MAX_DELAY_MS. */
  @IsOptional() @Transform(emptyToUndefined) @IsInt() @Min(1) @Max(3600000)
  NOTIFICATION_RETRY_BASE_MS: number = 60000;

  @IsOptional() @Transform(emptyToUndefined) @IsInt() @Min(1) @Max(86400000)
  NOTIFICATION_RETRY_MAX_DELAY_MS: number = 21600000;

  /** Notifications being sent to one endpoint at once, across every replica. */
  @IsOptional() @Transform(emptyToUndefined) @IsInt() @Min(1) @Max(100)
  NOTIFICATION_MAX_IN_FLIGHT_PER_ENDPOINT: number = 5;

  /** After a secret rotation the previous secret also signs for this long. */
  @IsOptional() @Transform(emptyToUndefined) @IsInt() @Min(0) @Max(604800)
  NOTIFICATION_SECRET_OVERLAP_SECONDS: number = 86400;

  /** Usage alerts evaluator on/off and its period: the bound on how late a crossing is noticed. */
  @IsOptional() @Transform(emptyToUndefined) @IsIn(BOOLEAN_STRINGS)
  USAGE_ALERTS_ENABLED: (typeof BOOLEAN_STRINGS)[number] = 'true';

  @IsOptional() @Transform(emptyToUndefined) @IsInt() @Min(10) @Max(300000)
  USAGE_ALERTS_EVALUATION_MS: number = 2000;

  /** hold: an invoice that disagrees with the ledger is kept from finalizing; report: verified and announced, never held; off: not verified. */
  @IsOptional() @Transform(emptyToUndefined) @IsIn(['hold', 'report', 'off'])
  INVOICE_VERIFICATION: 'hold' | 'report' | 'off' = 'hold';

  /** The verification decides (matched, or held) at the latest this long before Stripe's scheduled finalization. */
  @IsOptional() @Transform(emptyToUndefined) @IsInt() @Min(60) @Max(86400)
  INVOICE_VERIFICATION_DECIDE_BEFORE_SECONDS: number = 600;

  /** Delay before the first re-check of a line that disagrees (Stripe may not have aggregated it yet), doubled per check. */
  @IsOptional() @Transform(emptyToUndefined) @IsInt() @Min(10) @Max(3600000)
  INVOICE_VERIFICATION_RECHECK_BASE_MS: number = 30000;

  @IsOptional() @Transform(emptyToUndefined) @IsInt() @Min(10) @Max(3600000)
  INVOICE_VERIFICATION_RECHECK_MAX_MS: number = 600000;

  /** Checks of a disagreeing invoice before it is decided even though time remains. */
  @IsOptional() @Transform(emptyToUndefined) @IsInt() @Min(1) @Max(100)
  INVOICE_VERIFICATION_MAX_CHECKS: number = 12;

  /** How often a replica looks for verifications that are due. */
  @IsOptional() @Transform(emptyToUndefined) @IsInt() @Min(10) @Max(300000)
  INVOICE_VERIFICATION_POLL_MS: number = 5000;
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
  const problems: string[] = [];
  if (env.STRIPE_API_BASE_URL && !env.STRIPE_SECRET_KEY) problems.push('STRIPE_API_BASE_URL: needs STRIPE_SECRET_KEY too (any sk_test_… key for an emulator)');
  if (env.NODE_ENV !== 'production') return problems;
  if (!env.DATABASE_URL) problems.push('DATABASE_URL: is required when NODE_ENV=production (the embedded database is for development only)');
  if (!env.STRIPE_SECRET_KEY) problems.push('STRIPE_SECRET_KEY: is required when NODE_ENV=production (the Stripe emulator is for development only)');
  if (!env.NOTIFICATION_SECRETS_KEY) problems.push('NOTIFICATION_SECRETS_KEY: is required when NODE_ENV=production (it encrypts the notification signing secrets)');
  if (env.STRIPE_API_BASE_URL?.startsWith('http://')) {
    problems.push('STRIPE_API_BASE_URL: must be https:// when NODE_ENV=production (over http:// the Stripe key travels in clear text)');
  }
  if (!env.STRIPE_WEBHOOK_SECRET) problems.push('STRIPE_WEBHOOK_SECRET: is required when NODE_ENV=production (without it every Stripe webhook is refused)');
  if (!env.METRICS_TOKEN && env.METRICS_PUBLIC !== 'true') {
    problems.push('METRICS_TOKEN: is required when NODE_ENV=production (or set METRICS_PUBLIC=true to serve /metrics without a token)');
  }
  return problems;
}

export function validateEnvironment(raw: Record<string, string | undefined>): EnvironmentVariables {
  const env = plainToInstance(EnvironmentVariables, raw, { enableImplicitConversion: true, exposeDefaultValues: true });
  const problems = [...describe(validateSync(env, { stopAtFirstError: true })), ...crossFieldProblems(env)];
  if (problems.length > 0) throw new ConfigValidationError(problems);
  return env;
}
