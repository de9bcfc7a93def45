import { dropRunDatabases } from './test-database';

export default async function globalTeardown(): Promise<void> {
  await dropRunDatabases();
  await globalThis.embeddedTestDatabase?.stop();
}
