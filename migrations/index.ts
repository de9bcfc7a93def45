// Maintained by `npm run migration:create`: every migration class, oldest first.
import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261125164704_initial_schema } from './Migration20261125164704_initial_schema.js';
import { Migration20261125165439_billing_periods } from './Migration20261125165439_billing_periods.js';
import { Migration20261125165721_api_keys } from './Migration20261125165721_api_keys.js';
import { Migration20261125170604_reporting } from './Migration20261125170604_reporting.js';
import { Migration20261125170746_webhook_events } from './Migration20261125170746_webhook_events.js';
import { Migration20261125175515_reporting_queue } from './Migration20261125175515_reporting_queue.js';
import { Migration20261204160810_notifications } from './Migration20261204160810_notifications.js';
import { Migration20261204164804_corrections } from './Migration20261204164804_corrections.js';
import { Migration20261204174013_invoice_verifications } from './Migration20261204174013_invoice_verifications.js';
import { Migration20261204190000_usage_retention } from './Migration20261204190000_usage_retention.js';
import { Migration20261204190500_usage_alert_units } from './Migration20261204190500_usage_alert_units.js';
import { Migration20261204190000_console_sessions } from './Migration20261204190000_console_sessions.js';

export const migrationsList: MigrationObject[] = [
  { name: 'Migration20261125164704_initial_schema', class: Migration20261125164704_initial_schema },
  { name: 'Migration20261125165439_billing_periods', class: Migration20261125165439_billing_periods },
  { name: 'Migration20261125165721_api_keys', class: Migration20261125165721_api_keys },
  { name: 'Migration20261125170604_reporting', class: Migration20261125170604_reporting },
  { name: 'Migration20261125170746_webhook_events', class: Migration20261125170746_webhook_events },
  { name: 'Migration20261125175515_reporting_queue', class: Migration20261125175515_reporting_queue },
  { name: 'Migration20261204160810_notifications', class: Migration20261204160810_notifications },
  { name: 'Migration20261204164804_corrections', class: Migration20261204164804_corrections },
  { name: 'Migration20261204174013_invoice_verifications', class: Migration20261204174013_invoice_verifications },
  { name: 'Migration20261204190000_usage_retention', class: Migration20261204190000_usage_retention },
  { name: 'Migration20261204190500_usage_alert_units', class: Migration20261204190500_usage_alert_units },
  { name: 'Migration20261204190000_console_sessions', class: Migration20261204190000_console_sessions },
];
