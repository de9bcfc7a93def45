import type { DynamicModule } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import type { AppConfig } from './app-config.js';
import { namespaceFactories } from './namespaces.js';

/**
 * @nestjs/config's ConfigModule for one application, serving the namespaces of src/config/namespaces.ts
 * from an AppConfig validated before Nest boots. It reads neither process.env nor a .env file and
 * writes nothing to process.env, so several apps in one process keep their own settings
 * (docs/architecture.md, Configuration).
 */
export function configModuleFor(config: AppConfig): Promise<DynamicModule> {
  return ConfigModule.forRoot({
    isGlobal: true,
    ignoreEnvFile: true,
    validatePredefined: false,
    skipProcessEnv: true,
    load: namespaceFactories(config),
  });
}
