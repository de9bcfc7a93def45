import { spawnSync } from 'node:child_process';
import pg from 'pg';
import { ReconciliationReads } from '../src/reporting/reconciliation-reads';
import { insertCustomerRow, insertMeterRow, type CustomerRow } from './support/billing-rows';
import { eventually } from './support/eventually';
import { createTestDatabase, type TestDatabase } from './support/test-database';
import { startTestApp, type TestApp } from './support/test-app';

/**
 * Read routing against a real streaming replica (docs/read-routing.md): the replica of
 * `scripts/read-replica.sh start`. TEST_READ_REPLICA_URL names it (CI sets it: the file then runs,
 * and fails if the replica is down); without it the file looks on 127.0.0.1:5433 and is skipped
 * when nothing answers there.
 */
const configuredReplica = process.env.TEST_READ_REPLICA_URL;
const replicaAddress = new URL(configuredReplica ?? 'postgres://postgres@127.0.0.1:5433');
const replicaUp = configuredReplica !== undefined || spawnSync('/usr/lib/postgresql/15/bin/pg_isready', ['-q', '-h', replicaAddress.hostname, '-p', replicaAddress.port]).status === 0;
if (!replicaUp) {
  process.stderr.write(`read-replica.e2e-spec: skipped, no streaming replica on ${replicaAddress.host} (start one with scripts/read-replica.sh start)\n`);
}
const describeWithReplica = replicaUp ? describe : describe.skip;

/** The test database's URL with the replica's host and port: CREATE DATABASE reaches the replica through the WAL. */
const onReplica = (database: TestDatabase) => Object.assign(new URL(database.url), { hostname: replicaAddress.hostname, port: replicaAddress.port }).toString();

