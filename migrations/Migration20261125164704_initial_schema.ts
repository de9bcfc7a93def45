import { Migration } from '@mikro-orm/migrations';

export class Migration20261125164704_initial_schema extends Migration {

  override name = 'Migration20261125164704_initial_schema';

  override up(): void | Promise<void> {
    this.addSql(`create table "customers" ("id" uuid not null default gen_random_uuid(), "external_id" text not null, "email" text not null, "name" text null, "stripe_customer_id" text null, "stripe_test_clock_id" text null, "status" text not null default 'active', "status_changed_at" timestamptz null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), primary key ("id"));`);
    this.addSql(`alter table "customers" add constraint "customers_external_id_unique" unique ("external_id");`);
    this.addSql(`alter table "customers" add constraint "customers_stripe_customer_id_unique" unique ("stripe_customer_id");`);

    this.addSql(`create table "meters" ("id" uuid not null default gen_random_uuid(), "key" text not null, "display_name" text not null, "aggregation" text not null, "event_name" text not null, "unit_amount_decimal" numeric(24,12) not null, "currency" char(3) not null, "late_usage_policy" text not null default 'next_period', "active" boolean not null default true, "stripe_meter_id" text null, "stripe_product_id" text null, "stripe_price_id" text null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), primary key ("id"));`);
    this.addSql(`alter table "meters" add constraint "meters_key_unique" unique ("key");`);
    this.addSql(`alter table "meters" add constraint "meters_event_name_unique" unique ("event_name");`);
    this.addSql(`alter table "meters" add constraint "meters_stripe_meter_id_unique" unique ("stripe_meter_id");`);
    this.addSql(`alter table "meters" add constraint "meters_stripe_price_id_unique" unique ("stripe_price_id");`);

    this.addSql(`create table "subscriptions" ("id" uuid not null default gen_random_uuid(), "customer_id" uuid not null, "stripe_subscription_id" text null, "status" text not null, "cancel_at_period_end" boolean not null default false, "cancel_at" timestamptz null, "canceled_at" timestamptz null, "ended_at" timestamptz null, "billing_cycle_anchor" timestamptz null, "stripe_state_at" timestamptz null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), primary key ("id"));`);
    this.addSql(`alter table "subscriptions" add constraint "subscriptions_stripe_subscription_id_unique" unique ("stripe_subscription_id");`);
    this.addSql(`create unique index subscriptions_one_live_per_customer on subscriptions (customer_id) where status not in ('canceled', 'incomplete_expired');`);

    this.addSql(`create table "subscription_items" ("id" uuid not null default gen_random_uuid(), "subscription_id" uuid not null, "meter_id" uuid not null, "stripe_item_id" text not null, "stripe_price_id" text not null, "current_period_start" timestamptz not null, "current_period_end" timestamptz not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), primary key ("id"));`);
    this.addSql(`alter table "subscription_items" add constraint "subscription_items_stripe_item_id_unique" unique ("stripe_item_id");`);
    this.addSql(`alter table "subscription_items" add constraint "subscription_items_subscription_id_meter_id_unique" unique ("subscription_id", "meter_id");`);

    this.addSql(`create table "usage_events" ("id" bigserial primary key, "customer_id" uuid not null, "meter_id" uuid not null, "idempotency_key" text not null, "value" bigint not null, "event_time" timestamptz not null, "timestamp_defaulted" boolean not null default false, "received_at" timestamptz not null default now(), "properties" jsonb null, "tx_id" xid8 not null default pg_current_xact_id());`);
    this.addSql(`create index "usage_events_tx" on "usage_events" ("tx_id");`);
    this.addSql(`create index "usage_events_customer_meter_time" on "usage_events" ("customer_id", "meter_id", "event_time");`);
    this.addSql(`alter table "usage_events" add constraint "usage_events_customer_idempotency_key" unique ("customer_id", "idempotency_key");`);

    this.addSql(`alter table "customers" add constraint "customers_status_check" check (status in ('active', 'past_due', 'canceled', 'deleted'));`);

    this.addSql(`alter table "meters" add constraint "meters_unit_amount_decimal_check" check (unit_amount_decimal >= 0);`);
    this.addSql(`alter table "meters" add constraint "meters_late_usage_policy_check" check (late_usage_policy in ('next_period', 'record_only'));`);
    this.addSql(`alter table "meters" add constraint "meters_aggregation_check" check (aggregation in ('sum', 'count', 'last'));`);
    this.addSql(`alter table "meters" add constraint "meters_key_check" check (key ~ '^[a-z][a-z0-9_-]{0,62}\$');`);

    this.addSql(`alter table "subscriptions" add constraint "subscriptions_customer_id_foreign" foreign key ("customer_id") references "customers" ("id");`);

    this.addSql(`alter table "subscription_items" add constraint "subscription_items_subscription_id_foreign" foreign key ("subscription_id") references "subscriptions" ("id") on delete cascade;`);
    this.addSql(`alter table "subscription_items" add constraint "subscription_items_meter_id_foreign" foreign key ("meter_id") references "meters" ("id");`);

    this.addSql(`alter table "usage_events" add constraint "usage_events_customer_id_foreign" foreign key ("customer_id") references "customers" ("id");`);
    this.addSql(`alter table "usage_events" add constraint "usage_events_meter_id_foreign" foreign key ("meter_id") references "meters" ("id");`);
    this.addSql(`alter table "usage_events" add constraint "usage_events_value_check" check (value >= 0);`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "subscriptions" drop constraint "subscriptions_customer_id_foreign";`);
    this.addSql(`alter table "usage_events" drop constraint "usage_events_customer_id_foreign";`);
    this.addSql(`alter table "subscription_items" drop constraint "subscription_items_meter_id_foreign";`);
    this.addSql(`alter table "usage_events" drop constraint "usage_events_meter_id_foreign";`);
    this.addSql(`alter table "subscription_items" drop constraint "subscription_items_subscription_id_foreign";`);

    this.addSql(`drop table if exists "customers" cascade;`);
    this.addSql(`drop table if exists "meters" cascade;`);
    this.addSql(`drop table if exists "subscriptions" cascade;`);
    this.addSql(`drop table if exists "subscription_items" cascade;`);
    this.addSql(`drop table if exists "usage_events" cascade;`);
  }

}
