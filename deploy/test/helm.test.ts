import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { helmBinary, REPO_ROOT } from '@tributary/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { setupEnv } from '../../e2e/src/cli/config.js';
import { aggregateEnv } from '../../services/aggregate/src/config.js';
import { enrichEnv } from '../../services/enrich/src/config.js';
import { ingestEnv } from '../../services/ingest/src/config.js';
import { lagExporterEnv } from '../../services/lag-exporter/src/config.js';
import { scoreEnv } from '../../services/score/src/config.js';
import { sinkEnv } from '../../services/sink/src/config.js';
import {
  envValue,
  HelmError,
  helmLint,
  helmPackage,
  helmTemplate,
  podSpecOf,
  settingEnvNames,
  validateObject,
  validateObjects,
  type ContainerView,
  type KubeObject,
} from '../src/helm/index.js';

const CHART = path.join(REPO_ROOT, 'helm/tributary');
const ALL_ON = path.join(CHART, 'ci/all-on-values.yaml');
const RULES_SOURCE = path.join(REPO_ROOT, 'deploy/prometheus/rules/tributary.rules.yml');
const DASHBOARDS_SOURCE = path.join(REPO_ROOT, 'deploy/grafana/dashboards');

/** Each program's config spec: the only env names it reads (unknown ones are silently ignored, hence this check). */
const SPECS: Readonly<Record<string, object>> = {
  ingest: ingestEnv,
  enrich: enrichEnv,
  aggregate: aggregateEnv,
  score: scoreEnv,
  sink: sinkEnv,
  'lag-exporter': lagExporterEnv,
  setup: setupEnv,
};
const OPERATORS = ['ingest', 'enrich', 'aggregate', 'score', 'sink', 'lag-exporter'];
const defaultValues = parse(readFileSync(path.join(CHART, 'values.yaml'), 'utf8')) as Record<string, Record<string, unknown>>;

function byKind(objects: readonly KubeObject[], kind: string): KubeObject[] {
  return objects.filter((o) => o.kind === kind);
}

/** The operator Deployment (or setup Job) of a program and its single container. */
function workload(objects: readonly KubeObject[], program: string): { object: KubeObject; container: ContainerView; grace: number | undefined } {
  const matches = objects.filter((o) => podSpecOf(o)?.containers[0]?.args?.[0] === program);
  expect(matches, `exactly one workload runs ${program}`).toHaveLength(1);
  const object = matches[0]!;
  const spec = podSpecOf(object)!;
  expect(spec.containers).toHaveLength(1);
  return { object, container: spec.containers[0]!, grace: spec.terminationGracePeriodSeconds };
}

/** Env names a workload renders that its program's config spec does not have. */
function unknownEnvNames(objects: readonly KubeObject[], program: string): string[] {
  const known = new Set(Object.keys(SPECS[program]!));
  return settingEnvNames(workload(objects, program).container).filter((name) => !known.has(name));
}

function sourceDashboards(): string[] {
  return existsSync(DASHBOARDS_SOURCE) ? readdirSync(DASHBOARDS_SOURCE).filter((f) => f.endsWith('.json')).sort() : [];
}

function sourceRuleGroups(): unknown[] {
  if (!existsSync(RULES_SOURCE)) return [];
  const parsed = parse(readFileSync(RULES_SOURCE, 'utf8')) as { groups?: unknown[] } | null;
  return parsed?.groups ?? [];
}

