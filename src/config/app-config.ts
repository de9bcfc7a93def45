import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';
import { validateEnvironment, type EnvironmentVariables, type REPORTER_WINDOWS } from './environment.js';

export interface DatabaseConfig {
  /** Absent: the service starts an embedded PostgreSQL under `embeddedDir`. */
  url?: string;
  poolMax: number;
  /** A read replica for request reads (usage totals); absent: `url`. */
  readUrl?: string;
  /** Size of the separate request-reads pool. */
  readPoolMax: number;
  /** statement_timeout of the request-reads pool, and how long a read waits for one of its connections. */
  requestStatementTimeoutMs: number;
  embeddedDir: string;
  embeddedPort: number;
}

export interface StripeConfig {
  /** Absent: the service talks to its in-process Stripe emulator. */
  secretKey?: string;
  webhookSecrets: string[];
  /** With a key: send every call to this http(s)://host:port (an external Stripe emulator) instead of Stripe. */
  apiBaseUrl?: string;
  maxNetworkRetries: number;
  timeoutMs: number;
}

export interface HttpConfig {
  /** Empty: CORS stays off (the callers are services, not browsers). */
  corsOrigins: string[];
  requestTimeoutMs: number;
  /** Passed to Express `trust proxy`, so client IPs (rate limits, logs) come from X-Forwarded-For only behind known proxies. */
  trustProxy: boolean | number | string;
}

export interface AuthConfig {
  bootstrapAdminKey?: string;
  /** 0: every request reads its key from the database. */
  keyCacheTtlMs: number;
  /** Lookups finding no active key per client address and minute, after which lookups from it wait. */
  failuresPerMinute: number;
  /** How long a key found unknown or revoked is answered from memory; 0: never. */
  unknownKeyCacheTtlMs: number;
}

/** Requests per minute per API key (or client IP), by the scope a route requires. */
export interface RateLimitConfig {
  /** Absent: each process counts on its own. */
  redisUrl?: string;
  defaultPerMinute: number;
  usageWritePerMinute: number;
  usageReadPerMinute: number;
  /** Past it a Redis call fails and the limiter counts in the process. */
  redisTimeoutMs: number;
  /** While Redis is down, each process admits limit ÷ this. */
  expectedReplicas: number;
}

/** Micro-batching of concurrent single usage events into one insert and one commit. */
export interface UsageGroupCommitConfig {
  /** 0 writes every event in its own statement. */
  maxWaitMs: number;
  maxEvents: number;
}

/** The reporter (src/reporting): schedule, windows, late-usage grace and Stripe delivery limits. */
export interface ReportingConfig {
  enabled: boolean;
  cron: string;
  window: (typeof REPORTER_WINDOWS)[number];
  finalizationGraceMinutes: number;
  pageSize: number;
  concurrency: number;
  useV2Stream: boolean;
  maxRequestsPerSecond: number;
  maxAttempts: number;
  retryBaseMs: number;
}

/** Stripe webhook processing (src/webhooks): failed events are retried with exponential backoff. */
export interface WebhookConfig {
  /** The retry sweep runs (off in the CLI). */
  retryEnabled: boolean;
  maxAttempts: number;
  retryBaseSeconds: number;
  retrySweepSeconds: number;
}

/** Outgoing notifications (src/notifications): delivery, retry schedule, endpoint URL rules, usage alerts. */
export interface NotificationsConfig {
  /** 32 bytes; in development and test, without NOTIFICATION_SECRETS_KEY, derived from a fixed phrase. */
  secretsKey: Buffer;
  /** CIDRs endpoint URLs may resolve to although loopback, link-local or private. */
  allowedNetworks: string[];
  /** Plain http:// endpoint URLs are refused in production. */
  requireHttps: boolean;
  deliveryEnabled: boolean;
  pollMs: number;
  timeoutMs: number;
  maxAttempts: number;
  retryBaseMs: number;
  retryMaxDelayMs: number;
  maxInFlightPerEndpoint: number;
  secretOverlapSeconds: number;
  alertsEnabled: boolean;
  alertsEvaluationMs: number;
}

