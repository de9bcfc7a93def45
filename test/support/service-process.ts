import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The repository: found by walking up, because `npm run chaos` runs this file compiled under node_modules/.cache. */
function repositoryRoot(): string {
  for (let dir = __dirname; dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, 'tsconfig.build.json'))) return dir;
  }
  throw new Error(`no tsconfig.build.json above ${__dirname}`);
}

const ROOT = repositoryRoot();

export interface ServiceBuild {
  /** The compiled tree: `<dir>/src/main.js`, `<dir>/src/cli/cli.main.js`. */
  dir: string;
  remove(): void;
}

function compile(project: string, outDir: string, expected: string): void {
  const tsc = spawnSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(ROOT, project), '--outDir', outDir], { cwd: ROOT, encoding: 'utf8' });
  if (!existsSync(join(outDir, expected))) throw new Error(`build of ${project} failed:\n${tsc.stdout}${tsc.stderr}`);
}

/**
 * Compiles the service as `npm start` does, into a folder of its own under node_modules/.cache
 * (so modules resolve and no other process's dist/ is touched), with the Stripe emulator package
 * in that folder's node_modules, where the service's development loader finds it. Type errors are
 * the typecheck step's business; this only needs the emitted JavaScript.
 */
export function buildService(): ServiceBuild {
  const cache = join(ROOT, 'node_modules/.cache');
  mkdirSync(cache, { recursive: true });
  const dir = mkdtempSync(join(cache, 'meterbridge-build-'));
  compile('tsconfig.build.json', dir, 'src/main.js');
  const emulator = join(dir, 'node_modules/@meterbridge/stripe-emulator');
  compile('packages/stripe-emulator/tsconfig.build.json', join(emulator, 'dist'), 'index.js');
  copyFileSync(join(ROOT, 'packages/stripe-emulator/package.json'), join(emulator, 'package.json'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A minimal environment: the child sees only what the test gives it (no .env: its cwd is the build folder). */
function childEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, TZ: 'UTC', NODE_ENV: 'test', ...env };
}

export interface ServiceProcess {
  baseUrl: string;
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  signal(signal: NodeJS.Signals): void;
}

/**
 * Whether process `pid` holds the listening socket of `port`: another test's app may have taken a
 * port between freePort() and this child's listen (the child then exits with EADDRINUSE, and the
 * other app would answer its readiness probe). Read from Linux's /proc; elsewhere, assumed.
 */
function listensOn(pid: number | undefined, port: number): boolean {
  if (pid === undefined || !existsSync('/proc/net/tcp')) return true;
  const portHex = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  const listening = ['/proc/net/tcp', '/proc/net/tcp6']
    .filter((file) => existsSync(file))
    .flatMap((file) => readFileSync(file, 'utf8').split('\n').slice(1))
    .map((line) => line.trim().split(/\s+/))
    .filter((fields) => fields[1]?.endsWith(portHex) && fields[3] === '0A')
    .map((fields) => `socket:[${fields[9]}]`);
  try {
    return readdirSync(`/proc/${pid}/fd`).some((fd) => listening.includes(readlinkSync(`/proc/${pid}/fd/${fd}`)));
  } catch {
    return false;
  }
}

/** `node dist/src/main.js` on Node 24 (jest's own binary), ready once /health/ready answers 200 from its own socket. */
export async function startService(build: ServiceBuild, port: number, env: Record<string, string>): Promise<ServiceProcess> {
  const child = spawn(process.execPath, [join(build.dir, 'src/main.js')], { cwd: build.dir, env: childEnv({ PORT: String(port), ...env }) });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) => child.once('exit', (code, signal) => done({ code, signal })));
  let stopped = false;
  void exited.then(() => (stopped = true));
  const baseUrl = `http://127.0.0.1:${port}`;
  for (let attempt = 0; ; attempt += 1) {
    if (stopped) throw new Error(`the service exited during start:\n${output}`);
    if (attempt > 300) {
      child.kill('SIGKILL');
      throw new Error(`the service was not ready within 30 s:\n${output}`);
    }
    const ready = await fetch(`${baseUrl}/health/ready`).then((response) => response.ok, () => false);
    if (ready && listensOn(child.pid, port)) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { baseUrl, output: () => output, exited, signal: (signal) => child.kill(signal) };
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `npm run cli -- <args>` without the build step: the compiled CLI of `build`. */
export function runCli(build: ServiceBuild, args: string[], env: Record<string, string>): Promise<CliResult> {
  return runToExit(build, 'src/cli/cli.main.js', args, env);
}

/** `node dist/src/main.js` run until it exits by itself: for starts that must fail. */
export function runServiceToExit(build: ServiceBuild, env: Record<string, string>): Promise<CliResult> {
  return runToExit(build, 'src/main.js', [], env);
}

function runToExit(build: ServiceBuild, script: string, args: string[], env: Record<string, string>): Promise<CliResult> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [join(build.dir, script), ...args], { cwd: build.dir, env: childEnv(env) });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('exit', (code) => done({ code, stdout, stderr }));
  });
}
