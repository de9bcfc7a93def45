import { Module, type OnModuleInit } from '@nestjs/common';
import { MikroOrmModule } from '@mikro-orm/nestjs';
import { MikroORM, PostgreSqlDriver } from '@mikro-orm/postgresql';
import type { ConfigType } from '@nestjs/config';
import { databaseConfig } from '../config/namespaces.js';
import { MigrationService } from './migration.service.js';
import { ormOptions } from './orm-options.js';
import { RequestReadsDatabase } from './request-reads.js';

@Module({
  imports: [
    MikroOrmModule.forRootAsync({
      driver: PostgreSqlDriver,
      inject: [databaseConfig.KEY],
      useFactory: (database: ConfigType<typeof databaseConfig>) => ({
        ...ormOptions(database.url ?? '', database.poolMax),
        autoLoadEntities: true,
        // every repository forks its own EntityManager (or runs SQL), so no per-request context
        // middleware is needed on the hot path (it cost ~4% of ingest CPU)
        registerRequestContext: false,
      }),
    }),
  ],
  providers: [
    MigrationService,
    {
      provide: RequestReadsDatabase,
      inject: [databaseConfig.KEY, MikroORM],
      useFactory: (database: ConfigType<typeof databaseConfig>, primary: MikroORM) =>
        RequestReadsDatabase.connect(database, [...primary.getMetadata().getAll().values()].map((entity) => entity.class)),
    },
  ],
  exports: [MigrationService, RequestReadsDatabase],
})
export class DatabaseModule implements OnModuleInit {
  constructor(private readonly orm: MikroORM) {}

  /** MikroORM 7 connects lazily; connecting at boot makes an unreachable database fail the start. */
  async onModuleInit(): Promise<void> {
    await this.orm.connect();
  }
}
