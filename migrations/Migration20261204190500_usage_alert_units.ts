import { Migration } from '@mikro-orm/migrations';

export class Migration20261204190500_usage_alert_units extends Migration {

  override name = 'Migration20261204190500_usage_alert_units';

  override up(): void | Promise<void> {
    // empty at first: a pair without a row is computed from the ledger at its next change; every
    // pass rewrites its changed rows, so pages keep room for the new versions (HOT updates, no index write)
    this.addSql(`create table "usage_alert_units" ("customer_id" uuid not null, "meter_id" uuid not null, "period_start" timestamptz not null, "period_end" timestamptz not null, "partial" jsonb not null, primary key ("customer_id", "meter_id")) with (fillfactor = 50);`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "usage_alert_units" cascade;`);
  }

}
