import { existsSync, readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';
import { validateEnvironment, type EnvironmentVariables } from './environment.js';

export interface DatabaseConfig {
  /** Absent: the service starts an embedded PostgreSQL under `embeddedDir`. */
  url?: string;
  poolMax: number;
  embeddedDir: string;
  embeddedPort: number;
}

export interface StripeConfig {
  /** Absent: the service talks to its in-process Stripe emulator. */
  secretKey?: string;
  webhookSecrets: string[];
}

/** The typed configuration every other module injects. Built once, from a validated environment. */
export class AppConfig {
  readonly nodeEnv: EnvironmentVariables['NODE_ENV'];
  readonly port: number;
  readonly logLevel: EnvironmentVariables['LOG_LEVEL'];
  readonly httpBodyLimit: string;
  readonly database: DatabaseConfig;
  readonly stripe: StripeConfig;
  readonly redisUrl?: string;

  constructor(env: EnvironmentVariables) {
    this.nodeEnv = env.NODE_ENV;
    this.port = env.PORT;
    this.logLevel = env.LOG_LEVEL;
    this.httpBodyLimit = env.HTTP_BODY_LIMIT;
    this.database = {
      url: env.DATABASE_URL,
      poolMax: env.DATABASE_POOL_MAX,
      embeddedDir: env.EMBEDDED_DATABASE_DIR,
      embeddedPort: env.EMBEDDED_DATABASE_PORT,
    };
    this.stripe = {
      secretKey: env.STRIPE_SECRET_KEY,
      webhookSecrets: env.STRIPE_WEBHOOK_SECRET?.split(',') ?? [],
    };
    this.redisUrl = env.REDIS_URL;
  }

  /** Every secret value this process knows, so that log redaction can be proven in tests. */
  secrets(): string[] {
    return [this.stripe.secretKey, ...this.stripe.webhookSecrets].filter((value): value is string => !!value);
  }

  withDatabaseUrl(url: string): AppConfig {
    return Object.assign(Object.create(AppConfig.prototype) as AppConfig, this, { database: { ...this.database, url } });
  }
}

/**
 * The only place that reads `process.env`. A `.env` file in the working directory fills in
 * variables the environment does not set (the environment wins).
 */
export function loadAppConfig(environment: NodeJS.ProcessEnv = process.env, dotenvPath = '.env'): AppConfig {
  const fromFile = existsSync(dotenvPath) ? parseEnv(readFileSync(dotenvPath, 'utf8')) : {};
  return new AppConfig(validateEnvironment({ ...fromFile, ...environment }));
}
