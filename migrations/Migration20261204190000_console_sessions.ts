import { Migration } from '@mikro-orm/migrations';

export class Migration20261204190000_console_sessions extends Migration {

  override name = 'Migration20261204190000_console_sessions';

  override up(): void | Promise<void> {
    this.addSql(`create table "console_sessions" ("id_hash" text not null, "api_key_id" uuid not null, "api_key_prefix" text not null, "scopes" text[] not null, "csrf_token" text not null, "created_at" timestamptz not null default now(), "expires_at" timestamptz not null, primary key ("id_hash"));`);
    this.addSql(`create index "console_sessions_expires_at" on "console_sessions" ("expires_at");`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "console_sessions" cascade;`);
  }

}
