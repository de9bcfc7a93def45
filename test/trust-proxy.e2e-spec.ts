import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { startTestApp, type TestApp } from './support/test-app';

/** The TRUST_PROXY the Kubernetes manifests deploy, so the behaviour proven here is the deployed one. */
const deployedTrustProxy = (parse(readFileSync(join(__dirname, '../deploy/k8s/configmap.yaml'), 'utf8')) as { data: Record<string, string> }).data.TRUST_PROXY;

describe('client addresses behind the manifests’ ingress (e2e)', () => {
  let testApp: TestApp;

  beforeAll(async () => {
    testApp = await startTestApp({ TRUST_PROXY: deployedTrustProxy, RATE_LIMIT_DEFAULT_PER_MINUTE: '2' });
  });
  afterAll(() => testApp.close());

  it('counts per the address the ingress appended: addresses a client writes before it do not give it a fresh counter', async () => {
    // the test's loopback connection plays the ingress controller, 10.20.30.40 the client it saw
    const statuses: number[] = [];
    for (const spoofed of ['10.1.1.1', '192.168.7.7', '172.16.0.9']) {
      statuses.push((await testApp.anonymous.get('/metrics').set('x-forwarded-for', `${spoofed}, 10.20.30.40`)).status);
    }
    expect(statuses).toEqual([200, 200, 429]);
    // another client behind the same ingress has its own counter
    await testApp.anonymous.get('/metrics').set('x-forwarded-for', '10.20.30.41').expect(200);
  });
});
