import { Migration } from '@mikro-orm/migrations';

export class Migration20261204174013_invoice_verifications extends Migration {

  override name = 'Migration20261204174013_invoice_verifications';

  override up(): void | Promise<void> {
    this.addSql(`create table "invoice_verifications" ("id" bigserial primary key, "stripe_invoice_id" text not null, "stripe_subscription_id" text not null, "state" text not null default 'pending', "checks" int not null default 0, "next_check_at" timestamptz null default now(), "finalizes_at" timestamptz null, "period_start" timestamptz not null, "period_end" timestamptz not null, "lines" jsonb not null default '[]', "hold_requested" boolean not null default false, "reason" text null, "decided_at" timestamptz null, "released_at" timestamptz null, "release_reason" text null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now());`);
    this.addSql(`alter table "invoice_verifications" add constraint "invoice_verifications_stripe_invoice_id_unique" unique ("stripe_invoice_id");`);
    this.addSql(`create index "invoice_verifications_state" on "invoice_verifications" ("state", "id");`);
    this.addSql(`create index "invoice_verifications_due" on "invoice_verifications" ("next_check_at") where state = 'pending';`);

    this.addSql(`alter table "invoice_verifications" add constraint "invoice_verifications_state_check" check (state in ('pending', 'matched', 'held', 'mismatched', 'released', 'skipped'));`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "invoice_verifications" cascade;`);
  }

}
