import { Migration } from '@mikro-orm/migrations';

export class Migration20261204160810_notifications extends Migration {

  override name = 'Migration20261204160810_notifications';

  override up(): void | Promise<void> {
    this.addSql(`create table "notifications" ("id" text not null, "type" text not null, "data" jsonb not null, "created_at" timestamptz not null default now(), primary key ("id"));`);

    this.addSql(`create table "notification_deliveries" ("id" bigserial primary key, "notification_id" text not null, "endpoint_id" uuid not null, "state" text not null default 'pending', "attempts" int not null default 0, "next_attempt_at" timestamptz not null default now(), "last_status" int null, "last_error" text null, "delivered_at" timestamptz null, "created_at" timestamptz not null default now());`);
    this.addSql(`create index "notification_deliveries_endpoint" on "notification_deliveries" ("endpoint_id", "id");`);
    this.addSql(`create index "notification_deliveries_due" on "notification_deliveries" ("next_attempt_at") where state in ('pending', 'sending');`);
    this.addSql(`alter table "notification_deliveries" add constraint "notification_deliveries_once" unique ("notification_id", "endpoint_id");`);

    this.addSql(`create table "notification_endpoints" ("id" uuid not null, "url" text not null, "description" text null, "events" text[] not null, "enabled" boolean not null default true, "disabled_reason" text null, "secret_ciphertext" text not null, "previous_secret_ciphertext" text null, "previous_secret_expires_at" timestamptz null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), primary key ("id"));`);

    this.addSql(`create table "usage_alerts" ("id" uuid not null default gen_random_uuid(), "name" text not null, "meter_id" uuid not null, "customer_id" uuid null, "threshold" bigint not null, "created_at" timestamptz not null default now(), primary key ("id"));`);
    this.addSql(`create index "usage_alerts_meter" on "usage_alerts" ("meter_id");`);

    this.addSql(`create table "usage_alert_crossings" ("alert_id" uuid not null, "customer_id" uuid not null, "period_start" timestamptz not null, "units" bigint not null, "crossed_at" timestamptz not null default now(), primary key ("alert_id", "customer_id", "period_start"));`);

    this.addSql(`create table "usage_alert_watermark" ("id" smallint not null, "last_tx" xid8 not null, primary key ("id"));`);

    this.addSql(`alter table "notification_deliveries" add constraint "notification_deliveries_state_check" check (state in ('pending', 'sending', 'delivered', 'dead'));`);

    this.addSql(`alter table "usage_alert_watermark" add constraint "usage_alert_watermark_single_row" check (id = 1);`);
    // usage stored before alerts existed is not evaluated: an alert fires on usage that arrives after it
    this.addSql(`insert into "usage_alert_watermark" ("id", "last_tx") values (1, pg_current_xact_id());`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "notifications" cascade;`);
    this.addSql(`drop table if exists "notification_deliveries" cascade;`);
    this.addSql(`drop table if exists "notification_endpoints" cascade;`);
    this.addSql(`drop table if exists "usage_alerts" cascade;`);
    this.addSql(`drop table if exists "usage_alert_crossings" cascade;`);
    this.addSql(`drop table if exists "usage_alert_watermark" cascade;`);
  }

}
