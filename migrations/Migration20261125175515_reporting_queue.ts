import { Migration } from '@mikro-orm/migrations';

export class Migration20261125175515_reporting_queue extends Migration {

  override name = 'Migration20261125175515_reporting_queue';

  override up(): void | Promise<void> {
    this.addSql(`create table "report_queue" ("report_id" bigint not null, "state" text not null, "attempts" int not null default 0, "failure_reason" text null, primary key ("report_id"));`);

    this.addSql(`alter table "usage_reports" add "late_unbillable" boolean not null default false;`);
    // what is still to do about existing reports moves to the queue before their status column goes
    this.addSql(`insert into "report_queue" ("report_id", "state", "attempts", "failure_reason") select "id", "status", "attempts", "failure_reason" from "usage_reports" where "status" in ('pending', 'held', 'failed');`);
    this.addSql(`update "usage_reports" set "late_unbillable" = true where "status" = 'late_unbillable';`);

    this.addSql(`drop index "usage_reports_billing_period";`);
    this.addSql(`alter table "usage_reports" drop constraint "usage_reports_identifier";`);
    this.addSql(`drop index "usage_reports_status_id";`);
    this.addSql(`alter table "usage_reports" drop constraint "usage_reports_status_check";`);
    this.addSql(`alter table "usage_reports" drop column "identifier", drop column "status", drop column "failure_reason", drop column "attempts", drop column "sent_at";`);
    this.addSql(`create index usage_reports_late_unbillable on usage_reports (id) where late_unbillable;`);

    this.addSql(`alter table "report_queue" add constraint "report_queue_state_check" check (state in ('pending', 'held', 'failed'));`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "report_queue" cascade;`);

    this.addSql(`drop index "usage_reports_late_unbillable";`);
    this.addSql(`alter table "usage_reports" drop column "late_unbillable";`);
    this.addSql(`alter table "usage_reports" add "identifier" text not null, add "status" text not null, add "failure_reason" text null, add "attempts" int4 not null default 0, add "sent_at" timestamptz(6) null;`);
    this.addSql(`create index "usage_reports_billing_period" on "usage_reports" ("billing_period_id");`);
    this.addSql(`alter table "usage_reports" add constraint "usage_reports_identifier" unique ("identifier");`);
    this.addSql(`create index "usage_reports_status_id" on "usage_reports" ("status", "id");`);
    this.addSql(`alter table "usage_reports" add constraint "usage_reports_status_check" check ("status" in ('held', 'pending', 'sent', 'confirmed', 'failed', 'late_unbillable'));`);
  }

}
