import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './support/free-port';
import { buildService, runCli, startService, type ServiceBuild, type ServiceProcess } from './support/service-process';

/**
 * What a new user does: `npm start` with no DATABASE_URL (the service on its embedded
 * PostgreSQL), then `npm run cli -- …` beside it. The CLI used to start a second PostgreSQL on the
 * same data folder, which PostgreSQL refused, and printed `undefined` with exit code 0.
 */
describe('CLI beside a service running on the embedded database (e2e, built service and CLI)', () => {
  let build: ServiceBuild;
  let folder: string;
  let service: ServiceProcess;
  /** What the user set: only where the data lives (a test cannot use the default .data/ of the repository). */
  let userEnv: Record<string, string>;

  beforeAll(async () => {
    build = buildService();
    folder = await mkdtemp(join(tmpdir(), 'meterbridge-embedded-'));
    // as root, PostgreSQL runs as the `postgres` user, which must be able to enter the folder
    await chmod(folder, 0o755);
    userEnv = { EMBEDDED_DATABASE_DIR: join(folder, 'postgres') };
    // the service's database on a port of its own: the CLI must find it from the data folder, not from its configuration
    service = await startService(build, await freePort(), { ...userEnv, EMBEDDED_DATABASE_PORT: String(await freePort()), LOG_LEVEL: 'warn' });
  }, 180_000);
  afterAll(async () => {
    service?.signal('SIGTERM');
    await service?.exited;
    await rm(folder, { recursive: true, force: true });
    build?.remove();
  });

  it('keys:create reaches the running database: the key it prints opens the running service', async () => {
    const created = await runCli(build, ['keys:create', '--name', 'new user', '--scopes', 'admin'], userEnv);
    expect(created).toMatchObject({ code: 0, stderr: expect.stringContaining('using the embedded PostgreSQL already running') });
    const token = /key \(shown once, store it now\): (\S+)/.exec(created.stdout)?.[1];
    expect(token).toMatch(/^mb_/);

    const response = await fetch(`${service.baseUrl}/v1/meters`, { headers: { authorization: `Bearer ${token}` } });
    expect(response.status).toBe(200);
    const listed = await runCli(build, ['keys:list'], userEnv);
    expect(listed).toMatchObject({ code: 0, stdout: expect.stringContaining('new user') });
  });

  it('a command that fails exits non-zero (the embedded database no longer turns it into exit code 0)', async () => {
    const revoked = await runCli(build, ['keys:revoke', 'mb_nosuchkey'], userEnv);
    expect(revoked).toMatchObject({ code: 1, stderr: expect.stringContaining('no API key matches the given reference') });
  });

  it("fails with PostgreSQL's reason and exit code 1 when the running database does not answer", async () => {
    const postmasterPid = Number((await readFile(join(userEnv.EMBEDDED_DATABASE_DIR!, 'postmaster.pid'), 'utf8')).split('\n')[0]);
    process.kill(postmasterPid, 'SIGSTOP');
    try {
      const listed = await runCli(build, ['keys:list'], userEnv);
      expect(listed.code).toBe(1);
      expect(listed.stdout).toBe('');
      expect(listed.stderr).toMatch(/the embedded PostgreSQL with data under .* did not start: .*lock file "postmaster.pid" already exists/);
      expect(listed.stderr).not.toMatch(/undefined/);
    } finally {
      process.kill(postmasterPid, 'SIGCONT');
    }
    // the service's database is untouched and still serves
    expect((await fetch(`${service.baseUrl}/health/ready`)).status).toBe(200);
  });
});
