import { expectRacingRunsToSendOnce, sentIn, useDeliveryRig } from './support/delivery-rig';
import { runReporter, type RunBody } from './support/reporting';

const METER_EVENTS = '/v1/billing/meter_events';

/**
 * Two instances of the service on one database, both talking to one Stripe emulator over HTTP,
 * with the SDK's own retries off so that every failure reaches the reporter. The v2 stream's
 * counterparts are in reporting-stream-delivery.e2e-spec.ts.
 */
describe('reporter: delivery under failures and concurrency (e2e, emulator over HTTP)', () => {
  const rig = useDeliveryRig();

  it('sends each unit once when two runs on each of two instances race', () => expectRacingRunsToSendOnce(rig));

  it('re-sends with the same identifier after Stripe applied a request but the connection dropped, and Stripe counts it once', async () => {
    const { customer, ingested } = await rig.customerWithUsage(1, 3);
    // every try of this run is applied-then-dropped (the first stores the event, the next ones meet "already exists")
    rig.emulator.faults.add({ kind: 'drop_connection', share: 1, pathPrefix: METER_EVENTS });
    expect(await runReporter(rig.first)).toMatchObject({ sent: 0, retryLater: 1 });
    rig.emulator.faults.clear();
    const [pending] = await rig.reportsOf(customer);
    expect(pending).toMatchObject({ status: 'pending', failure_reason: expect.stringMatching(/^network/) });
    expect(rig.emulator.state.meterEvents.events({ customerId: customer.stripeCustomerId }).map((event) => event.identifier)).toEqual([pending!.identifier]);

    expect(await runReporter(rig.second)).toMatchObject({ sent: 1, retryLater: 0 });
    expect((await rig.reportsOf(customer)).map((row) => row.status)).toEqual(['sent']);
    expect(rig.emulator.state.meterEvents.events({ customerId: customer.stripeCustomerId })).toHaveLength(1);
    expect(rig.stripeTotalOf(customer)).toBe(ingested);
  });

  it('delivers what a runner claimed before it died: another instance sends it', async () => {
    const usage = await rig.customerWithUsage(2, 2);
    await rig.runnerDies({ afterSending: false });
    expect((await rig.reportsOf(usage.customer)).map((row) => row.status)).toEqual(['pending', 'pending']);
    expect(await runReporter(rig.second)).toMatchObject({ claimedEvents: '0', sent: 2 });
    await rig.expectDeliveredOnce(usage);
  });

  it('delivers everything exactly once through storms of 500s and 429s', async () => {
    const customers = await Promise.all([rig.customerWithUsage(4, 2), rig.customerWithUsage(4, 3), rig.customerWithUsage(3, 3)]);
    rig.emulator.faults.add({ kind: 'server_error', share: 0.5, pathPrefix: METER_EVENTS });
    rig.emulator.faults.add({ kind: 'rate_limit', share: 0.5, pathPrefix: METER_EVENTS });
    const runs: RunBody[] = [];
    for (let attempt = 0; attempt < 10; attempt += 1) {
      const run = await runReporter(attempt % 2 ? rig.second : rig.first);
      runs.push(run);
      if (run.retryLater === 0) break;
    }
    expect(runs.slice(0, -1).every((run) => run.retryLater > 0)).toBe(true);
    expect(runs[runs.length - 1]).toMatchObject({ retryLater: 0, failed: 0 });
    expect(sentIn(runs)).toBe(11);
    for (const { customer, ingested } of customers) {
      expect((await rig.reportsOf(customer)).every((row) => row.status === 'sent')).toBe(true);
      expect(rig.stripeTotalOf(customer)).toBe(ingested);
    }
  });

  it("marks a report Stripe refuses (400) failed with Stripe's message, without holding back other customers, and shows it in status", async () => {
    const { customer: good, ingested } = await rig.customerWithUsage(1, 2);
    const { customer: bad } = await rig.customerWithUsage(1, 2);
    // this customer's Stripe test clock runs 60 days ahead: Stripe refuses its usage at once (400) as more than 35 days old
    const clock = rig.emulator.state.clocks.create(Math.floor(Date.now() / 1000) + 60 * 86_400, 'ahead');
    rig.emulator.state.customers.put({ ...rig.emulator.state.customers.require(bad.stripeCustomerId), test_clock: clock.id });

    expect(await runReporter(rig.first)).toMatchObject({ sent: 1, failed: 1, retryLater: 0 });
    expect(rig.stripeTotalOf(good)).toBe(ingested);
    const [failed] = await rig.reportsOf(bad);
    expect(failed).toMatchObject({ status: 'failed', failure_reason: expect.stringContaining('more than 35 days in past') });

    const status = await rig.first.http.get('/v1/reporting/status').expect(200);
    expect(status.body.failures.totals.reports).toBe(1);
    expect(status.body.failures.recent[0]).toMatchObject({ identifier: failed!.identifier, customerId: bad.id, units: '3', reason: expect.stringContaining('more than 35 days in past') });
    expect(status.body.lastRun).toMatchObject({ trigger: 'api', sent: 1, failed: 1 });

    // not retried: the next run sends nothing and the report stays failed
    expect(await runReporter(rig.first)).toMatchObject({ sent: 0, failed: 0 });
    expect((await rig.reportsOf(bad)).map((row) => row.status)).toEqual(['failed']);
  });
});
