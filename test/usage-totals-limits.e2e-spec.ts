import { startTestApp, type TestApp } from './support/test-app';
import { insertCustomerRow } from './support/billing-rows';

/** What a usage:read caller cannot make the totals query do: read outside what PostgreSQL stores. */
describe('GET /v1/customers/:id/usage: limits of the window (e2e)', () => {
  let testApp: TestApp;

  beforeAll(async () => {
    testApp = await startTestApp();
  });
  afterAll(() => testApp.close());

  it.each([
    ['a to past year 9999 once its offset is applied', { from: '9999-12-31T00:00:00Z', to: '9999-12-31T23:59:59-00:01' }, 'to'],
    ['a from in year 0000', { from: '0000-01-01T00:00:00Z', to: '0000-01-02T00:00:00Z' }, 'from'],
    ['a from before year 1 once its offset is applied', { from: '0001-01-01T00:00:00+01:00', to: '0001-01-02T00:00:00Z' }, 'from'],
  ])('refuses %s with a 400 naming the field, not a 500', async (_name, query, field) => {
    const customer = await insertCustomerRow(testApp);
    const response = await testApp.http.get(`/v1/customers/${customer.id}/usage`).query(query).expect(400);
    expect(response.body).toMatchObject({ statusCode: 400, error: 'VALIDATION_FAILED', details: [{ field, problems: [expect.stringContaining('years 1–9999')] }] });
  });
});
