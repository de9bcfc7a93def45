import fc from 'fast-check';
import { fuzzClient, type FuzzRequest, type FuzzSend } from '../support/fuzz-client';
import { expectAlive, fuzzParameters, sendChecked, stateProbe, type StateProbe } from '../support/fuzz-invariants';
import { fuzzRoutes, headerSet, pathSegment, queryString, requestBody, routePath, type FuzzRoute, type OpenApiDocument } from '../support/fuzz-requests';
import { createCustomer, createMeter } from '../support/catalogue';
import { liveRoutes } from '../support/route-table';
import { startTestApp, type TestApp } from '../support/test-app';

/**
 * Every route of the live route table, fuzzed one part of the request at a time (body, query
 * string, path parameters, headers) while the other parts stay plausible, so each part's handling
 * is reached: a body behind a missing key would only ever meet the guard. Runs per route and
 * part: 25 by default (the file takes about a minute), FUZZ_RUNS for more.
 */
const RUNS = 25;
jest.setTimeout(300_000);
const WEBHOOK_SECRET = 'whsec_fuzz_routes';

describe('fuzzing every route (e2e)', () => {
  let testApp: TestApp;
  let send: FuzzSend;
  let probe: StateProbe;
  let routes: FuzzRoute[];
  let authorization: string;
  /** Real ids by path parameter name, so that a fuzzed body or query reaches the code past the lookup. */
  let knownIds: Record<string, string[]>;

  const idsFor = (name: string) => knownIds[name] ?? Object.values(knownIds).flat();
  const plausiblePath = (route: FuzzRoute) => routePath(route, (name) => fc.constantFrom(...idsFor(name).map(encodeURIComponent)));
  const templateBody = (route: FuzzRoute) => JSON.stringify(route.bodyTemplate);
  const jsonHeaders = () => ({ authorization, 'content-type': 'application/json' });

  /** One property per route: the route's own arbitrary, every run checked by sendChecked, then a liveness probe. */
  async function fuzzEachRoute(selected: FuzzRoute[], build: (route: FuzzRoute) => fc.Arbitrary<FuzzRequest>): Promise<void> {
    expect(selected.length).toBeGreaterThan(0);
    for (const route of selected) {
      await fc.assert(fc.asyncProperty(build(route), async (request) => void (await sendChecked(send, probe, request))), fuzzParameters(RUNS));
      await expectAlive(send, probe);
    }
  }

  beforeAll(async () => {
    testApp = await startTestApp({ REPORTER_ENABLED: 'false', RECONCILIATION_ENABLED: 'false', STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET });
    send = fuzzClient(testApp.app);
    probe = await stateProbe(testApp);
    authorization = `Bearer ${testApp.adminKey}`;
    await createMeter(testApp.http);
    const customer = await createCustomer(testApp.http, 'fuzz-customer');
    const subscription = await testApp.http.post(`/v1/customers/${customer.id}/subscriptions`).send({}).expect(201);
    // a key the fuzzer may revoke: never the admin key every request authenticates with
    const { body: key } = await testApp.http.post('/v1/api-keys').send({ name: 'fuzz target', scopes: ['usage:read'] }).expect(201);
    knownIds = { customerId: [customer.id], id: [customer.id, subscription.body.id], reference: [key.prefix, key.id] };
    const document = (await testApp.http.get('/docs-json').expect(200)).body as OpenApiDocument;
    routes = fuzzRoutes(liveRoutes(testApp.app), document);
  });
  afterAll(() => testApp?.close());

  it('reads every route from the live route table, each with its documented body', () => {
    const labels = routes.map((route) => route.label);
    expect(labels).toEqual(expect.arrayContaining(['POST /v1/usage', 'POST /v1/usage/batch', 'POST /webhooks/stripe', 'DELETE /v1/subscriptions/:id', 'POST /v1/reconciliation/runs']));
    expect(routes.find((route) => route.label === 'POST /v1/meters')?.bodyTemplate).toMatchObject({ key: expect.any(String), aggregation: expect.any(String) });
  });

  it('answers any body on any route without a 5xx, with the error shape, storing nothing on a 4xx', async () => {
    await fuzzEachRoute(routes, (route) =>
      fc.record({ method: fc.constant(route.method), path: plausiblePath(route), headers: fc.constant(jsonHeaders()), body: requestBody(route) }),
    );
  });

  it('answers any query string (repeated keys, arrays, empty values, broken escapes) the same way', async () => {
    await fuzzEachRoute(routes, (route) =>
      fc.record({
        method: fc.constant(route.method),
        path: fc.tuple(plausiblePath(route), queryString(route)).map(([path, query]) => `${path}${query}`),
        headers: fc.constant(jsonHeaders()),
        body: fc.constant(templateBody(route)),
      }),
    );
  });

  it('answers any path parameter (non-UUIDs, encoded slashes, NUL, SQL, very long ids) the same way', async () => {
    const parameterised = routes.filter((route) => route.params.length > 0);
    await fuzzEachRoute(parameterised, (route) =>
      fc.record({
        method: fc.constant(route.method),
        path: routePath(route, (name) => pathSegment(idsFor(name).map(encodeURIComponent))),
        headers: fc.constant(jsonHeaders()),
        body: fc.constant(templateBody(route)),
      }),
    );
  });

  it('answers any headers (content types, charsets, encodings, malformed credentials, huge values) the same way', async () => {
    await fuzzEachRoute(routes, (route) =>
      fc.record({ method: fc.constant(route.method), path: plausiblePath(route), headers: headerSet(authorization), body: fc.constant(templateBody(route)) }),
    );
  });
});