describeWithReplica('reads on a streaming replica (e2e)', () => {
  let database: TestDatabase;
  let testApp: TestApp;
  let replica: pg.Client;
  let customer: CustomerRow;

  beforeAll(async () => {
    database = await createTestDatabase();
    // CREATE DATABASE reaches the replica through the WAL like everything else
    replica = await eventually(async () => {
      const client = new pg.Client({ connectionString: onReplica(database) });
      await client.connect();
      return client;
    });
    testApp = await startTestApp({ DATABASE_READ_URL: onReplica(database), REPORTER_ENABLED: 'false', RECONCILIATION_ENABLED: 'false', RETENTION_ENABLED: 'false' }, { database });
    customer = await insertCustomerRow(testApp);
    await insertMeterRow(testApp, { key: 'api_calls' });
  });
  afterAll(async () => {
    await replica.query('SELECT pg_wal_replay_resume()').catch(() => undefined);
    await replica.end();
    await testApp.close();
    await database.drop();
  });

  /**
   * Waits until the paused replica has received (not replayed) everything the primary wrote so far:
   * WAL still in transport is invisible to the replica, whose asOf would then be the read's time
   * (docs/read-routing.md), so a lagging read is asserted only once the lag is the replica's own.
   */
  const receivedEverything = async () => {
    const [{ lsn }] = (await testApp.sql<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn')) as [{ lsn: string }];
    await eventually(async () => expect((await replica.query('SELECT pg_last_wal_receive_lsn() >= $1::pg_lsn AS received', [lsn])).rows[0].received).toBe(true));
  };

  const ingested = async () => {
    const body = (await testApp.http.get(`/v1/customers/${customer.id}/usage`).query({ meter: 'api_calls' }).expect(200)).body;
    return { asOf: Date.parse(body.asOf), ingested: body.meters[0].ingested as string };
  };

  it('reads totals and status on the replica: while it lags they show the old state and say so in asOf, and catch up after', async () => {
    await testApp.http.post('/v1/usage').send({ customerId: customer.id, meter: 'api_calls', value: 2, idempotencyKey: 'before-pause' }).expect(202);
    await eventually(async () => expect((await ingested()).ingested).toBe('2'));

    await replica.query('SELECT pg_wal_replay_pause()');
    await eventually(async () => expect((await replica.query('SELECT pg_get_wal_replay_pause_state() AS state')).rows[0].state).toBe('paused'));
    const paused = Date.now();
    await testApp.http.post('/v1/usage').send({ customerId: customer.id, meter: 'api_calls', value: 5, idempotencyKey: 'while-paused' }).expect(202);
    await receivedEverything();

    // the primary has the event; the replica does not, and the answers' asOf is before it was recorded
    const lagging = await ingested();
    expect(lagging.ingested).toBe('2');
    expect(lagging.asOf).toBeLessThanOrEqual(paused);
    const status = (await testApp.http.get('/v1/reporting/status').expect(200)).body;
    expect(Date.parse(status.asOf)).toBeLessThanOrEqual(paused);
    expect(status.backlog.unclaimedEvents).toBe(1);

    // an event too new for the replica is still traced (on the primary), never a 404 after a 202
    const trace = (await testApp.http.get('/v1/usage/events').query({ customerId: customer.id, idempotencyKey: 'while-paused' }).expect(200)).body;
    expect(trace.event.value).toBe('5');
    expect(Date.parse(trace.asOf)).toBeGreaterThanOrEqual(paused);

    await replica.query('SELECT pg_wal_replay_resume()');
    await eventually(async () => expect((await ingested()).ingested).toBe('7'));
    expect((await ingested()).asOf).toBeGreaterThan(paused);
  });

  it('lists on the replica: while it lags a new meter is missing from the list and asOf says so, and the list catches up after', async () => {
    const meterKeys = async () => {
      const body = (await testApp.http.get('/v1/meters').expect(200)).body;
      return { asOf: Date.parse(body.asOf), keys: (body.data as Array<{ key: string }>).map((meter) => meter.key) };
    };
    await replica.query('SELECT pg_wal_replay_pause()');
    await eventually(async () => expect((await replica.query('SELECT pg_get_wal_replay_pause_state() AS state')).rows[0].state).toBe('paused'));
    const paused = Date.now();
    await insertMeterRow(testApp, { key: 'while_paused' });
    await receivedEverything();

    const lagging = await meterKeys();
    expect(lagging.keys).toEqual(['api_calls']);
    expect(lagging.asOf).toBeLessThanOrEqual(paused);

    await replica.query('SELECT pg_wal_replay_resume()');
    await eventually(async () => expect((await meterKeys()).keys).toEqual(['api_calls', 'while_paused']));
    expect((await meterKeys()).asOf).toBeGreaterThan(paused);
  });

  it('reconciliation reads the replica only once it has replayed what the primary had when the run began', async () => {
    const day = new Date(Math.floor(Date.now() / 86_400_000) * 86_400_000);
    await replica.query('SELECT pg_wal_replay_pause()');
    await eventually(async () => expect((await replica.query('SELECT pg_get_wal_replay_pause_state() AS state')).rows[0].state).toBe('paused'));
    // a report delivered just now, on the primary only
    await testApp.sql(`update customers set stripe_customer_id = 'cus_replica' where id = ?`, [customer.id]);
    await testApp.sql(`update meters set stripe_meter_id = 'mtr_replica' where key = 'api_calls'`);
    await testApp.sql(
      `insert into usage_reports (customer_id, meter_id, window_start, window_end, sequence, units, event_count, report_time, oldest_received_at, tx_from, tx_to)
       select ?, id, ?, ?, 0, 4, 1, now(), now(), '0', '1' from meters where key = 'api_calls'`,
      [customer.id, day.toISOString(), new Date(day.getTime() + 86_400_000).toISOString()],
    );
    const read = testApp.app.get(ReconciliationReads, { strict: false }).localTotals(day, new Date(day.getTime() + 86_400_000));
    setTimeout(() => void replica.query('SELECT pg_wal_replay_resume()'), 500);
    expect(await read).toEqual([expect.objectContaining({ customerId: customer.id, localByDay: { [day.toISOString().replace('.000Z', 'Z')]: '4' } })]);
  });
});
