import { expectRacingRunsToSendOnce, useDeliveryRig } from './support/delivery-rig';
import { runReporter } from './support/reporting';

const METER_EVENT_STREAM = '/v2/billing/meter_event_stream';

/**
 * The v1 delivery tests (reporting-delivery.e2e-spec.ts) on the v2 meter event stream: a stream
 * request Stripe applied is sent again after a dropped connection or a dead runner, and Stripe
 * counts each identifier once only if the resend carries the very same identifiers. Stripe
 * validates stream events after answering, so totals are read once the emulator has processed
 * what it accepted.
 */
describe('reporter: v2 stream delivery under failures and concurrency (e2e, emulator over HTTP)', () => {
  const rig = useDeliveryRig({ REPORTER_USE_V2_STREAM: 'true' });

  it('sends each unit once when two runs on each of two instances race', () => expectRacingRunsToSendOnce(rig));

  it('re-sends the same identifiers after Stripe applied a stream request but the connection dropped, and Stripe counts them once', async () => {
    const { customer, ingested } = await rig.customerWithUsage(3, 2);
    // every try of this run is accepted by Stripe, then the connection drops before the answer
    rig.emulator.faults.add({ kind: 'drop_connection', share: 1, pathPrefix: METER_EVENT_STREAM });
    expect(await runReporter(rig.first)).toMatchObject({ sent: 0, retryLater: 3 });
    rig.emulator.faults.clear();
    const pending = await rig.reportsOf(customer);
    expect(pending.map((row) => row.status)).toEqual(['pending', 'pending', 'pending']);
    expect(pending.every((row) => row.failure_reason?.startsWith('network'))).toBe(true);
    // what Stripe accepted is already counted: the reports' own identifiers, each once
    const identifiers = pending.map((row) => row.identifier).sort();
    expect(rig.stripeIdentifiersOf(customer)).toEqual(identifiers);

    expect(await runReporter(rig.second)).toMatchObject({ sent: 3, retryLater: 0 });
    await rig.expectDeliveredOnce({ customer, ingested });
  });

  it.each([
    ['claimed its reports', false, 2],
    ['streamed its reports to Stripe (applied) without recording it', true, 3],
  ])('delivers once what a runner %s before it died: another instance (re-)sends it', async (_what, afterSending, windows) => {
    const usage = await rig.customerWithUsage(windows, 3);
    await rig.runnerDies({ afterSending });
    expect((await rig.reportsOf(usage.customer)).map((row) => row.status)).toEqual(Array(windows).fill('pending'));
    expect(await runReporter(rig.second)).toMatchObject({ claimedEvents: '0', sent: windows, retryLater: 0 });
    await rig.expectDeliveredOnce(usage);
  });
});