/** Loopback and the private ranges: an internal receiver on this machine or network, outside production. */
const DEVELOPMENT_ALLOWED_NETWORKS = ['127.0.0.0/8', '::1/128', '10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7'];

/** Invoice verification at period close (src/invoice-verification). */
export interface InvoiceVerificationConfig {
  mode: 'hold' | 'report' | 'off';
  /** false in one-shot processes: no runner polls for due checks. */
  runnerEnabled: boolean;
  decideBeforeSeconds: number;
  recheckBaseMs: number;
  recheckMaxMs: number;
  maxChecks: number;
  pollMs: number;
  /** A claimed check not finished within this (a crash) is claimed again. */
  leaseSeconds: number;
}

/** The retention rollup (src/retention). */
export interface RetentionConfig {
  enabled: boolean;
  cron: string;
  days: number;
  batchSize: number;
}

export interface ReconciliationConfig {
  enabled: boolean;
  cron: string;
  lookbackDays: number;
}

/** '512kb' or '2mb' (the only forms the validation lets through) in bytes. */
function sizeInBytes(size: string): number {
  const [, amount, unit] = /^(\d+)(kb|mb)$/.exec(size)!;
  return Number(amount) * (unit === 'mb' ? 1024 * 1024 : 1024);
}

/**
 * The typed configuration of one application, built once from the validated environment before Nest
 * boots. Nothing injects it: ConfigModule serves its sections as namespaces (src/config/namespaces.ts).
 */
export class AppConfig {
  readonly nodeEnv: EnvironmentVariables['NODE_ENV'];
  readonly port: number;
  readonly host: string;
  readonly logLevel: EnvironmentVariables['LOG_LEVEL'];
  /** HTTP_BODY_LIMIT in bytes (kb and mb are powers of 1024, as before). */
  readonly httpBodyLimitBytes: number;
  readonly database: DatabaseConfig;
  readonly stripe: StripeConfig;
  readonly usageGroupCommit: UsageGroupCommitConfig;
  readonly http: HttpConfig;
  readonly auth: AuthConfig;
  readonly rateLimit: RateLimitConfig;
  readonly reporting: ReportingConfig;
  readonly reconciliation: ReconciliationConfig;
  readonly retention: RetentionConfig;
  readonly webhooks: WebhookConfig;
  readonly notifications: NotificationsConfig;
  readonly invoiceVerification: InvoiceVerificationConfig;
  /** Absent: GET /metrics is public. */
  readonly metricsToken?: string;
  /** The OpenAPI UI at /docs and its document at /docs-json are served. */
  readonly docsEnabled: boolean;
  /** The operator console at /console is served (docs/console.md). */
  readonly consoleEnabled: boolean;
  readonly shutdownGraceMs: number;

