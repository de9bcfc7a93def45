import { readdir, writeFile } from 'node:fs/promises';
import { MikroORM } from '@mikro-orm/postgresql';
import { openAppContext } from '../cli/app-context.js';
import { MigrationService } from './migration.service.js';

const MIGRATIONS_DIR = 'migrations';

/** Rewrites migrations/index.ts so the explicit migration list always holds every file, in order. */
async function writeMigrationIndex(): Promise<void> {
  const names = (await readdir(MIGRATIONS_DIR))
    .filter((file) => /^Migration\d+.*\.ts$/.test(file) && !file.endsWith('.d.ts'))
    .map((file) => file.replace(/\.ts$/, ''))
    .sort();
  const source = [
    '// Maintained by `npm run migration:create`: every migration class, oldest first.',
    "import type { MigrationObject } from '@mikro-orm/core';",
    ...names.map((name) => `import { ${name} } from './${name}.js';`),
    '',
    'export const migrationsList: MigrationObject[] = [',
    ...names.map((name) => `  { name: '${name}', class: ${name} },`),
    '];',
    '',
  ].join('\n');
  await writeFile(`${MIGRATIONS_DIR}/index.ts`, source);
}

async function run(command: string | undefined, name: string | undefined): Promise<void> {
  const { app, close } = await openAppContext((line) => process.stdout.write(`${line}\n`));
  try {
    const applied = await app.get(MigrationService).migrateUnderLock();
    process.stdout.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'database is up to date\n');
    if (command === 'create') {
      const result = await app.get(MikroORM).migrator.create(MIGRATIONS_DIR, false, false, name);
      if (!result.fileName) process.stdout.write('no schema change: nothing generated\n');
      else {
        await writeMigrationIndex();
        process.stdout.write(`generated ${MIGRATIONS_DIR}/${result.fileName}: read it, then commit it\n`);
      }
    }
  } finally {
    await close();
  }
}

const [command, name] = process.argv.slice(2);
if (command !== 'up' && command !== 'create') {
  process.stderr.write('usage: migrate.cli.js up | create [name]\n');
  process.exit(2);
}
run(command, name).catch((error: unknown) => {
  process.stderr.write(`migration ${command} failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
