import type { Stripe } from '../src/stripe/stripe.constants';
import { STRIPE_CLIENT } from '../src/stripe/stripe-client.token';
import { eventually } from './support/eventually';
import { billedCustomer, catalogueMeter, DAY, emulatorOf, HOUR, recordUsage, runReporter, startReportingApp, subscribeWithPeriods } from './support/reporting';
import { deliver } from './support/signed-webhooks';
import type { TestApp } from './support/test-app';
import { startWebhookReceiver, type WebhookReceiver } from '../packages/stripe-emulator/test/support/webhook-receiver';

const SECRET = 'whsec_meter_errors_test_secret';
const ERROR_REPORT_TYPES = ['v1.billing.meter.error_report_triggered', 'v1.billing.meter.no_meter_found'];

/**
 * Stripe validates streamed meter events after answering; what it refuses comes back as a thin
 * event. The report it names must show as failed with Stripe's reason, not vanish from the invoice.
 */
describe('meter error reports (e2e: v2 stream → Stripe refuses later → thin event → failed report)', () => {
  let testApp: TestApp;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    testApp = await startReportingApp({ STRIPE_WEBHOOK_SECRET: SECRET, REPORTER_USE_V2_STREAM: 'true', NOTIFICATION_DELIVERY_POLL_MS: '50' });
    await testApp.http.post('/v1/notification-endpoints').send({ url: receiver.url, events: ['report.failed'] }).expect(201);
  });
  afterAll(async () => {
    await testApp.close();
    await receiver.close();
  });

  it('marks the report a meter error event names as failed, with the reason, in the reporting status', async () => {
    const stripe = testApp.app.get<Stripe>(STRIPE_CLIENT);
    const emulator = emulatorOf(testApp);
    const meter = await catalogueMeter(testApp, 'streamed');
    const customer = await billedCustomer(testApp);
    await subscribeWithPeriods(testApp, customer.id, meter.id, [{ start: new Date(Date.now() - 5 * DAY), end: new Date(Date.now() + 25 * DAY) }]);
    await recordUsage(testApp, customer.id, 'streamed', 5, new Date(Date.now() - HOUR));

    // the stream accepts the event, but by the time Stripe validates it the meter is gone
    await stripe.billing.meters.deactivate(meter.stripeMeterId);
    expect(await runReporter(testApp)).toMatchObject({ sent: 1, failed: 0 });
    emulator.flushMeterEventStream();
    const [thin] = emulator.state.v2Events.store.all().filter((event) => ERROR_REPORT_TYPES.includes(event.type));
    expect(thin).toBeDefined();

    const notification = { id: thin!.id, object: 'v2.core.event', type: thin!.type, created: thin!.created, livemode: false };
    await deliver(testApp.anonymous, notification, { secret: SECRET }).expect(200);
    const failures = await eventually(async () => {
      const status = (await testApp.http.get('/v1/reporting/status').expect(200)).body;
      expect(status.failures.recent).toHaveLength(1);
      return status.failures.recent;
    });
    expect(failures[0]).toMatchObject({ customerId: customer.id, meterId: meter.id, units: '5', reason: expect.any(String) });
    expect(await testApp.sql(`select status from webhook_events where id = ?`, [thin!.id])).toEqual([{ status: 'processed' }]);

    // the failure is announced to the endpoint subscribed to report.failed
    const [announced] = await receiver.waitFor(1);
    expect(JSON.parse(announced!.rawBody)).toMatchObject({ type: 'report.failed', data: { customerId: customer.id, meter: 'streamed', units: '5', reason: failures[0].reason } });
  });
});
