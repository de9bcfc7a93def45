import type { OpenAPIObject, OperationObject, ParameterObject, SchemaObject } from '@nestjs/swagger';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { ERROR_TABLES } from '../src/common/errors/error-codes';
import { previewOpenApiDocument } from '../src/common/openapi/preview-document';

type Operation = OperationObject & Record<string, unknown>;

/** The document as /docs-json serves it, checked for what a generated client relies on (issue findings in README, OpenAPI). */
describe('the OpenAPI document', () => {
  let document: OpenAPIObject;
  let operations: [string, Operation][];
  beforeAll(async () => {
    document = await previewOpenApiDocument();
    operations = Object.entries(document.paths).flatMap(([path, item]) => Object.entries(item).map(([method, operation]) => [`${method.toUpperCase()} ${path}`, operation as Operation] as [string, Operation]));
  });

  it('names every operation for what it does and tags it with its module', () => {
    expect(operations.filter(([, operation]) => !/^[a-z][A-Za-z]+$/.test(operation.operationId ?? '')).map(([name]) => name)).toEqual([]);
    const modules = ['auth', 'corrections', 'customers', 'health', 'invoice-verification', 'metering', 'metrics', 'notifications', 'reporting', 'subscriptions', 'usage-totals', 'webhooks'];
    expect(operations.filter(([, operation]) => operation.tags?.length !== 1 || !modules.includes(operation.tags[0])).map(([name]) => name)).toEqual([]);
    expect(new Set(operations.map(([, operation]) => operation.operationId)).size).toBe(operations.length);
  });

  it('covers the newer routes: corrections, event trace, invoice verifications, notification endpoints, notifications, usage alerts', () => {
    const ids = operations.map(([, operation]) => operation.operationId);
    expect(ids).toEqual(
      expect.arrayContaining(['correctUsageEvent', 'traceUsageEvent', 'listInvoiceVerifications', 'releaseHeldInvoice', 'createNotificationEndpoint', 'listNotificationDeliveries', 'createUsageAlert', 'createCustomer', 'recordUsage', 'listMeters']),
    );
  });

  it('uses an opaque API key scheme (no JWT) and lists the scopes, 401 and 403 of every secured operation', () => {
    expect(JSON.stringify(document.components?.securitySchemes)).not.toContain('bearerFormat');
    for (const [name, operation] of operations.filter(([, operation]) => operation['x-required-scopes'])) {
      expect({ name, security: operation.security }).toEqual({ name, security: [{ apiKey: [] }] });
      expect({ name, statuses: Object.keys(operation.responses) }).toEqual({ name, statuses: expect.arrayContaining(['401', '403', '429']) });
    }
    expect(operations.filter(([, operation]) => !operation['x-required-scopes'] && operation.security?.length !== 0).map(([name]) => name)).toEqual(['GET /metrics']);
    // Redocly's operation-4xx-response is off for the probes' sake (redocly.yaml): every other operation has its 4xx
    const without4xx = operations.filter(([, operation]) => !Object.keys(operation.responses).some((status) => status.startsWith('4')));
    expect(without4xx.map(([name]) => name)).toEqual(['GET /health/live', 'GET /health/ready']);
  });

  it("answers every error with the shared Error schema, listing the operation's codes from the module tables", () => {
    const known = new Map([...ERROR_TABLES.values()].flatMap((table) => Object.values(table).map(({ code, status }) => [code, status] as const)));
    for (const [name, operation] of operations) {
      for (const [status, response] of Object.entries(operation.responses).filter(([status]) => Number(status) >= 400)) {
        const schema = (response as { content?: Record<string, { schema: SchemaObject }> }).content?.['application/json']?.schema;
        expect({ name, status, ref: (schema?.allOf?.[0] as { $ref?: string } | undefined)?.$ref }).toEqual({ name, status, ref: '#/components/schemas/Error' });
        const codes = ((schema?.allOf?.[1] as SchemaObject).properties?.error as SchemaObject).enum as string[];
        expect({ name, status, wrong: codes.filter((code) => known.get(code) !== Number(status)) }).toEqual({ name, status, wrong: [] });
      }
    }
    const createMeter = operations.find(([name]) => name === 'POST /v1/meters')![1];
    expect(JSON.stringify(createMeter.responses['409'])).toContain('METER_DEFINITION_CONFLICT');
  });

  it('documents the 201 and 200 answers of get-or-create routes, and the list envelopes', () => {
    for (const path of ['/v1/customers', '/v1/meters']) expect(Object.keys(document.paths[path].post!.responses)).toEqual(expect.arrayContaining(['200', '201']));
    const schemas = document.components!.schemas as Record<string, SchemaObject>;
    for (const list of ['ApiKeyPage', 'MeterPage', 'CustomerPage', 'WebhookEventPage', 'NotificationEndpointPage', 'UsageAlertPage', 'NotificationDeliveryPage', 'InvoiceVerificationPage']) expect(Object.keys(schemas[list].properties!)).toContain('data');
    expect(document.paths['/v1/webhooks/events/{id}/retry'].post!.responses['202']).toHaveProperty('content');
    expect(document.paths['/metrics'].get!.responses['200']).toHaveProperty(['content', 'text/plain']);
  });

  it('types nullable fields and limit, and states validation rules in request schemas', () => {
    const schemas = document.components!.schemas as Record<string, SchemaObject>;
    const text = JSON.stringify(document);
    expect(text).not.toContain('#/components/schemas/Object');
    expect(text).not.toMatch(/"type":"object","nullable":true/);
    const limit = (document.paths['/v1/webhooks/events'].get!.parameters as ParameterObject[]).find((parameter) => parameter.name === 'limit')!.schema;
    expect(limit).toMatchObject({ type: 'integer', minimum: 1, maximum: 500 });
    expect(schemas.CreateCustomerDto).toMatchObject({ additionalProperties: false, properties: { email: { format: 'email' }, externalId: { minLength: 1, maxLength: 200 } } });
    expect(schemas.CreateMeterDto.properties!.key).toHaveProperty('pattern');
    expect(schemas.CreateMeterDto.properties!.currency).toMatchObject({ pattern: '^[a-z]{3}$' });
    expect(schemas.CreateSubscriptionDto.properties!.trialDays).toMatchObject({ type: 'integer', minimum: 1 });
    expect(schemas.RecordUsageDto).toMatchObject({ additionalProperties: false, oneOf: [{ required: ['customerId'] }, { required: ['externalCustomerId'] }] });
    expect(schemas.RecordUsageDto.properties!.idempotencyKey).toMatchObject({ minLength: 1, maxLength: 255 });
  });

  it('gives only examples that validate against their own schema and hold no fixed date', () => {
    const ajv = new Ajv({ strict: false });
    addFormats(ajv);
    ajv.addSchema({ $id: 'openapi', components: document.components });
    const problems: string[] = [];
    const visit = (node: unknown, path: string): void => {
      if (typeof node !== 'object' || node === null) return;
      const schema = node as SchemaObject & { $ref?: string };
      if ('example' in schema && !path.includes('/examples')) {
        const validate = ajv.compile(JSON.parse(JSON.stringify({ ...schema, example: undefined }).replaceAll('"#/components', '"openapi#/components')));
        if (!validate(schema.example)) problems.push(`${path}: ${ajv.errorsText(validate.errors)}`);
        if (/\d{4}-\d{2}-\d{2}T/.test(JSON.stringify(schema.example))) problems.push(`${path}: a fixed date goes stale`);
      }
      for (const [key, value] of Object.entries(node)) visit(value, `${path}/${key}`);
    };
    visit(document.components?.schemas, '#/components/schemas');
    visit(document.paths, '#/paths');
    expect(problems).toEqual([]);
  });
});
