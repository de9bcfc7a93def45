import fc from 'fast-check';
import { fuzzClient, type FuzzRequest, type FuzzSend } from '../support/fuzz-client';
import { expectAlive, expectHandled, fuzzParameters, stateProbe, storedChanges, type StateProbe, type StoredState } from '../support/fuzz-invariants';
import { eventJson, usageCase, type IngestFixture, type UsageCase } from '../support/fuzz-usage-events';
import { toJsonText } from '../support/fuzz-values';
import { createCustomer, createMeter } from '../support/catalogue';
import { startTestApp, type TestApp } from '../support/test-app';

/**
 * The ingest routes against the contract, one rule at a time: valid events (and valid events with
 * one field changed) must be accepted exactly when the contract says they are valid, store exactly
 * one row holding what they say, and otherwise answer the contract's status and store nothing.
 * 200 single events and 60 batches by default (about 15 s); FUZZ_RUNS for more.
 */
jest.setTimeout(300_000);

/** Customers whose external ids stretch the customers contract: 200 emoji (400 UTF-16 units), accents, inner spaces. */
const EXTERNAL_IDS = ['fuzz-plain', '\ud83d\ude00'.repeat(200), 'Ünïcødé Kunde', 'with  inner   spaces'];

describe('fuzzing usage ingestion against its contract (e2e)', () => {
  let testApp: TestApp;
  let send: FuzzSend;
  let probe: StateProbe;
  let fixture: IngestFixture;
  let authorization: string;
  /** A valid event must be new to be "accepted"; shrinking replays events, which would then be duplicates. */
  const sentKeys = new Set<string>();

  const ingest = (path: string, body: string): FuzzRequest => ({ method: 'POST', path, headers: { authorization, 'content-type': 'application/json' }, body });
  const claimKeys = (cases: UsageCase[]) => {
    const keys = cases.filter((each) => each.status === 202).map((each) => each.fields.idempotencyKey as string);
    fc.pre(keys.every((key) => !sentKeys.has(key)));
    for (const key of keys) sentKeys.add(key);
  };
  const newRows = (before: StoredState, count: number) => (count === 0 ? [] : [`table usage_events: ${before.rows.usage_events} → ${(before.rows.usage_events ?? 0) + count}`]);

  beforeAll(async () => {
    testApp = await startTestApp({ REPORTER_ENABLED: 'false', RECONCILIATION_ENABLED: 'false' });
    send = fuzzClient(testApp.app);
    probe = await stateProbe(testApp);
    authorization = `Bearer ${await testApp.createKey('usage:write')}`;
    const meters = [await createMeter(testApp.http), await createMeter(testApp.http, { key: 'storage-gb', aggregation: 'last' })];
    const customers = [];
    for (const [index, externalId] of EXTERNAL_IDS.entries()) {
      customers.push({ id: (await createCustomer(testApp.http, externalId, { email: `fuzz-${index}@example.com` })).id, externalId });
    }
    fixture = { customers, meters: meters.map((meter) => meter.key) };
  });
  afterAll(() => testApp?.close());

  it('accepts on POST /v1/usage exactly the events the contract calls valid, storing what they say', async () => {
    await fc.assert(
      fc.asyncProperty(usageCase(fixture), async (event) => {
        if (event.status === 202) claimKeys([event]);
        const request = ingest('/v1/usage', toJsonText(eventJson(event.fields)));
        const before = await probe.snapshot();
        const response = await send(request);
        expectHandled(request, response);
        const changes = storedChanges(before, await probe.snapshot());
        expect({ rule: event.rule, status: response.status, changes }).toEqual({ rule: event.rule, status: event.status, changes: newRows(before, event.status === 202 ? 1 : 0) });
        if (event.status !== 202) return;
        const { id, status } = response.json as { id: string; status: string };
        expect(status).toBe('accepted');
        const [row] = await testApp.sql<{ value: string; event_time: Date }>('select value::text as value, event_time from usage_events where id = ?', [id]);
        expect(row?.value).toBe(event.stored?.value);
        if (event.stored?.eventTimeMs !== undefined) expect(new Date(row?.event_time as Date).getTime()).toBe(event.stored.eventTimeMs);
      }),
      fuzzParameters(200),
    );
    await expectAlive(send, probe);
  });

  it('answers each event of POST /v1/usage/batch as the single route would, in request order', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(usageCase(fixture), { minLength: 1, maxLength: 8 }), async (events) => {
        claimKeys(events);
        const request = ingest('/v1/usage/batch', `{"events":[${events.map((event) => toJsonText(eventJson(event.fields))).join(',')}]}`);
        const before = await probe.snapshot();
        const response = await send(request);
        expectHandled(request, response);
        const results = (response.json as { results?: { index: number; status: string; error?: { statusCode: number } }[] }).results ?? [];
        const answered = results.map((result) => ({ index: result.index, status: result.status === 'rejected' ? result.error?.statusCode : result.status }));
        const expected = events.map((event, index) => ({ index, status: event.status === 202 ? 'accepted' : event.status }));
        const accepted = events.filter((event) => event.status === 202).length;
        expect({ status: response.status, answered, changes: storedChanges(before, await probe.snapshot()), rules: events.map((event) => event.rule) }).toEqual({
          status: 207,
          answered: expected,
          changes: newRows(before, accepted),
          rules: events.map((event) => event.rule),
        });
      }),
      fuzzParameters(60),
    );
    await expectAlive(send, probe);
  });
});
