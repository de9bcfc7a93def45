import { Migration } from '@mikro-orm/migrations';

export class Migration20261204164804_corrections extends Migration {

  override name = 'Migration20261204164804_corrections';

  override up(): void | Promise<void> {
    this.addSql(`create table "report_cancellations" ("report_id" bigint not null, "part" int not null, "by_report_id" bigint not null, "cancelled" boolean not null, "value" bigint not null, "decided_at" timestamptz not null default now(), primary key ("report_id", "part"));`);
    this.addSql(`create index "report_cancellations_by_report" on "report_cancellations" ("by_report_id");`);

    this.addSql(`create table "report_deliveries" ("report_id" bigint not null, "sent_at" timestamptz not null default now(), primary key ("report_id"));`);

    this.addSql(`create table "usage_corrections" ("id" bigserial primary key, "event_id" bigint not null, "customer_id" uuid not null, "meter_id" uuid not null, "correction_key" text not null, "value" bigint not null, "previous_value" bigint not null, "report_units" bigint not null, "billable" boolean not null, "reason" text not null, "created_by" text not null, "billing" text not null, "event_time" timestamptz not null, "created_at" timestamptz not null default now(), "tx_id" xid8 not null default pg_current_xact_id());`);
    this.addSql(`create index "usage_corrections_customer_meter_time" on "usage_corrections" ("customer_id", "meter_id", "event_time");`);
    this.addSql(`create index "usage_corrections_tx" on "usage_corrections" ("tx_id");`);
    this.addSql(`create index "usage_corrections_event" on "usage_corrections" ("event_id", "id");`);
    this.addSql(`alter table "usage_corrections" add constraint "usage_corrections_customer_key" unique ("customer_id", "correction_key");`);

    this.addSql(`alter table "usage_reports" add "correction_count" int not null default 0;`);

    this.addSql(`alter table "usage_corrections" add constraint "usage_corrections_billing_check" check (billing in ('pending', 'adjusting', 'late'));`);
    this.addSql(`alter table "usage_corrections" add constraint "usage_corrections_value_check" check (value >= 0);`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "report_cancellations" cascade;`);
    this.addSql(`drop table if exists "report_deliveries" cascade;`);
    this.addSql(`drop table if exists "usage_corrections" cascade;`);

    this.addSql(`alter table "usage_reports" drop column "correction_count";`);
  }

}