  constructor(env: EnvironmentVariables) {
    this.nodeEnv = env.NODE_ENV;
    this.port = env.PORT;
    this.host = env.HOST;
    this.logLevel = env.LOG_LEVEL;
    this.httpBodyLimitBytes = sizeInBytes(env.HTTP_BODY_LIMIT);
    this.database = {
      url: env.DATABASE_URL,
      poolMax: env.DATABASE_POOL_MAX,
      readUrl: env.DATABASE_READ_URL,
      readPoolMax: env.DATABASE_READ_POOL_MAX,
      requestStatementTimeoutMs: env.REQUEST_STATEMENT_TIMEOUT_MS,
      embeddedDir: env.EMBEDDED_DATABASE_DIR,
      embeddedPort: env.EMBEDDED_DATABASE_PORT,
    };
    this.stripe = {
      secretKey: env.STRIPE_SECRET_KEY,
      webhookSecrets: env.STRIPE_WEBHOOK_SECRET?.split(',') ?? [],
      apiBaseUrl: env.STRIPE_API_BASE_URL,
      maxNetworkRetries: env.STRIPE_MAX_NETWORK_RETRIES,
      timeoutMs: env.STRIPE_TIMEOUT_MS,
    };
    this.usageGroupCommit = { maxWaitMs: env.USAGE_GROUP_COMMIT_MAX_WAIT_MS, maxEvents: env.USAGE_GROUP_COMMIT_MAX_EVENTS };
    this.http = {
      corsOrigins: env.CORS_ORIGINS?.split(',') ?? [],
      requestTimeoutMs: env.HTTP_REQUEST_TIMEOUT_MS,
      trustProxy: parseTrustProxy(env.TRUST_PROXY),
    };
    this.auth = {
      bootstrapAdminKey: env.BOOTSTRAP_ADMIN_API_KEY,
      keyCacheTtlMs: env.API_KEY_CACHE_TTL_MS,
      failuresPerMinute: env.AUTH_FAILURES_PER_MINUTE,
      unknownKeyCacheTtlMs: env.API_KEY_NEGATIVE_CACHE_TTL_MS,
    };
    this.rateLimit = {
      redisUrl: env.REDIS_URL,
      defaultPerMinute: env.RATE_LIMIT_DEFAULT_PER_MINUTE,
      usageWritePerMinute: env.RATE_LIMIT_USAGE_WRITE_PER_MINUTE,
      usageReadPerMinute: env.RATE_LIMIT_USAGE_READ_PER_MINUTE,
      redisTimeoutMs: env.RATE_LIMIT_REDIS_TIMEOUT_MS,
      expectedReplicas: env.RATE_LIMIT_EXPECTED_REPLICAS,
    };
    this.reporting = {
      enabled: env.REPORTER_ENABLED === 'true',
      cron: env.REPORTER_CRON,
      window: env.REPORTER_WINDOW,
      finalizationGraceMinutes: env.REPORTER_FINALIZATION_GRACE_MINUTES,
      pageSize: env.REPORTER_PAGE_SIZE,
      concurrency: env.REPORTER_CONCURRENCY,
      useV2Stream: env.REPORTER_USE_V2_STREAM === 'true',
      maxRequestsPerSecond: env.REPORTER_MAX_REQUESTS_PER_SECOND,
      maxAttempts: env.REPORTER_MAX_ATTEMPTS,
      retryBaseMs: env.REPORTER_RETRY_BASE_MS,
    };
    this.reconciliation = {
      enabled: env.RECONCILIATION_ENABLED === 'true',
      cron: env.RECONCILIATION_CRON,
      lookbackDays: env.RECONCILIATION_LOOKBACK_DAYS,
    };
    this.retention = { enabled: env.RETENTION_ENABLED === 'true', cron: env.RETENTION_CRON, days: env.USAGE_RETENTION_DAYS, batchSize: env.RETENTION_BATCH_SIZE };
    this.webhooks = {
      retryEnabled: true,
      maxAttempts: env.WEBHOOK_MAX_ATTEMPTS,
      retryBaseSeconds: env.WEBHOOK_RETRY_BASE_SECONDS,
      retrySweepSeconds: env.WEBHOOK_RETRY_SWEEP_SECONDS,
    };
    this.notifications = {
      secretsKey: env.NOTIFICATION_SECRETS_KEY
        ? Buffer.from(env.NOTIFICATION_SECRETS_KEY, 'base64')
        : createHash('sha256').update('meterbridge development notification secrets key').digest(),
      allowedNetworks:
        env.NOTIFICATION_URL_ALLOWED_NETWORKS !== undefined
          ? env.NOTIFICATION_URL_ALLOWED_NETWORKS.split(',').map((network) => network.trim()).filter(Boolean)
          : env.NODE_ENV === 'production' ? [] : DEVELOPMENT_ALLOWED_NETWORKS,
      requireHttps: env.NODE_ENV === 'production',
      deliveryEnabled: env.NOTIFICATION_DELIVERY_ENABLED === 'true',
      pollMs: env.NOTIFICATION_DELIVERY_POLL_MS,
      timeoutMs: env.NOTIFICATION_DELIVERY_TIMEOUT_MS,
      maxAttempts: env.NOTIFICATION_MAX_ATTEMPTS,
      retryBaseMs: env.NOTIFICATION_RETRY_BASE_MS,
      retryMaxDelayMs: env.NOTIFICATION_RETRY_MAX_DELAY_MS,
      maxInFlightPerEndpoint: env.NOTIFICATION_MAX_IN_FLIGHT_PER_ENDPOINT,
      secretOverlapSeconds: env.NOTIFICATION_SECRET_OVERLAP_SECONDS,
      alertsEnabled: env.USAGE_ALERTS_ENABLED === 'true',
      alertsEvaluationMs: env.USAGE_ALERTS_EVALUATION_MS,
    };
    this.invoiceVerification = {
      mode: env.INVOICE_VERIFICATION,
      runnerEnabled: true,
      decideBeforeSeconds: env.INVOICE_VERIFICATION_DECIDE_BEFORE_SECONDS,
      recheckBaseMs: env.INVOICE_VERIFICATION_RECHECK_BASE_MS,
      recheckMaxMs: env.INVOICE_VERIFICATION_RECHECK_MAX_MS,
      maxChecks: env.INVOICE_VERIFICATION_MAX_CHECKS,
      pollMs: env.INVOICE_VERIFICATION_POLL_MS,
      leaseSeconds: env.INVOICE_VERIFICATION_LEASE_SECONDS,
    };
    this.metricsToken = env.METRICS_TOKEN;
    this.docsEnabled = env.DOCS_ENABLED === undefined ? env.NODE_ENV !== 'production' : env.DOCS_ENABLED === 'true';
    this.consoleEnabled = env.CONSOLE_ENABLED === undefined ? env.NODE_ENV !== 'production' : env.CONSOLE_ENABLED === 'true';
    this.shutdownGraceMs = env.SHUTDOWN_GRACE_MS;
  }

