import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..');

/** Runs .ci/audit with an `npm` on PATH that prints `report` as `npm audit --json` would and exits `code`. */
function auditWith(report: string, code: number): { status: number | null; output: string } {
  const bin = mkdtempSync(join(tmpdir(), 'fake-npm-'));
  try {
    writeFileSync(join(bin, 'report.json'), report);
    writeFileSync(join(bin, 'npm'), `#!/usr/bin/env bash\n[ "$1 $2 $3" = "audit --omit=dev --audit-level=high" ] || exit 99\ncat "${join(bin, 'report.json')}"\nexit ${code}\n`);
    chmodSync(join(bin, 'npm'), 0o755);
    const run = spawnSync('bash', [join(ROOT, '.ci/audit')], { env: { ...process.env, PATH: `${bin}:${process.env.PATH}` }, encoding: 'utf8' });
    return { status: run.status, output: run.stdout + run.stderr };
  } finally {
    rmSync(bin, { recursive: true, force: true });
  }
}

const answered = (vulnerabilities: Record<string, { severity: string }>) =>
  JSON.stringify({ vulnerabilities, metadata: { vulnerabilities: { total: Object.keys(vulnerabilities).length } } });

describe('the CI audit step (.ci/audit)', () => {
  it('reports skipped, and passes, where the registry has no advisory endpoint or no network answers', () => {
    const refused = auditWith(JSON.stringify({ message: '405 Method Not Allowed - POST https://registry.npmjs.org/-/npm/v1/security/advisories/bulk', statusCode: 405 }), 1);
    expect(refused).toEqual({ status: 0, output: expect.stringContaining('npm audit: skipped (no advisory database answered: 405') });
    expect(auditWith('', 1)).toEqual({ status: 0, output: expect.stringContaining('npm audit: skipped') });
  });

  it('fails on a high or critical advisory in the production dependencies, naming the packages', () => {
    const found = auditWith(answered({ 'left-pad': { severity: 'critical' }, qs: { severity: 'high' }, ms: { severity: 'low' } }), 1);
    expect(found.status).toBe(1);
    expect(found.output).toContain('left-pad (critical), qs (high)');
  });

  it('passes with advisories of lower severity only', () => {
    expect(auditWith(answered({ ms: { severity: 'moderate' } }), 0)).toEqual({ status: 0, output: expect.stringContaining('no high or critical advisory') });
  });

  it('runs in .ci/run right after the install', () => {
    const steps = readFileSync(join(ROOT, '.ci/run'), 'utf8').split('\n');
    expect(steps.indexOf('bash .ci/audit')).toBe(steps.indexOf('npm install --no-audit --no-fund') + 1);
  });
});

/** Every file under a folder, recursively. */
const filesUnder = (dir: string): string[] =>
  readdirSync(dir).flatMap((name) => (statSync(join(dir, name)).isDirectory() ? filesUnder(join(dir, name)) : [join(dir, name)]));

/** Production dependencies nothing imports by name, each needed all the same. */
const REQUIRED_WITHOUT_IMPORT: Record<string, string> = {
  '@fastify/static': "serves the OpenAPI UI's assets: @nestjs/swagger loads it on Fastify",
  rxjs: 'a peer dependency of @nestjs/common and @nestjs/core',
};

describe('the production dependency tree', () => {
  it('holds only packages the service imports (or that a package it imports requires as a peer)', () => {
    const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    const sources = [...filesUnder(join(ROOT, 'src')), ...filesUnder(join(ROOT, 'migrations'))].filter((file) => file.endsWith('.ts')).map((file) => readFileSync(file, 'utf8'));
    const imported = (name: string) => sources.some((source) => source.includes(`from '${name}'`) || source.includes(`from '${name}/`) || source.includes(`import '${name}'`) || source.includes(`require('${name}')`));
    const unused = Object.keys(manifest.dependencies).filter((name) => !imported(name) && !(name in REQUIRED_WITHOUT_IMPORT));
    expect(unused).toEqual([]);
  });
});

/**
 * Which dependencies' install scripts npm 11 runs is decided by package.json's `allowScripts` (it
 * runs one without an entry with a warning, and never a denied one): node (Node 24's binary), the
 * embedded PostgreSQL's libraries and swc need theirs; the OpenAPI UI's telemetry and a file
 * watcher's optional build from source are denied.
 */
describe('install scripts', () => {
  interface LockedPackage {
    name?: string;
    hasInstallScript?: boolean;
    inBundle?: boolean;
  }

  it('every locked dependency with an install script is allowed or denied by name', () => {
    const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { allowScripts: Record<string, boolean> };
    const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockedPackage> };
    // dependencies only (not the root or a workspace), by their real name (an alias installs under
    // another), and not bundled inside another package (npm never runs those)
    const withScripts = Object.entries(lock.packages)
      .filter(([path, entry]) => path.includes('node_modules/') && entry.hasInstallScript && !entry.inBundle)
      .map(([path, entry]) => entry.name ?? path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length));
    // an entry may be pinned (`name@version`, what `npm install-scripts approve` writes by default)
    const decided = Object.keys(manifest.allowScripts).map((key) => key.replace(/(.)@.*$/, '$1'));
    expect(withScripts.length).toBeGreaterThan(0);
    expect(withScripts.filter((name) => !decided.includes(name))).toEqual([]);
    expect(decided.filter((name) => !withScripts.includes(name))).toEqual([]);
  });
});
