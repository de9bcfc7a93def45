import { Migration } from '@mikro-orm/migrations';

export class Migration20261125170746_webhook_events extends Migration {

  override name = 'Migration20261125170746_webhook_events';

  override up(): void | Promise<void> {
    this.addSql(`create table "webhook_events" ("id" text not null, "type" text not null, "stripe_created_at" timestamptz not null, "payload" jsonb not null, "status" text not null default 'received', "attempts" int not null default 0, "last_error" text null, "next_attempt_at" timestamptz null, "received_at" timestamptz not null default now(), "processed_at" timestamptz null, primary key ("id"));`);
    this.addSql(`create index "webhook_events_due" on "webhook_events" ("status", "next_attempt_at");`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "webhook_events" cascade;`);
  }

}