  /** Every secret value this process knows, so that log redaction can be proven in tests. */
  secrets(): string[] {
    return [this.stripe.secretKey, ...this.stripe.webhookSecrets, this.auth.bootstrapAdminKey, this.metricsToken, this.notifications.secretsKey.toString('base64')].filter(
      (value): value is string => !!value,
    );
  }

  withDatabaseUrl(url: string): AppConfig {
    return this.with({ database: { ...this.database, url } });
  }

  /** For one-shot processes (the CLI): no cron or sweep may start beside the command. */
  withoutBackgroundJobs(): AppConfig {
    return this.with({
      reporting: { ...this.reporting, enabled: false },
      reconciliation: { ...this.reconciliation, enabled: false },
      retention: { ...this.retention, enabled: false },
      webhooks: { ...this.webhooks, retryEnabled: false },
      notifications: { ...this.notifications, deliveryEnabled: false, alertsEnabled: false },
      invoiceVerification: { ...this.invoiceVerification, runnerEnabled: false },
    });
  }

  private with(changes: Partial<AppConfig>): AppConfig {
    return Object.assign(Object.create(AppConfig.prototype) as AppConfig, this, changes);
  }
}

function parseTrustProxy(value: string): boolean | number | string {
  if (value === 'true' || value === 'false') return value === 'true';
  return /^\d+$/.test(value) ? Number(value) : value;
}

/**
 * The only place that reads `process.env`. A `.env` file in the working directory fills in
 * variables the environment does not set (the environment wins).
 */
export function loadAppConfig(environment: NodeJS.ProcessEnv = process.env, dotenvPath = '.env'): AppConfig {
  const fromFile = existsSync(dotenvPath) ? parseEnv(readFileSync(dotenvPath, 'utf8')) : {};
  return new AppConfig(validateEnvironment({ ...fromFile, ...environment }));
}
