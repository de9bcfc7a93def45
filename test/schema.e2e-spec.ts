import { MikroORM } from '@mikro-orm/postgresql';
import { startTestApp, type TestApp } from './support/test-app';

describe('database schema (integration)', () => {
  let testApp: TestApp;

  beforeAll(async () => {
    testApp = await startTestApp();
  });
  afterAll(() => testApp.close());

  it('matches the entities exactly once every migration is applied', async () => {
    const diff = await testApp.app.get(MikroORM).schema.getUpdateSchemaSQL({ wrap: false });
    expect(diff.trim()).toBe('');
  });
});
