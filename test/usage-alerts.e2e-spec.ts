import { UsageAlertEvaluator } from '../src/notifications/usage-alert.evaluator';
import { insertCustomerRow, insertMeterRow, insertSubscriptionItemRow, type CustomerRow } from './support/billing-rows';
import { eventually } from './support/eventually';
import { startTestApp, type TestApp } from './support/test-app';
import { startWebhookReceiver, type WebhookReceiver } from '../packages/stripe-emulator/test/support/webhook-receiver';

const FAST = {
  USAGE_ALERTS_EVALUATION_MS: '50',
  NOTIFICATION_DELIVERY_POLL_MS: '50',
  REPORTER_ENABLED: 'false',
  RECONCILIATION_ENABLED: 'false',
};

interface Crossed {
  id: string;
  type: string;
  data: { alertId: string; alertName: string; customerId: string; meter: string; threshold: string; units: string; periodStart: string; periodEnd: string };
}

describe('usage alerts (e2e, two app instances on one database)', () => {
  let appA: TestApp;
  let appB: TestApp;
  let receiver: WebhookReceiver;
  let first: CustomerRow;
  let second: CustomerRow;
  let key = 0;

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    appA = await startTestApp(FAST);
    appB = await startTestApp(FAST, { database: appA.database });
    await insertMeterRow(appA, { key: 'calls', aggregation: 'sum' });
    await insertMeterRow(appA, { key: 'seats', aggregation: 'last' });
    first = await insertCustomerRow(appA);
    second = await insertCustomerRow(appA);
    await appA.http.post('/v1/notification-endpoints').send({ url: receiver.url, events: ['usage.threshold_crossed'] }).expect(201);
  });
  afterAll(async () => {
    await appB.close();
    await appA.close();
    await receiver.close();
  });

  const crossed = () => receiver.bodies() as unknown as Crossed[];

  async function createAlert(app: TestApp, body: Record<string, unknown>): Promise<{ id: string }> {
    return (await app.http.post('/v1/usage-alerts').send(body).expect(201)).body;
  }

  const event = (customer: CustomerRow, meter: string, value: number) => ({ customerId: customer.id, meter, value, idempotencyKey: `k-${++key}` });

  it.each([
    ['an unknown meter', { meter: 'nope', threshold: 10, name: 'x' }, 422, 'USAGE_ALERT_METER_NOT_FOUND'],
    ['an unknown customer', { meter: 'calls', customerId: '00000000-0000-4000-8000-000000000000', threshold: 10, name: 'x' }, 422, 'USAGE_ALERT_CUSTOMER_NOT_FOUND'],
    ['a zero threshold', { meter: 'calls', threshold: 0, name: 'x' }, 400, 'VALIDATION_FAILED'],
    ['a fractional threshold', { meter: 'calls', threshold: 1.5, name: 'x' }, 400, 'VALIDATION_FAILED'],
    ['a missing name', { meter: 'calls', threshold: 10 }, 400, 'VALIDATION_FAILED'],
  ])('refuses %s with a 4xx and stores nothing', async (_case, body, status, code) => {
    const response = await appA.http.post('/v1/usage-alerts').send(body).expect(status);
    expect(response.body).toEqual(expect.objectContaining({ statusCode: status, error: code }));
    expect(await appA.sql('SELECT id FROM usage_alerts')).toEqual([]);
  });

  it('lists and deletes alerts', async () => {
    const alert = await createAlert(appA, { meter: 'calls', threshold: 999999, name: 'temporary' });
    expect((await appB.http.get('/v1/usage-alerts').expect(200)).body.data).toEqual([
      { id: alert.id, name: 'temporary', meter: 'calls', customerId: null, threshold: '999999', createdAt: expect.any(String) },
    ]);
    await appA.http.delete(`/v1/usage-alerts/${alert.id}`).expect(204);
    await appA.http.delete(`/v1/usage-alerts/${alert.id}`).expect(404);
  });

  it('announces each threshold once per customer × alert × period under four racing writers on two instances', async () => {
    const firstAt100 = await createAlert(appA, { meter: 'calls', customerId: first.id, threshold: 100, name: 'first: 100' });
    const everyoneAt150 = await createAlert(appB, { meter: 'calls', threshold: 150, name: 'everyone: 150' });
    const secondAt50 = await createAlert(appA, { meter: 'calls', customerId: second.id, threshold: 50, name: 'second: 50' });

    // four writers, two per instance, single events and batches: 4 × 5 × (2 + 3 × 2) = 160 units for `first`
    const writer = async (app: TestApp) => {
      for (let round = 0; round < 5; round++) {
        await app.http.post('/v1/usage').send(event(first, 'calls', 2)).expect(202);
        await app.http.post('/v1/usage/batch').send({ events: [1, 2, 3].map(() => event(first, 'calls', 2)) }).expect(207);
      }
    };
    // one batch takes `second` over two thresholds (50 and 150) at once
    const secondBatch = appB.http.post('/v1/usage/batch').send({ events: [event(second, 'calls', 100), event(second, 'calls', 100)] }).expect(207);
    await Promise.all([writer(appA), writer(appA), writer(appB), writer(appB), secondBatch]);

    await eventually(() => receiver.waitFor(4), 15_000);
    // every instance evaluates again after all usage is in: nothing new may be announced
    await Promise.all([appA.app.get(UsageAlertEvaluator).evaluate(), appB.app.get(UsageAlertEvaluator).evaluate()]);
    await new Promise((resolve) => setTimeout(resolve, 300));

    const announced = crossed().map((body) => `${body.data.alertName} / ${body.data.customerId === first.id ? 'first' : 'second'}`);
    expect(announced.sort()).toEqual(['everyone: 150 / first', 'everyone: 150 / second', 'first: 100 / first', 'second: 50 / second']);
    const stored = await appA.sql<{ n: string }>("SELECT count(*)::text AS n FROM notifications WHERE type = 'usage.threshold_crossed'");
    expect(stored).toEqual([{ n: '4' }]);
    const firstCrossing = crossed().find((body) => body.data.alertId === firstAt100.id)!;
    const monthStart = new Date(Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), 1)).toISOString();
    expect(firstCrossing.data).toEqual(expect.objectContaining({ customerId: first.id, meter: 'calls', threshold: '100', periodStart: monthStart }));
    expect(Number(firstCrossing.data.units)).toBeGreaterThanOrEqual(100);
    expect(crossed().filter((body) => body.data.alertId === everyoneAt150.id)).toHaveLength(2);
    expect(crossed().filter((body) => body.data.alertId === secondAt50.id)).toHaveLength(1);
  });

  it('announces once per period when usage falls back under the threshold and rises over it again', async () => {
    const seats = await createAlert(appA, { meter: 'seats', customerId: first.id, threshold: 5, name: 'seats: 5' });
    const announcedForSeats = () => crossed().filter((body) => body.data.alertId === seats.id);
    await appA.http.post('/v1/usage').send(event(first, 'seats', 10)).expect(202);
    await eventually(async () => expect(announcedForSeats()).toHaveLength(1));
    // the `last` aggregation makes the period's units go down: 2 is under, 8 over again
    for (const value of [2, 8]) {
      await appB.http.post('/v1/usage').send(event(first, 'seats', value)).expect(202);
      await Promise.all([appA.app.get(UsageAlertEvaluator).evaluate(), appB.app.get(UsageAlertEvaluator).evaluate()]);
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(announcedForSeats()).toHaveLength(1);
    expect(announcedForSeats()[0]!.data.units).toBe('10');

    // the instances together counted every crossing once (each counts the ones it recorded)
    const counted = async (app: TestApp) => Number(/^meterbridge_usage_alert_crossings_total (\d+)$/m.exec((await app.anonymous.get('/metrics').expect(200)).text)?.[1]);
    expect((await counted(appA)) + (await counted(appB))).toBe(5);
    // and each instance times its passes and counts the pairs it evaluated: one pass of each first
    // (a pass that finds the other instance's pass under way does not run, so racing ones may never)
    for (const app of [appA, appB]) {
      await eventually(async () => expect((await app.app.get(UsageAlertEvaluator).evaluate()).ran).toBe(true));
      const metrics = (await app.anonymous.get('/metrics').expect(200)).text;
      expect(Number(/^meterbridge_usage_alert_evaluation_duration_seconds_count (\d+)$/m.exec(metrics)?.[1])).toBeGreaterThan(0);
    }
    const pairs = async (app: TestApp) => Number(/^meterbridge_usage_alert_pairs_evaluated_total (\d+)$/m.exec((await app.anonymous.get('/metrics').expect(200)).text)?.[1]);
    expect((await pairs(appA)) + (await pairs(appB))).toBeGreaterThan(0);
  });

  it('counts corrections: one that lifts usage over the threshold announces it, and bringing it under and over again does not announce twice', async () => {
    const third = await insertCustomerRow(appA);
    const alert = await createAlert(appA, { meter: 'calls', customerId: third.id, threshold: 100, name: 'calls: 100 after corrections' });
    const announced = () => crossed().filter((body) => body.data.alertId === alert.id);
    const original = event(third, 'calls', 60);
    await appA.http.post('/v1/usage').send(original).expect(202);
    const correct = (app: TestApp, value: number) =>
      app.http.post('/v1/usage/corrections').send({ customerId: third.id, idempotencyKey: original.idempotencyKey, value, reason: 'client sent the wrong value', correctionKey: `fix-${++key}` }).expect(201);

    await appA.app.get(UsageAlertEvaluator).evaluate();
    expect(announced()).toHaveLength(0);
    await correct(appB, 120);
    await eventually(async () => expect(announced()).toHaveLength(1));
    expect(announced()[0]!.data.units).toBe('120');

    for (const value of [30, 130]) {
      await correct(value === 30 ? appA : appB, value);
      await Promise.all([appA.app.get(UsageAlertEvaluator).evaluate(), appB.app.get(UsageAlertEvaluator).evaluate()]);
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(announced()).toHaveLength(1);
  });

  it("counts a subscribed customer's units over its billing period, and announces again in the next period", async () => {
    const DAY = 24 * 60 * 60 * 1000;
    const meter = await insertMeterRow(appA, { key: 'storage', aggregation: 'sum' });
    const subscribed = await insertCustomerRow(appA);
    const periodStart = new Date(Date.now() - 2 * DAY);
    await insertSubscriptionItemRow(appA, { customerId: subscribed.id, meterId: meter.id, periodStart, periodEnd: new Date(periodStart.getTime() + 30 * DAY) });
    const alert = await createAlert(appA, { meter: 'storage', customerId: subscribed.id, threshold: 10, name: 'storage: 10' });
    const announced = () => crossed().filter((body) => body.data.alertId === alert.id);
    const at = (millis: number) => ({ ...event(subscribed, 'storage', 6), timestamp: new Date(millis).toISOString() });

    // 6 units before the period started do not count; 6 + 6 inside it do
    await appA.http.post('/v1/usage/batch').send({ events: [at(periodStart.getTime() - 60_000), at(periodStart.getTime() + 60_000)] }).expect(207);
    await appA.app.get(UsageAlertEvaluator).evaluate();
    expect(announced()).toHaveLength(0);
    await appB.http.post('/v1/usage').send(at(Date.now() - 60_000)).expect(202);
    await eventually(async () => expect(announced()).toHaveLength(1));
    expect(announced()[0]!.data).toEqual(expect.objectContaining({ units: '12', periodStart: periodStart.toISOString() }));

    // the subscription renews an hour ago (its item moves to a new period): the threshold counts anew,
    // over the new period's usage only (the last 6 units above and 12 more)
    const renewal = new Date(Date.now() - 60 * 60 * 1000);
    await appA.sql('UPDATE subscription_items SET current_period_start = ?, current_period_end = ? WHERE meter_id = ?', [renewal, new Date(renewal.getTime() + 30 * DAY), meter.id]);
    await appA.http.post('/v1/usage/batch').send({ events: [at(Date.now() - 60_000), at(Date.now() - 30_000)] }).expect(207);
    await eventually(async () => expect(announced()).toHaveLength(2));
    expect(announced()[1]!.data).toEqual(expect.objectContaining({ units: '18', periodStart: renewal.toISOString() }));
  });
});
