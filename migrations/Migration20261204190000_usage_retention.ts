import { Migration } from '@mikro-orm/migrations';

export class Migration20261204190000_usage_retention extends Migration {

  override name = 'Migration20261204190000_usage_retention';

  override up(): void | Promise<void> {
    this.addSql(`create table "usage_daily" ("customer_id" uuid not null, "meter_id" uuid not null, "bucket_start" timestamptz not null, "bucket_end" timestamptz not null, "units" numeric(40,0) not null, "event_count" bigint not null, "unbillable_units" numeric(40,0) not null, "unbillable_events" bigint not null, "last_value" bigint not null, "last_time" timestamptz not null, "last_event_id" bigint not null, "last_unbillable" boolean not null, "updated_at" timestamptz not null default now(), primary key ("customer_id", "meter_id", "bucket_start"));`);

    this.addSql(`create table "retention_state" ("id" smallint not null, "last_run_started_at" timestamptz null, "last_run_finished_at" timestamptz null, "last_rollup_at" timestamptz null, "horizon" timestamptz null, "last_run_deleted" bigint not null default '0', "deleted_total" bigint not null default '0', "last_error" text null, primary key ("id"));`);
    this.addSql(`alter table "retention_state" add constraint "retention_state_single_row" check (id = 1);`);
    // the state's one row: nothing rolled up yet
    this.addSql(`insert into "retention_state" ("id") values (1);`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "usage_daily" cascade;`);
    this.addSql(`drop table if exists "retention_state" cascade;`);
  }

}
