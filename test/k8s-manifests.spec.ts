import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { getMetadataStorage } from 'class-validator';
import { parseAllDocuments } from 'yaml';
import { EnvironmentVariables, validateEnvironment } from '../src/config/environment';

/** deploy/k8s parsed and checked: no cluster or schema download needed (kubeconform is not packaged here). */
const DIR = join(__dirname, '../deploy/k8s');

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Manifest = Record<string, any>;

const manifests: Manifest[] = readdirSync(DIR)
  .filter((file) => file.endsWith('.yaml') && file !== 'kustomization.yaml')
  .flatMap((file) => parseAllDocuments(readFileSync(join(DIR, file), 'utf8')).map((document) => document.toJS() as Manifest));
const byKind = (kind: string) => manifests.find((manifest) => manifest.kind === kind) as Manifest;
const deployment = byKind('Deployment');
const container = deployment.spec.template.spec.containers[0];
const configMap = byKind('ConfigMap');
const secret = byKind('Secret');
const networkPolicy = byKind('NetworkPolicy');
const kustomization = parseAllDocuments(readFileSync(join(DIR, 'kustomization.yaml'), 'utf8'))[0].toJS() as Manifest;

const declaredVariables = new Set(getMetadataStorage().getTargetValidationMetadatas(EnvironmentVariables, '', true, false).map((metadata) => metadata.propertyName));

describe('Kubernetes manifests (deploy/k8s)', () => {
  it('parse, and kustomization lists every resource but the example Secret', () => {
    expect(manifests.map((manifest) => manifest.kind).sort()).toEqual(['ConfigMap', 'Deployment', 'NetworkPolicy', 'PodDisruptionBudget', 'Secret', 'Service']);
    expect(kustomization.resources.sort()).toEqual(['configmap.yaml', 'deployment.yaml', 'networkpolicy.yaml', 'poddisruptionbudget.yaml', 'service.yaml']);
    for (const manifest of manifests) expect(manifest).toMatchObject({ apiVersion: expect.any(String), metadata: { name: expect.any(String) } });
  });

  it('run three replicas that probe liveness, readiness and start-up on the named HTTP port', () => {
    expect(deployment.spec.replicas).toBe(3);
    expect(container.ports).toEqual([{ name: 'http', containerPort: 3000, protocol: 'TCP' }]);
    expect(container.livenessProbe.httpGet).toEqual({ path: '/health/live', port: 'http' });
    expect(container.readinessProbe.httpGet).toEqual({ path: '/health/ready', port: 'http' });
    expect(container.startupProbe.httpGet.port).toBe('http');
    expect(container.startupProbe.periodSeconds * container.startupProbe.failureThreshold).toBeGreaterThanOrEqual(60);
    expect(configMap.data.PORT).toBe('3000');
    expect(container.resources).toMatchObject({ requests: { cpu: expect.any(String), memory: expect.any(String) }, limits: { memory: expect.any(String) } });
  });

  it('run as non-root on a read-only root file system, with /tmp on an emptyDir', () => {
    const pod = deployment.spec.template.spec;
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: expect.any(Number) });
    expect(pod.securityContext.runAsUser).not.toBe(0);
    expect(container.securityContext).toEqual({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    const tmp = container.volumeMounts.find((mount: Manifest) => mount.mountPath === '/tmp');
    expect(pod.volumes.find((volume: Manifest) => volume.name === tmp.name)).toMatchObject({ emptyDir: expect.any(Object) });
  });

  it('give the drain time to finish before Kubernetes kills the pod', () => {
    const preStopSeconds = Number(container.lifecycle.preStop.exec.command[1]);
    const graceMs = Number(configMap.data.SHUTDOWN_GRACE_MS);
    expect(deployment.spec.template.spec.terminationGracePeriodSeconds * 1000).toBeGreaterThan(preStopSeconds * 1000 + graceMs + 5000);
  });

  it('route the Service and the PodDisruptionBudget to the Deployment pods', () => {
    const labels = deployment.spec.template.metadata.labels;
    expect(deployment.spec.selector.matchLabels).toEqual(labels);
    expect(byKind('Service').spec.selector).toEqual(labels);
    expect(byKind('Service').spec.ports[0].targetPort).toBe('http');
    expect(byKind('PodDisruptionBudget').spec).toEqual({ minAvailable: 2, selector: { matchLabels: labels } });
  });

  it('set only variables that src/config/environment.ts declares, with values it accepts', () => {
    const fromEnv = container.env.map((variable: Manifest) => variable.name as string);
    const secretRefs = container.env.map((variable: Manifest) => variable.valueFrom?.secretKeyRef).filter(Boolean);
    const everyVariable = [...fromEnv, ...Object.keys(configMap.data)];
    expect(everyVariable.filter((name) => !declaredVariables.has(name))).toEqual([]);
    expect(new Set(everyVariable).size).toBe(everyVariable.length);
    expect(container.envFrom).toEqual([{ configMapRef: { name: configMap.metadata.name } }]);
    for (const ref of secretRefs) expect({ ref, inExample: ref.name === secret.metadata.name && ref.key in secret.stringData }).toMatchObject({ inExample: true });
    expect(() => validateEnvironment({ ...configMap.data, ...secret.stringData })).not.toThrow();
  });

  it('pin the image by digest in the kustomization', () => {
    const imageName = container.image.split(':')[0];
    expect(kustomization.images).toEqual([{ name: imageName, newName: expect.any(String), digest: expect.stringMatching(/^sha256:[0-9a-f]{64}$/) }]);
  });

  it('trust one proxy hop (the ingress controller) for client addresses, not every private range', () => {
    expect(configMap.data.TRUST_PROXY).toMatch(/^\d$/);
  });

  it('let in only the ingress controller and Prometheus, and out only PostgreSQL, Redis, DNS and HTTPS', () => {
    expect(networkPolicy.spec.podSelector).toEqual({ matchLabels: deployment.spec.template.metadata.labels });
    expect(networkPolicy.spec.policyTypes.sort()).toEqual(['Egress', 'Ingress']);
    const sources = networkPolicy.spec.ingress.map((rule: Manifest) => {
      expect(rule.ports).toEqual([{ port: 'http', protocol: 'TCP' }]);
      expect(rule.from).toHaveLength(1);
      expect(rule.from[0]).toEqual({ namespaceSelector: expect.any(Object), podSelector: expect.any(Object) });
      return rule.from[0].podSelector.matchLabels['app.kubernetes.io/name'];
    });
    expect(sources).toEqual(['ingress-nginx', 'prometheus']);
    const egressPorts = networkPolicy.spec.egress.flatMap((rule: Manifest) => rule.ports.map((port: Manifest) => `${port.port}/${port.protocol}`));
    expect(egressPorts.sort()).toEqual(['443/TCP', '53/TCP', '53/UDP', '5432/TCP', '6379/TCP']);
    const https = networkPolicy.spec.egress.find((rule: Manifest) => rule.ports[0].port === 443);
    expect(https.to[0].ipBlock.except).toEqual(expect.arrayContaining(['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16']));
  });
});
