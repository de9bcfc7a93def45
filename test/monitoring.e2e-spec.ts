import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { startTestApp, type TestApp } from './support/test-app';

/** deploy/grafana and deploy/k8s/monitoring read over a running app's GET /metrics (README "Dashboards and alerts"). */
const DEPLOY = join(__dirname, '../deploy');

interface GrafanaPanel {
  title: string;
  targets?: { expr: string }[];
}

const dashboard = JSON.parse(readFileSync(join(DEPLOY, 'grafana/meterbridge.json'), 'utf8')) as { panels: GrafanaPanel[] };
const rule = parse(readFileSync(join(DEPLOY, 'k8s/monitoring/prometheus-rule.yaml'), 'utf8')) as {
  kind: string;
  spec: { groups: { rules: { alert: string; expr: string; labels: { severity: string } }[] }[] };
};
const alerts = rule.spec.groups.flatMap((group) => group.rules);

const expressions = [...dashboard.panels.flatMap((panel) => (panel.targets ?? []).map((target) => ({ where: `panel "${panel.title}"`, expr: target.expr }))), ...alerts.map((alert) => ({ where: `alert ${alert.alert}`, expr: alert.expr }))];

/** The metric a series name belongs to: a histogram's _bucket, _count and _sum are its own. */
function metricsOf(expr: string): string[] {
  return [...expr.matchAll(/\bmeterbridge_[a-z_]+\b/g)].map(([name]) => name.replace(/_(bucket|count|sum)$/, ''));
}

/** Every metric the scrape declares (`# TYPE name kind`), samples or not: a labelled counter nothing incremented has none yet. */
const declaredMetrics = (scrape: string) => new Set([...scrape.matchAll(/^# TYPE (\S+) /gm)].map(([, name]) => name));

const sample = (scrape: string, name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(scrape)?.[1]);

describe('dashboards and alerts over GET /metrics (e2e)', () => {
  let testApp: TestApp;

  beforeAll(async () => {
    testApp = await startTestApp();
  });
  afterAll(() => testApp.close());

  it('use only metrics the service exposes', async () => {
    const declared = declaredMetrics((await testApp.anonymous.get('/metrics').expect(200)).text);
    const missing = expressions.flatMap(({ where, expr }) => metricsOf(expr).filter((name) => !declared.has(name)).map((name) => `${where}: ${name}`));
    expect(expressions.length).toBeGreaterThan(20);
    expect(missing).toEqual([]);
  });

  it('alert on the backlog at 6 h and 18 h, held invoices, drifts, failed reports, dead notifications and the Redis fallback', () => {
    expect(rule.kind).toBe('PrometheusRule');
    const byName = Object.fromEntries(alerts.map((alert) => [alert.alert, alert]));
    expect(byName.MeterbridgeReportBacklogOld).toMatchObject({ expr: expect.stringContaining('> 6 * 3600'), labels: { severity: 'warning' } });
    expect(byName.MeterbridgeReportBacklogCritical).toMatchObject({ expr: expect.stringContaining('> 18 * 3600'), labels: { severity: 'critical' } });
    const watched = alerts.flatMap((alert) => metricsOf(alert.expr));
    for (const metric of ['meterbridge_invoices_held', 'meterbridge_reconciliation_drifts', 'meterbridge_reports_total', 'meterbridge_notification_deliveries_total', 'meterbridge_rate_limit_store_degraded']) {
      expect(watched).toContain(metric);
    }
  });

  it('read held invoices and the latest run’s drifts from the database at each scrape', async () => {
    await testApp.sql(
      `INSERT INTO invoice_verifications (stripe_invoice_id, stripe_subscription_id, state, period_start, period_end)
       VALUES ('in_held_1', 'sub_1', 'held', now(), now()), ('in_held_2', 'sub_1', 'held', now(), now()), ('in_ok', 'sub_1', 'matched', now(), now())`,
    );
    await testApp.sql(
      `INSERT INTO reconciliation_runs (trigger, range_from, range_to, started_at, finished_at, drift_count)
       VALUES ('cron', now(), now(), now(), now(), 5), ('api', now(), now(), now(), now(), 3), ('api', now(), now(), now(), NULL, 9)`,
    );
    const scrape = (await testApp.anonymous.get('/metrics').expect(200)).text;
    expect(sample(scrape, 'meterbridge_invoices_held')).toBe(2);
    expect(sample(scrape, 'meterbridge_reconciliation_drifts')).toBe(3);
  });
});
