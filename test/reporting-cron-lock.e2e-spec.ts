import pg from 'pg';
import { AdvisoryLock } from '../src/database/advisory-lock';
import { ReportingService } from '../src/reporting/reporting.service';
import { claimWithoutSending, sentIn, useDeliveryRig } from './support/delivery-rig';
import type { TestApp } from './support/test-app';

/**
 * The cron's entry, `runIfIdle()`, is how reporting runs in every deployment: each replica's
 * schedule calls it, and it must skip the beat while another session holds the Reporter lock
 * rather than send what that session is sending. Test apps run with their schedules off, so these
 * tests call it directly, as the schedule does.
 */
describe('reporter: the scheduled run and its advisory lock (e2e, two instances, emulator over HTTP)', () => {
  const rig = useDeliveryRig();

  const scheduledRun = (instance: TestApp) => instance.app.get(ReportingService).runIfIdle();
  const runRows = async () => (await rig.first.sql<{ runs: number }>('select count(*)::int as runs from reporter_runs'))[0]!.runs;

  /** Another session (an operator, another replica's run) holding the Reporter lock until released. */
  async function holdReporterLock(): Promise<{ release(): Promise<void> }> {
    const client = new pg.Client({ connectionString: rig.first.database.url });
    await client.connect();
    await client.query('select pg_advisory_lock($1)', [AdvisoryLock.Reporter]);
    return { release: () => client.end() };
  }

  it('skips the beat while another session holds the lock (no run row, nothing sent, every report pending), and runs once it is released', async () => {
    const { customer, ingested } = await rig.customerWithUsage(3, 2);
    await claimWithoutSending(rig.first);
    const runsBefore = await runRows();

    const holder = await holdReporterLock();
    try {
      await expect(scheduledRun(rig.first)).resolves.toBeNull();
      await expect(scheduledRun(rig.second)).resolves.toBeNull();
      expect(await runRows()).toBe(runsBefore);
      expect((await rig.reportsOf(customer)).map((row) => row.status)).toEqual(['pending', 'pending', 'pending']);
      expect(rig.stripeTotalOf(customer)).toBe(0);
    } finally {
      await holder.release();
    }

    await expect(scheduledRun(rig.second)).resolves.toMatchObject({ trigger: 'cron', sent: 3, failed: 0, retryLater: 0, error: null });
    expect(await runRows()).toBe(runsBefore + 1);
    await rig.expectDeliveredOnce({ customer, ingested });
  });

  it('sends each report by exactly one run when both instances fire at once, beat after beat', async () => {
    const customers = [];
    const runs = [];
    for (let beat = 0; beat < 4; beat += 1) {
      // new usage before every beat, so each beat has reports to race for
      customers.push(...(await Promise.all([rig.customerWithUsage(4, 2), rig.customerWithUsage(3, 3)])));
      runs.push(...(await Promise.all([scheduledRun(rig.first), scheduledRun(rig.second), scheduledRun(rig.first), scheduledRun(rig.second)])));
    }
    // a beat skipped by one instance leaves nothing behind for the next beat of the other
    const ran = runs.filter((run) => run !== null);
    expect(ran.length).toBeGreaterThanOrEqual(4);
    expect(ran.every((run) => run.trigger === 'cron' && run.error === null && run.failed === 0 && run.retryLater === 0)).toBe(true);

    expect(await rig.expectDeliveredOnce(...customers)).toBe(4 * 7);
    expect(sentIn(ran)).toBe(4 * 7);
  });
});
