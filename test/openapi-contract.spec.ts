import type { OpenAPIObject } from '@nestjs/swagger';
import { contractChecker } from './support/openapi-contract';

/** A document of one operation, in the shape buildOpenApiDocument gives every operation. */
const document = {
  openapi: '3.0.0',
  info: { title: 'test', version: '1' },
  paths: {
    '/v1/things/{id}': {
      get: {
        responses: {
          '200': { description: 'ok', content: { 'application/json': { schema: { $ref: '#/components/schemas/Thing' } } } },
          '404': { description: 'THING_NOT_FOUND', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
        },
      },
    },
  },
  components: {
    schemas: {
      Thing: { type: 'object', required: ['id', 'note'], properties: { id: { type: 'string' }, note: { type: 'string', nullable: true } } },
      Error: { type: 'object', required: ['statusCode', 'error', 'message'], properties: { statusCode: { type: 'integer' }, error: { type: 'string' }, message: { type: 'string' } } },
    },
  },
} as unknown as OpenAPIObject;

describe('the OpenAPI contract checker of the end-to-end tests', () => {
  const check = contractChecker(document);
  const answer = (status: number, body: unknown) => ({ status, headers: { 'content-type': 'application/json' }, body });

  it('accepts an answer the document describes', () => {
    expect(check('GET', 'http://127.0.0.1:1234/v1/things/7?x=1', answer(200, { id: '7', note: null }))).toEqual([]);
    expect(check('GET', '/v1/things/7', answer(404, { statusCode: 404, error: 'THING_NOT_FOUND', message: 'no' }))).toEqual([]);
  });

  it('catches a status the operation does not list', () => {
    expect(check('GET', '/v1/things/7', answer(409, { statusCode: 409, error: 'X', message: 'no' }))).toEqual([
      'GET /v1/things/7 → 409: status not listed for GET /v1/things/{id} (listed: 200, 404)',
    ]);
  });

  it('catches a body that does not match the schema of its status', () => {
    const [problem] = check('GET', '/v1/things/7', answer(200, [{ id: '7', note: null }]));
    expect(problem).toMatch(/^GET \/v1\/things\/7 → 200: body does not match the \/v1\/things\/\{id\} schema: data must be object/);
    expect(check('GET', '/v1/things/7', answer(200, { id: 7, note: 'a' }))).toHaveLength(1);
  });

  it('wants an answer for a path the document does not name to be an error of the Error shape', () => {
    expect(check('GET', '/v1/other', answer(404, { statusCode: 404, error: 'NOT_FOUND', message: 'no' }))).toEqual([]);
    expect(check('GET', '/v1/other', answer(404, { nope: true }))).toHaveLength(1);
    expect(check('POST', '/v1/other', answer(200, {}))).toEqual(['POST /v1/other → 200: the document has no operation POST for this path']);
  });
});