describe('helm chart helm/tributary', { timeout: 120_000 }, () => {
  let defaults: KubeObject[];
  let allOn: KubeObject[];

  beforeAll(async () => {
    [defaults, allOn] = await Promise.all([helmTemplate(CHART), helmTemplate(CHART, { valuesFiles: [ALL_ON] })]);
  }, 120_000);

  it('uses the helm v4 binary extracted from the npm package, the same path on every call', async () => {
    const helm = await helmBinary();
    expect(helm).toMatch(/tools\/helm-[\d.]+\/helm$/);
    expect(await helmBinary()).toBe(helm);
    const { stdout } = await promisify(execFile)(helm, ['version', '--short']);
    expect(stdout).toMatch(/^v4\./);
  });

  it('passes helm lint --strict with the default values', async () => {
    expect(await helmLint(CHART, { strict: true })).toMatch(/1 chart\(s\) linted, 0 chart\(s\) failed/);
  });

  it('passes helm lint --strict with every optional feature on (ci/all-on-values.yaml)', async () => {
    expect(await helmLint(CHART, { strict: true, valuesFiles: [ALL_ON] })).toMatch(/0 chart\(s\) failed/);
  });

  it.each([
    ['default values', () => defaults],
    ['all-on values', () => allOn],
  ])('renders only objects valid for the Kubernetes API schemas (%s)', (_name, objects) => {
    expect(objects().length).toBeGreaterThan(0);
    expect(validateObjects(objects())).toEqual([]);
  });

  it('the validator fails an object of unknown kind and an object that breaks its schema', () => {
    expect(validateObject({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } })?.message).toMatch(/no schema for apiVersion example.com\/v1 kind Widget/);
    const deployment = workload(defaults, 'enrich').object;
    const spec = deployment['spec'] as { replicas: unknown };
    expect(validateObject({ ...deployment, spec: { ...spec, replicas: 'two' } })?.message).toMatch(/replicas must be integer/);
  });

  it('fails helm template with the schema error on a values typo', async () => {
    const failure = await helmTemplate(CHART, { set: { 'ingest.replicaz': '2' } }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(HelmError);
    expect((failure as HelmError).stderr).toMatch(/ingest.*additional properties 'replicaz' not allowed/s);
  });

  it('runs each operator in its own Deployment with a Service on port 8080 named http', () => {
    expect(byKind(defaults, 'Deployment')).toHaveLength(OPERATORS.length);
    for (const program of OPERATORS) {
      const { object, container } = workload(defaults, program);
      expect(container.ports).toEqual([{ name: 'http', containerPort: 8080, protocol: 'TCP' }]);
      const selector = (object['spec'] as { selector: { matchLabels: Record<string, string> } }).selector.matchLabels;
      const services = byKind(defaults, 'Service').filter((s) => JSON.stringify((s['spec'] as { selector: unknown }).selector) === JSON.stringify(selector));
      expect(services, `${program}'s Service`).toHaveLength(1);
      expect((services[0]!['spec'] as { ports: unknown }).ports).toEqual([{ name: 'http', port: 8080, targetPort: 'http', protocol: 'TCP' }]);
    }
  });

  it('probes /healthz (startup, liveness) and /readyz (readiness) on the http port', () => {
    for (const program of OPERATORS) {
      const { container } = workload(allOn, program);
      expect(container.startupProbe?.httpGet, program).toEqual({ path: '/healthz', port: 'http' });
      expect(container.livenessProbe?.httpGet, program).toEqual({ path: '/healthz', port: 'http' });
      expect(container.readinessProbe?.httpGet, program).toEqual({ path: '/readyz', port: 'http' });
    }
  });

  it('gives every pod a termination grace period longer than its operator shutdown timeout', async () => {
    const longer = await helmTemplate(CHART, { set: { 'score.shutdownTimeoutSeconds': '120' } });
    for (const objects of [defaults, longer]) {
      for (const program of OPERATORS) {
        const { container, grace } = workload(objects, program);
        const shutdownMs = Number(envValue(container, 'SHUTDOWN_TIMEOUT_MS'));
        expect(shutdownMs, program).toBeGreaterThan(0);
        expect(grace! * 1000, program).toBeGreaterThan(shutdownMs);
      }
    }
    expect(envValue(workload(longer, 'score').container, 'SHUTDOWN_TIMEOUT_MS')).toBe('120000');
  });

  it('has one PodDisruptionBudget per operator (maxUnavailable 1) selecting exactly its pods', () => {
    const pdbs = byKind(defaults, 'PodDisruptionBudget');
    expect(pdbs).toHaveLength(OPERATORS.length);
    for (const program of OPERATORS) {
      const selector = (workload(defaults, program).object['spec'] as { selector: unknown }).selector;
      const own = pdbs.filter((p) => JSON.stringify((p['spec'] as { selector: unknown }).selector) === JSON.stringify(selector));
      expect(own, program).toHaveLength(1);
      expect((own[0]!['spec'] as { maxUnavailable: unknown }).maxUnavailable).toBe(1);
    }
  });

  it('spreads each operator over nodes with preferred pod anti-affinity by default', () => {
    for (const program of OPERATORS) {
      const affinity = podSpecOf(workload(defaults, program).object)?.affinity as { podAntiAffinity?: Record<string, unknown> } | undefined;
      expect(Object.keys(affinity?.podAntiAffinity ?? {}), program).toEqual(['preferredDuringSchedulingIgnoredDuringExecution']);
    }
  });

  it('runs as uid 10001, non-root, with a read-only root filesystem', () => {
    for (const program of [...OPERATORS, 'setup']) {
      const { object } = workload(defaults, program);
      const pod = (object['spec'] as { template: { spec: { securityContext: Record<string, unknown>; containers: { securityContext: Record<string, unknown> }[] } } }).template.spec;
      expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 10001 });
      expect(pod.containers[0]!.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
    }
  });

  it('advertises each pod by its IP (downward API) for interactive queries', () => {
    for (const program of OPERATORS) {
      const env = workload(defaults, program).container.env ?? [];
      const podIp = env.findIndex((v) => v.name === 'POD_IP');
      expect(env[podIp]?.valueFrom?.fieldRef?.fieldPath, program).toBe('status.podIP');
      // Kubernetes expands $(POD_IP) only from variables defined earlier in the list.
      expect(env.findIndex((v) => v.name === 'ADVERTISED_URL'), program).toBeGreaterThan(podIp);
      expect(envValue(workload(defaults, program).container, 'ADVERTISED_URL')).toBe('http://$(POD_IP):8080');
    }
  });

  it.each([
    ['default values', () => defaults],
    ['all-on values', () => allOn],
  ])('renders only env names the program reads (%s)', (_name, objects) => {
    for (const program of [...OPERATORS, 'setup']) expect(unknownEnvNames(objects(), program), program).toEqual([]);
  });

  it('the env-name check catches a misspelt name', async () => {
    const typo = await helmTemplate(CHART, { set: { 'enrich.env.INPUT_TOPICS': 'x' } });
    expect(unknownEnvNames(typo, 'enrich')).toEqual(['INPUT_TOPICS']);
  });

  it('sets topics and ids from each block, and extra env wins over the chart', async () => {
    const enrich = defaultValues['enrich'] as { applicationId: string; topics: Record<string, string> };
    const { container } = workload(defaults, 'enrich');
    expect(envValue(container, 'APPLICATION_ID')).toBe(enrich.applicationId);
    expect(envValue(container, 'INPUT_TOPIC')).toBe(enrich.topics['input']);
    expect(envValue(container, 'REFERENCE_TOPIC')).toBe(enrich.topics['reference']);
    expect(envValue(container, 'OUTPUT_TOPIC')).toBe(enrich.topics['output']);
    expect(envValue(workload(defaults, 'sink').container, 'SINK_TOPICS')).toBe((defaultValues['sink'] as { topics: string[] }).topics.join(','));
    expect(envValue(workload(defaults, 'sink').container, 'GROUP_ID')).toBe('coldchain-sink');

    const overridden = await helmTemplate(CHART, { set: { 'enrich.env.OUTPUT_TOPIC': 'elsewhere' } });
    const env = workload(overridden, 'enrich').container.env ?? [];
    expect(env.filter((v) => v.name === 'OUTPUT_TOPIC')).toEqual([{ name: 'OUTPUT_TOPIC', value: 'elsewhere' }]);
  });

  it('takes secrets from existing Secrets: the database URL, the SASL password, the registry credentials', () => {
    const sink = workload(allOn, 'sink').container;
    expect(sink.env?.find((v) => v.name === 'DATABASE_URL')?.valueFrom?.secretKeyRef).toEqual({ name: 'tributary-database', key: 'url' });
    for (const program of OPERATORS) {
      const { container } = workload(allOn, program);
      expect(container.env?.find((v) => v.name === 'KAFKA_SASL_PASSWORD')?.valueFrom?.secretKeyRef, program).toEqual({ name: 'kafka-sasl', key: 'password' });
      expect(envValue(container, 'KAFKA_SSL_CA_FILE'), program).toBe('/etc/tributary/kafka-tls/ca.crt');
      expect(container.env?.some((v) => v.value?.includes('password') === true), program).toBe(false);
    }
  });

  it('points every *_FILE variable into a volume the container mounts', () => {
    let files = 0;
    for (const program of [...OPERATORS, 'setup']) {
      const { object, container } = workload(allOn, program);
      const mounts = (podSpecOf(object)!.containers[0] as { volumeMounts?: { mountPath: string }[] }).volumeMounts ?? [];
      for (const v of container.env ?? []) {
        if (!v.name.endsWith('_FILE')) continue;
        files += 1;
        expect(mounts.some((m) => v.value?.startsWith(`${m.mountPath}/`) === true), `${program} ${v.name}=${v.value}`).toBe(true);
      }
    }
    // Kafka CA, cert, key on all seven; the database CA on the sink.
    expect(files).toBe(7 * 3 + 1);
    expect(envValue(workload(allOn, 'sink').container, 'DATABASE_SSL_CA_FILE')).toBe('/etc/tributary/database-tls/ca.crt');
  });

  it('runs setup as a pre-install and pre-upgrade hook Job with its partitions and replication factor', () => {
    const { object, container } = workload(defaults, 'setup');
    expect(object.kind).toBe('Job');
    expect(object.metadata.annotations?.['helm.sh/hook']?.split(',')).toEqual(expect.arrayContaining(['pre-install', 'pre-upgrade']));
    expect(container.args).toEqual(['setup']);
    expect(envValue(container, 'PARTITIONS')).toBe('4');
    expect(envValue(container, 'REPLICATION_FACTOR')).toBe('1');
    expect(envValue(workload(allOn, 'setup').container, 'PARTITIONS')).toBe('12');
  });

  it('adds HorizontalPodAutoscalers only when enabled, and then leaves replicas to them', () => {
    expect(byKind(defaults, 'HorizontalPodAutoscaler')).toEqual([]);
    const hpas = byKind(allOn, 'HorizontalPodAutoscaler');
    const autoscaled = OPERATORS.filter((p) => hpas.some((h) => (h['spec'] as { scaleTargetRef: { name: string } }).scaleTargetRef.name === workload(allOn, p).object.metadata.name));
    expect(hpas).toHaveLength(autoscaled.length);
    expect(autoscaled).toEqual(['ingest', 'enrich', 'aggregate', 'score', 'sink']);
    for (const program of autoscaled) expect((workload(allOn, program).object['spec'] as { replicas?: number }).replicas, program).toBeUndefined();
    expect((workload(defaults, 'enrich').object['spec'] as { replicas?: number }).replicas).toBe(2);
  });

  it('renders a ServiceMonitor only when enabled', () => {
    expect(byKind(defaults, 'ServiceMonitor')).toEqual([]);
    const [monitor, ...rest] = byKind(allOn, 'ServiceMonitor');
    expect(rest).toEqual([]);
    expect((monitor!['spec'] as { endpoints: unknown }).endpoints).toEqual([expect.objectContaining({ port: 'http', path: '/metrics' })]);
  });

  it('renders the repository rule file as a PrometheusRule only when enabled (nothing while the file is missing)', () => {
    expect(byKind(defaults, 'PrometheusRule')).toEqual([]);
    const groups = sourceRuleGroups();
    const rules = byKind(allOn, 'PrometheusRule');
    if (groups.length === 0) expect(rules).toEqual([]);
    else expect(rules.map((r) => (r['spec'] as { groups: unknown }).groups)).toEqual([groups]);
  });

  it('renders one labelled ConfigMap per repository dashboard only when enabled', () => {
    const isDashboard = (o: KubeObject) => o.kind === 'ConfigMap' && o.metadata.labels?.['grafana_dashboard'] === '1';
    expect(defaults.filter(isDashboard)).toEqual([]);
    const maps = allOn.filter(isDashboard);
    const files = sourceDashboards();
    expect(maps.flatMap((m) => Object.keys(m['data'] as object)).sort()).toEqual(files);
    for (const map of maps) {
      for (const [file, text] of Object.entries(map['data'] as Record<string, string>)) {
        expect(JSON.parse(text), file).toEqual(JSON.parse(readFileSync(path.join(DASHBOARDS_SOURCE, file), 'utf8')));
      }
    }
  });

  describe('PrometheusRule template, on a copy of the chart with a rule file of its own', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tributary-helm-rules-'));
    const chart = path.join(dir, 'tributary');
    const rules = path.join(chart, 'files/rules/tributary.rules.yml');
    beforeAll(() => {
      // dereference: the copy must not depend on where the chart's links point
      cpSync(CHART, chart, { recursive: true, dereference: true });
      rmSync(path.dirname(rules), { recursive: true, force: true });
      mkdirSync(path.dirname(rules), { recursive: true });
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('turns the rule file\'s groups into spec.groups', async () => {
      const groups = [{ name: 'tributary', rules: [{ alert: 'TributaryDown', expr: 'up{job="tributary"} == 0', for: '5m', labels: { severity: 'critical' } }] }];
      writeFileSync(rules, `# Prometheus rule-file format\n${stringify({ groups })}`);
      const objects = await helmTemplate(chart, { set: { 'metrics.prometheusRule.enabled': 'true' } });
      const rendered = byKind(objects, 'PrometheusRule');
      expect(validateObjects(rendered)).toEqual([]);
      expect(rendered.map((r) => (r['spec'] as { groups: unknown }).groups)).toEqual([groups]);
    });

    it('renders nothing (and does not fail) for an empty rule file', async () => {
      writeFileSync(rules, '');
      const objects = await helmTemplate(chart, { set: { 'metrics.prometheusRule.enabled': 'true' } });
      expect(byKind(objects, 'PrometheusRule')).toEqual([]);
    });
  });

  describe('packaged', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tributary-helm-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('the .tgz carries the dashboards and rules the chart links to', async () => {
      const tgz = await helmPackage(CHART, dir);
      const objects = await helmTemplate(tgz, { valuesFiles: [ALL_ON] });
      expect(validateObjects(objects)).toEqual([]);
      const dashboards = objects.filter((o) => o.kind === 'ConfigMap' && o.metadata.labels?.['grafana_dashboard'] === '1');
      expect(dashboards).toHaveLength(sourceDashboards().length);
      expect(byKind(objects, 'PrometheusRule')).toHaveLength(sourceRuleGroups().length > 0 ? 1 : 0);
    });
  });
});
