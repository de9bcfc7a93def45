import { Migration } from '@mikro-orm/migrations';

export class Migration20261125165439_billing_periods extends Migration {

  override name = 'Migration20261125165439_billing_periods';

  override up(): void | Promise<void> {
    this.addSql(`create table "billing_periods" ("id" bigserial primary key, "subscription_item_id" uuid not null, "customer_id" uuid not null, "meter_id" uuid not null, "period_start" timestamptz not null, "period_end" timestamptz not null, "stripe_invoice_id" text null, "invoice_finalized_at" timestamptz null, "created_at" timestamptz not null default now());`);
    this.addSql(`create index "billing_periods_customer_meter_start" on "billing_periods" ("customer_id", "meter_id", "period_start");`);
    this.addSql(`alter table "billing_periods" add constraint "billing_periods_item_start" unique ("subscription_item_id", "period_start");`);

    this.addSql(`alter table "billing_periods" add constraint "billing_periods_subscription_item_id_foreign" foreign key ("subscription_item_id") references "subscription_items" ("id") on delete cascade;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "billing_periods" cascade;`);
  }

}
