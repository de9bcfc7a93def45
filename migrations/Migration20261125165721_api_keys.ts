import { Migration } from '@mikro-orm/migrations';

export class Migration20261125165721_api_keys extends Migration {

  override name = 'Migration20261125165721_api_keys';

  override up(): void | Promise<void> {
    this.addSql(`create table "api_keys" ("id" uuid not null default gen_random_uuid(), "name" text not null, "prefix" text not null, "hash" text not null, "scopes" text[] not null, "created_at" timestamptz not null default now(), "last_used_at" timestamptz null, "revoked_at" timestamptz null, primary key ("id"));`);
    this.addSql(`alter table "api_keys" add constraint "api_keys_prefix_unique" unique ("prefix");`);
    this.addSql(`alter table "api_keys" add constraint "api_keys_hash_unique" unique ("hash");`);

    this.addSql(`alter table "api_keys" add constraint "api_keys_scopes_check" check (scopes <@ array['admin', 'usage:write', 'usage:read']::text[] and cardinality(scopes) > 0);`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "api_keys" cascade;`);
  }

}
