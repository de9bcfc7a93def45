import type TestAgent from 'supertest/lib/agent';

/** A valid meter definition; override what a test is about. */
export function meterDefinition(overrides: Record<string, unknown> = {}) {
  return { key: 'api_calls', displayName: 'API calls', aggregation: 'sum', unitAmountDecimal: '0.5', currency: 'usd', ...overrides };
}

export async function createMeter(http: TestAgent, overrides: Record<string, unknown> = {}) {
  const response = await http.post('/v1/meters').send(meterDefinition(overrides));
  if (response.status >= 300) throw new Error(`meter creation failed: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body as { id: string; key: string; stripeMeterId: string; stripePriceId: string };
}

export async function createCustomer(http: TestAgent, externalId: string, extra: Record<string, unknown> = {}) {
  const response = await http.post('/v1/customers').send({ externalId, email: `${externalId}@example.com`, ...extra });
  if (response.status >= 300) throw new Error(`customer creation failed: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body as { id: string; stripeCustomerId: string };
}
