import { NestFactory } from '@nestjs/core';
import type { INestApplicationContext } from '@nestjs/common';
import type { Command } from 'commander';
import { AppModule } from '../app.module.js';
import { loadAppConfig } from '../config/app-config.js';
import { resolveDatabase } from '../database/resolve-database.js';

export interface OpenedAppContext {
  app: INestApplicationContext;
  /** Runs the shutdown hooks, then stops the embedded database when this process started it. */
  close(): Promise<void>;
}

/** Resolves a command's application context on first use, so `--help` needs no database. */
export type AppContextProvider = () => Promise<INestApplicationContext>;

/**
 * How a module contributes CLI commands: it exports one of these (`registerApiKeyCommands`, …)
 * and src/cli/cli.main.ts lists it. Actions print what they did to stdout and signal failure with
 * `process.exitCode`.
 */
export type CommandRegistrar = (program: Command, getApp: AppContextProvider) => void;

/** The whole application without HTTP, on the same database the service would use (see src/main.ts). */
export async function openAppContext(announce: (line: string) => void): Promise<OpenedAppContext> {
  const { config, embedded } = await resolveDatabase(loadAppConfig().withoutBackgroundJobs(), announce);
  try {
    const app = await NestFactory.createApplicationContext(AppModule.forRoot(config), { logger: ['error'] });
    return {
      app,
      close: async () => {
        await app.close();
        await embedded?.stop();
      },
    };
  } catch (error) {
    await embedded?.stop();
    throw error;
  }
}
