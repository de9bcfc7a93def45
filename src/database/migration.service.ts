import { Inject, Injectable, Logger } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { MikroORM } from '@mikro-orm/postgresql';
import { databaseConfig } from '../config/namespaces.js';
import { AdvisoryLock, withAdvisoryLock } from './advisory-lock.js';

@Injectable()
export class MigrationService {
  private readonly logger = new Logger(MigrationService.name);

  constructor(
    private readonly orm: MikroORM,
    @Inject(databaseConfig.KEY) private readonly database: ConfigType<typeof databaseConfig>,
  ) {}

  /** Applies pending migrations; replicas starting together queue on the lock and find nothing left. */
  async migrateUnderLock(): Promise<string[]> {
    const applied = await withAdvisoryLock(this.databaseUrl(), AdvisoryLock.Migrations, () => this.orm.migrator.up());
    const names = applied.map((migration) => migration.name);
    if (names.length > 0) this.logger.log({ migrations: names }, `applied ${names.length} migration(s)`);
    return names;
  }

  async pendingMigrations(): Promise<string[]> {
    return (await this.orm.migrator.getPending()).map((migration) => migration.name);
  }

  private databaseUrl(): string {
    const url = this.database.url;
    if (!url) throw new Error('database url is resolved before the application module is created');
    return url;
  }
}
