import { getConfigToken, registerAs, type ConfigFactory } from '@nestjs/config';
import type { AppConfig } from './app-config.js';

/**
 * A typed configuration namespace of @nestjs/config: a service injects only the one it uses, with
 * `@Inject(reportingConfig.KEY) reporting: ConfigType<typeof reportingConfig>`. Its values are read
 * from the AppConfig of the application being built (docs/architecture.md, Configuration).
 */
export interface ConfigNamespace<T extends object> {
  (config: AppConfig): T;
  readonly NAME: string;
  /** The provider token, the same `registerAs(NAME, …)` gives. */
  readonly KEY: string;
}

function namespace<T extends object>(name: string, read: (config: AppConfig) => T): ConfigNamespace<T> {
  return Object.assign((config: AppConfig) => read(config), { NAME: name, KEY: getConfigToken(name) });
}

export const runtimeConfig = namespace('runtime', (config) => ({ nodeEnv: config.nodeEnv }));
export const databaseConfig = namespace('database', (config) => config.database);
export const stripeConfig = namespace('stripe', (config) => config.stripe);
export const authConfig = namespace('auth', (config) => config.auth);
export const rateLimitConfig = namespace('rateLimit', (config) => config.rateLimit);
export const metricsConfig = namespace('metrics', (config) => ({ token: config.metricsToken }));
export const usageGroupCommitConfig = namespace('usageGroupCommit', (config) => config.usageGroupCommit);
export const reportingConfig = namespace('reporting', (config) => config.reporting);
export const reconciliationConfig = namespace('reconciliation', (config) => config.reconciliation);
export const retentionConfig = namespace('retention', (config) => config.retention);
export const webhooksConfig = namespace('webhooks', (config) => config.webhooks);
export const notificationsConfig = namespace('notifications', (config) => config.notifications);
export const invoiceVerificationConfig = namespace('invoiceVerification', (config) => config.invoiceVerification);

const NAMESPACES: ConfigNamespace<object>[] = [
  runtimeConfig,
  databaseConfig,
  stripeConfig,
  authConfig,
  rateLimitConfig,
  metricsConfig,
  usageGroupCommitConfig,
  reportingConfig,
  reconciliationConfig,
  retentionConfig,
  webhooksConfig,
  notificationsConfig,
  invoiceVerificationConfig,
];

/** Every namespace as a `registerAs` factory over this one AppConfig, for ConfigModule.forRoot's `load`. */
export function namespaceFactories(config: AppConfig): ConfigFactory[] {
  return NAMESPACES.map((each) => registerAs(each.NAME, () => each(config)));
}
