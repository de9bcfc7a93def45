import pg from 'pg';
import { startTestApp, type TestApp } from './support/test-app';
import { countUsageEvents, insertCustomerRow, insertMeterRow, usageEventRows, type CustomerRow } from './support/billing-rows';

describe('POST /v1/usage/batch (e2e)', () => {
  let testApp: TestApp;
  let customer: CustomerRow;

  beforeAll(async () => {
    testApp = await startTestApp();
    customer = await insertCustomerRow(testApp);
    await insertMeterRow(testApp, { key: 'api_calls' });
    await insertMeterRow(testApp, { key: 'retired', active: false });
  });
  afterAll(() => testApp.close());

  const postBatch = (events: unknown) => testApp.http.post('/v1/usage/batch').send({ events });
  const event = (idempotencyKey: string, extra: Record<string, unknown> = {}) => ({ customerId: customer.id, meter: 'api_calls', idempotencyKey, ...extra });

  it('answers 207 with one result per event in request order; bad events do not stop the good ones', async () => {
    await testApp.http.post('/v1/usage').send(event('stored-before', { value: 4 })).expect(202);
    const before = await countUsageEvents(testApp);
    const response = await postBatch([
      event('b-1', { value: 10 }),
      event('b-2', { meter: 'no_such_meter' }),
      event('b-3', { value: -5 }),
      event('stored-before', { value: 4 }),
      event('b-4', { meter: 'retired' }),
      event('b-1', { value: 11 }),
      { externalCustomerId: customer.externalId, meter: 'api_calls', idempotencyKey: 'b-1', value: 10 },
      event('b-5', { customerId: '00000000-0000-4000-8000-000000000000' }),
      'not an event',
      event('stored-before', { value: 5 }),
      // past Stripe's 35 days but within the retention horizon (before it: USAGE_EVENT_EXPIRED, test/retention.e2e-spec.ts)
      event('b-6', { timestamp: new Date(Date.now() - 50 * 24 * 3600 * 1000).toISOString() }),
      event('b-7', { properties: { tier: 'gold' } }),
    ]).expect(207);

    const results = response.body.results;
    expect(results.map((result: { index: number; status: string; error?: { error: string } }) => [result.index, result.status, result.error?.error])).toEqual([
      [0, 'accepted', undefined],
      [1, 'rejected', 'METER_NOT_FOUND'],
      [2, 'rejected', 'VALIDATION_FAILED'],
      [3, 'duplicate', undefined],
      [4, 'rejected', 'METER_INACTIVE'],
      [5, 'rejected', 'USAGE_IDEMPOTENCY_CONFLICT'],
      [6, 'duplicate', undefined],
      [7, 'rejected', 'CUSTOMER_NOT_FOUND'],
      [8, 'rejected', 'VALIDATION_FAILED'],
      [9, 'rejected', 'USAGE_IDEMPOTENCY_CONFLICT'],
      [10, 'rejected', 'USAGE_TIMESTAMP_OUT_OF_RANGE'],
      [11, 'accepted', undefined],
    ]);
    expect(results[6].id).toBe(results[0].id);
    expect(results[5].error).toEqual({
      statusCode: 409,
      error: 'USAGE_IDEMPOTENCY_CONFLICT',
      message: expect.any(String),
      details: [{ field: 'value', received: '11' }],
    });
    expect(results[9].error.details).toEqual([{ field: 'value', received: '5' }]);
    expect(results[2].error.details).toEqual([{ field: 'value', problems: [expect.stringMatching(/whole number/)] }]);

    const rows = await usageEventRows(testApp);
    expect(await countUsageEvents(testApp)).toBe(before + 2);
    expect(rows.filter((row) => ['b-1', 'b-7'].includes(row.idempotency_key)).map((row) => [row.id, row.idempotency_key, row.value, row.properties])).toEqual([
      [results[0].id, 'b-1', '10', null],
      [results[11].id, 'b-7', '1', { tier: 'gold' }],
    ]);
  });

  it('answers a whole batch sent again with duplicates and stores nothing new', async () => {
    const events = Array.from({ length: 20 }, (_, index) => event(`again-${index}`, { value: index }));
    const first = await postBatch(events).expect(207);
    const count = await countUsageEvents(testApp);
    const again = await postBatch(events).expect(207);
    expect(again.body.results.map((result: { status: string }) => result.status)).toEqual(Array(20).fill('duplicate'));
    expect(again.body.results.map((result: { id: string }) => result.id)).toEqual(first.body.results.map((result: { id: string }) => result.id));
    expect(await countUsageEvents(testApp)).toBe(count);
  });

  // the events reach PostgreSQL as array literals (one per column): their quoting must carry every character as sent
  it('stores keys, external ids and properties holding array-literal metacharacters exactly as sent', async () => {
    const awkward = ['{"NULL"}', 'a,b', 'back\\slash', 'quote"d', 'NULL', ' spaced ', 'ünïcödé 🧾'];
    const external = await insertCustomerRow(testApp, { externalId: 'ext {x,"y"} \\ NULL' });
    const events = awkward.map((text, index) => ({ externalCustomerId: external.externalId, meter: 'api_calls', idempotencyKey: text, value: index, properties: { text, nested: { list: [text, null] } } }));
    const response = await postBatch(events).expect(207);
    expect(response.body.results.map((result: { status: string }) => result.status)).toEqual(awkward.map(() => 'accepted'));
    const stored = (await usageEventRows(testApp)).filter((row) => row.customer_id === external.id);
    expect(stored.map((row) => [row.idempotency_key, row.value, row.properties]).sort()).toEqual(
      awkward.map((text, index) => [text, String(index), { text, nested: { list: [text, null] } }]).sort(),
    );
    // and a retry of each is recognised as the same event
    expect((await postBatch(events).expect(207)).body.results.map((result: { status: string }) => result.status)).toEqual(awkward.map(() => 'duplicate'));
  });

  it('stores a batch of exactly 1000 events', async () => {
    const before = await countUsageEvents(testApp);
    const response = await postBatch(Array.from({ length: 1000 }, (_, index) => event(`thousand-${index}`))).expect(207);
    expect(response.body.results.every((result: { status: string }) => result.status === 'accepted')).toBe(true);
    expect(await countUsageEvents(testApp)).toBe(before + 1000);
  });

  it('refuses more than 1000 events with 413 and stores none of them', async () => {
    const before = await countUsageEvents(testApp);
    const response = await postBatch(Array.from({ length: 1001 }, (_, index) => event(`too-many-${index}`))).expect(413);
    expect(response.body).toEqual({ statusCode: 413, error: 'USAGE_BATCH_TOO_LARGE', message: expect.stringMatching(/at most 1000 events; this one has 1001/) });
    expect(await countUsageEvents(testApp)).toBe(before);
  });

  it.each([
    ['no events field', {}],
    ['an empty list', { events: [] }],
    ['events that are not a list', { events: { customerId: 'x' } }],
    ['an unknown top-level field', { events: [{ meter: 'api_calls' }], dryRun: true }],
  ])('refuses %s with 400', async (_name, body) => {
    const before = await countUsageEvents(testApp);
    const response = await testApp.http.post('/v1/usage/batch').send(body).expect(400);
    expect(response.body.error).toBe('VALIDATION_FAILED');
    expect(await countUsageEvents(testApp)).toBe(before);
  });

  it('writes overlapping batches sent concurrently (in opposite key orders): each key stored and accepted once', async () => {
    const keys = Array.from({ length: 200 }, (_, index) => `overlap-${index}`);
    const batches = Array.from({ length: 8 }, (_, batch) => (batch % 2 === 0 ? keys : [...keys].reverse()).map((key) => event(key)));
    const responses = await Promise.all(batches.map((events) => postBatch(events)));
    expect(responses.map((response) => response.status)).toEqual(Array(8).fill(207));
    const statuses = responses.flatMap((response) => response.body.results.map((result: { status: string }) => result.status));
    expect(statuses.filter((status) => status === 'accepted')).toHaveLength(200);
    expect(statuses.filter((status) => status === 'duplicate')).toHaveLength(7 * 200);
    const stored = (await usageEventRows(testApp)).filter((row) => row.idempotency_key.startsWith('overlap-'));
    expect(stored).toHaveLength(200);
  });

  describe('a key committed by a concurrent transaction while the batch waits on it', () => {
    let blocker: pg.Client;

    beforeEach(async () => {
      blocker = new pg.Client({ connectionString: testApp.database.url });
      await blocker.connect();
    });
    afterEach(() => blocker.end());

    /** Holds an uncommitted row for the key, sends the batch, waits until it blocks on that row, then commits. */
    async function batchRacingACommit(key: string, heldValue: number, events: unknown[]) {
      await blocker.query('begin');
      const [held] = (
        await blocker.query<{ id: string }>(
          `insert into usage_events (customer_id, meter_id, idempotency_key, value, event_time)
           select $1, id, $2, $3, now() from meters where key = 'api_calls' returning id::text`,
          [customer.id, key, heldValue],
        )
      ).rows;
      const response = postBatch(events).then((result) => result);
      await waitForALockWait();
      await blocker.query('commit');
      return { heldId: held!.id, response: await response };
    }

    async function waitForALockWait(): Promise<void> {
      for (let attempt = 0; attempt < 200; attempt++) {
        const [row] = await testApp.sql<{ waiting: string }>(`select count(*)::text as waiting from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`);
        if (row!.waiting !== '0') return;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      throw new Error('the batch never waited on the held row');
    }

    it('reads the committed row again: same content is a duplicate of it, the rest of the batch is accepted', async () => {
      const { heldId, response } = await batchRacingACommit('held-same', 3, [event('held-same', { value: 3 }), event('free-1')]);
      expect(response.status).toBe(207);
      expect(response.body.results).toEqual([
        { index: 0, status: 'duplicate', id: heldId },
        { index: 1, status: 'accepted', id: expect.any(String) },
      ]);
      expect((await usageEventRows(testApp)).filter((row) => row.idempotency_key === 'held-same')).toHaveLength(1);
    });

    it('reads the committed row again: other content is a conflict naming the differing field', async () => {
      const { response } = await batchRacingACommit('held-other', 3, [event('held-other', { value: 4 })]);
      expect(response.body.results[0]).toMatchObject({ index: 0, status: 'rejected', error: { statusCode: 409, details: [{ field: 'value', received: '4' }] } });
    });
  });
});
