import { Migration } from '@mikro-orm/migrations';

export class Migration20261125170604_reporting extends Migration {

  override name = 'Migration20261125170604_reporting';

  override up(): void | Promise<void> {
    this.addSql(`create table "reconciliation_runs" ("id" bigserial primary key, "trigger" text not null, "range_from" timestamptz not null, "range_to" timestamptz not null, "started_at" timestamptz not null, "finished_at" timestamptz null, "compared" int not null default 0, "drift_count" int not null default 0, "error" text null);`);

    this.addSql(`create table "reconciliation_drifts" ("id" bigserial primary key, "run_id" bigint not null, "customer_id" uuid not null, "meter_id" uuid not null, "day" timestamptz not null, "local_units" numeric(30,6) not null, "stripe_units" numeric(30,6) not null);`);
    this.addSql(`create index "reconciliation_drifts_run" on "reconciliation_drifts" ("run_id");`);

    this.addSql(`create table "reporter_runs" ("id" bigserial primary key, "trigger" text not null, "started_at" timestamptz not null, "finished_at" timestamptz null, "claimed_events" bigint not null default '0', "claimed_reports" int not null default 0, "released" int not null default 0, "sent" int not null default 0, "failed" int not null default 0, "retry_later" int not null default 0, "error" text null);`);
    this.addSql(`create index "reporter_runs_started_at" on "reporter_runs" ("started_at");`);

    this.addSql(`create table "reporter_watermark" ("id" smallint not null, "last_tx" xid8 not null, primary key ("id"));`);

    this.addSql(`create table "usage_reports" ("id" bigserial primary key, "customer_id" uuid not null, "meter_id" uuid not null, "billing_period_id" bigint null, "window_start" timestamptz not null, "window_end" timestamptz not null, "sequence" int not null, "units" bigint not null, "event_count" bigint not null, "report_time" timestamptz not null, "oldest_received_at" timestamptz not null, "tx_from" xid8 not null, "tx_to" xid8 not null, "identifier" text not null, "status" text not null, "late_adjustment" boolean not null default false, "failure_reason" text null, "attempts" int not null default 0, "sent_at" timestamptz null, "confirmed_at" timestamptz null, "created_at" timestamptz not null default now());`);
    this.addSql(`create index usage_reports_late_adjustments on usage_reports (id) where late_adjustment;`);
    this.addSql(`create index "usage_reports_billing_period" on "usage_reports" ("billing_period_id");`);
    this.addSql(`create index "usage_reports_status_id" on "usage_reports" ("status", "id");`);
    this.addSql(`alter table "usage_reports" add constraint "usage_reports_window_sequence" unique ("customer_id", "meter_id", "window_start", "sequence");`);
    this.addSql(`alter table "usage_reports" add constraint "usage_reports_identifier" unique ("identifier");`);

    this.addSql(`alter table "reconciliation_drifts" add constraint "reconciliation_drifts_run_id_foreign" foreign key ("run_id") references "reconciliation_runs" ("id") on delete cascade;`);

    this.addSql(`alter table "reporter_watermark" add constraint "reporter_watermark_single_row" check (id = 1);`);
    // the watermark's one row: nothing claimed yet
    this.addSql(`insert into "reporter_watermark" ("id", "last_tx") values (1, '0');`);

    this.addSql(`alter table "usage_reports" add constraint "usage_reports_status_check" check (status in ('held', 'pending', 'sent', 'confirmed', 'failed', 'late_unbillable'));`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "reconciliation_drifts" drop constraint "reconciliation_drifts_run_id_foreign";`);

    this.addSql(`drop table if exists "reconciliation_runs" cascade;`);
    this.addSql(`drop table if exists "reconciliation_drifts" cascade;`);
    this.addSql(`drop table if exists "reporter_runs" cascade;`);
    this.addSql(`drop table if exists "reporter_watermark" cascade;`);
    this.addSql(`drop table if exists "usage_reports" cascade;`);
  }

}
