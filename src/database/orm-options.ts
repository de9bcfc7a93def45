import { Migrator } from '@mikro-orm/migrations';
import { PostgreSqlDriver, type Options } from '@mikro-orm/postgresql';
import { ReflectMetadataProvider } from '@mikro-orm/decorators/legacy';
import { migrationsList } from '../../migrations/index.js';

/**
 * MikroORM options for the service, its CLI and its tests. Migrations are an explicit list
 * (migrations/index.ts) rather than a folder glob, so the compiled app, jest and the Docker image
 * all load the same classes; schema snapshots are off because the image's file system is read-only.
 */
export function ormOptions(databaseUrl: string, poolMax: number): Options {
  return {
    driver: PostgreSqlDriver,
    clientUrl: databaseUrl,
    pool: { max: poolMax },
    metadataProvider: ReflectMetadataProvider,
    discovery: { warnWhenNoEntities: false },
    extensions: [Migrator],
    migrations: {
      migrationsList,
      tableName: 'mikro_orm_migrations',
      pathTs: 'migrations',
      path: 'dist/migrations',
      snapshot: false,
      snapshotOnMigrate: false,
      silent: true,
      emit: 'ts',
    },
    forceUtcTimezone: true,
    timezone: 'UTC',
  };
}
