import request from 'supertest';
import { previewOpenApiDocument } from '../src/common/openapi/preview-document';
import { checkedAgent, contractChecker } from './support/openapi-contract';
import { startTestApp, type TestApp } from './support/test-app';

/** What the OpenAPI contract asked of the server itself (README, OpenAPI contract). */
describe('the server side of the OpenAPI contract (e2e)', () => {
  let testApp: TestApp;
  beforeAll(async () => {
    testApp = await startTestApp();
  });
  afterAll(async () => {
    await testApp.close();
  });

  it('serves at /docs-json the document the tests and the client generator use', async () => {
    const served = (await request(testApp.app.getHttpServer()).get('/docs-json').expect(200)).body;
    expect(served).toEqual(JSON.parse(JSON.stringify(await previewOpenApiDocument())));
  });

  it("fails a test whose agent receives an answer the document does not describe (the test app's agents are wired so)", async () => {
    const server = testApp.app.getHttpServer();
    const withoutLive = await previewOpenApiDocument();
    delete withoutLive.paths['/health/live'].get!.responses['200'];
    await expect(checkedAgent(request.agent(server), contractChecker(withoutLive)).get('/health/live')).rejects.toThrow(
      'GET /health/live → 200: status not listed for GET /health/live (listed: 500, 503)',
    );
    const listedAsString = await previewOpenApiDocument();
    listedAsString.paths['/health/live'].get!.responses['200'] = { description: 'ok', content: { 'application/json': { schema: { type: 'string' } } } };
    await expect(checkedAgent(request.agent(server), contractChecker(listedAsString)).get('/health/live')).rejects.toThrow('body does not match the /health/live schema: data must be string');
    await testApp.http.get('/health/live').expect(200);
  });

  it('answers a method a known path does not support with 405 and Allow', async () => {
    const response = await testApp.http.put('/v1/customers').send({}).expect(405);
    expect(response.headers.allow).toBe('GET, HEAD, POST');
    expect(response.body).toMatchObject({ statusCode: 405, error: 'METHOD_NOT_ALLOWED' });
    await testApp.http.delete('/v1/customers/8a0c3f61-0000-4000-8000-000000000000').expect(405).expect('allow', 'GET, HEAD');
    await testApp.http.get('/v1/no-such-route').expect(404);
  });

  it('authenticates before reporting a body it cannot parse', async () => {
    const unauthenticated = await testApp.anonymous.post('/v1/customers').set('content-type', 'application/json').send('{"oops":').expect(401);
    expect(unauthenticated.body).toMatchObject({ error: 'UNAUTHENTICATED' });
    await testApp.http.post('/v1/customers').set('content-type', 'application/json').send('{"oops":').expect(400);
  });

  it('refuses null where the document does not allow it, storing nothing', async () => {
    const customer = await testApp.http.post('/v1/customers').send({ externalId: 'acct_null', email: 'null@example.com' }).expect(201);
    const response = await testApp.http.post(`/v1/customers/${customer.body.id}/subscriptions`).send({ meters: null }).expect(400);
    expect(response.body.details).toEqual([{ field: 'meters', problems: ['meters must not be null: leave it out instead'] }]);
    await testApp.http.post('/v1/customers').send({ externalId: 'acct_null2', email: 'null2@example.com', name: null }).expect(400);
    expect(await testApp.sql('select id from subscriptions')).toEqual([]);
    expect(await testApp.sql("select id from customers where external_id = 'acct_null2'")).toEqual([]);
  });
});
