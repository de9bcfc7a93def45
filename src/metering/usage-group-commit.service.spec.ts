import type { DatabaseConfig } from '../config/app-config';
import type { UsageEventInput } from './usage-event.parser';
import { UsageGroupCommit } from './usage-group-commit.service';
import type { UsageOutcome, UsageRecorder } from './usage-recorder.service';

/** A recorder whose writes finish when the test says so, remembering the groups it was given. */
class ControlledRecorder {
  readonly groups: string[][] = [];
  private readonly finishers: Array<(error?: Error) => void> = [];

  record(events: UsageEventInput[]): Promise<UsageOutcome[]> {
    this.groups.push(events.map((event) => event.idempotencyKey));
    return new Promise((resolve, reject) => {
      this.finishers.push((error) => (error ? reject(error) : resolve(events.map((event) => ({ status: 'accepted', id: `id-${event.idempotencyKey}` })))));
    });
  }

  finishNext(error?: Error): void {
    this.finishers.shift()!(error);
  }
}

const event = (idempotencyKey: string): UsageEventInput => ({
  customerId: null,
  externalCustomerId: 'acct',
  meter: 'api_calls',
  value: 1,
  eventTime: '2026-11-25T10:00:00.000Z',
  timestampGiven: false,
  properties: null,
  idempotencyKey,
});

const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function groupCommit(recorder: ControlledRecorder, maxWaitMs: number, maxEvents = 100, poolMax = 2): UsageGroupCommit {
  return new UsageGroupCommit({ maxWaitMs, maxEvents }, { poolMax } as DatabaseConfig, recorder as unknown as UsageRecorder);
}

describe('UsageGroupCommit', () => {
  it('writes events arriving within the wait as one group and answers each caller with its own outcome, after the write', async () => {
    const recorder = new ControlledRecorder();
    const commit = groupCommit(recorder, 5);
    let answered = false;
    const outcomes = Promise.all(['a', 'b', 'c'].map((key) => commit.record(event(key)))).then((result) => ((answered = true), result));
    await tick(20);
    expect(recorder.groups).toEqual([['a', 'b', 'c']]);
    expect(answered).toBe(false);
    recorder.finishNext();
    expect(await outcomes).toEqual(['a', 'b', 'c'].map((key) => ({ status: 'accepted', id: `id-${key}` })));
  });

  it('writes at once when maxEvents are waiting', async () => {
    const recorder = new ControlledRecorder();
    const commit = groupCommit(recorder, 10_000, 2);
    void commit.record(event('a'));
    void commit.record(event('b'));
    void commit.record(event('c'));
    await tick(0);
    expect(recorder.groups).toEqual([['a', 'b']]);
    const shutdown = commit.beforeApplicationShutdown();
    recorder.finishNext();
    await tick(0);
    recorder.finishNext();
    await shutdown;
    expect(recorder.groups).toEqual([['a', 'b'], ['c']]);
  });

  it('gathers due events while every write slot is busy and sends them together when one frees', async () => {
    const recorder = new ControlledRecorder();
    const commit = groupCommit(recorder, 1, 100, 2); // a pool of 2: one write at a time
    void commit.record(event('a'));
    await tick(10);
    for (const key of ['b', 'c', 'd']) {
      void commit.record(event(key));
      await tick(5);
    }
    expect(recorder.groups).toEqual([['a']]);
    recorder.finishNext();
    await tick(0);
    expect(recorder.groups).toEqual([['a'], ['b', 'c', 'd']]);
  });

  it('gives every caller of a failed group the error', async () => {
    const recorder = new ControlledRecorder();
    const commit = groupCommit(recorder, 1);
    const results = Promise.allSettled([commit.record(event('a')), commit.record(event('b'))]);
    await tick(10);
    recorder.finishNext(new Error('connection lost'));
    expect((await results).map((result) => result.status)).toEqual(['rejected', 'rejected']);
  });

  it('writes each event alone when maxWaitMs is 0', async () => {
    const recorder = new ControlledRecorder();
    const commit = groupCommit(recorder, 0);
    void commit.record(event('a'));
    void commit.record(event('b'));
    await tick(0);
    expect(recorder.groups).toEqual([['a'], ['b']]);
  });

  it('writes what is waiting before shutdown completes', async () => {
    const recorder = new ControlledRecorder();
    const commit = groupCommit(recorder, 10_000);
    const outcome = commit.record(event('a'));
    const shutdown = commit.beforeApplicationShutdown();
    await tick(0);
    expect(recorder.groups).toEqual([['a']]);
    recorder.finishNext();
    await shutdown;
    expect(await outcome).toEqual({ status: 'accepted', id: 'id-a' });
  });
});
