/**
 * docker-compose.yml, checked without a Docker engine: Compose itself
 * validates and resolves the file (`docker-compose config`, Debian's 1.29,
 * installed by dockerComposeBinary() when missing), and the resolved model is
 * held against what the programs accept (their config specs), the image's
 * dispatcher, Prometheus' scrape config and Grafana's provisioning.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { readConfig, type ConfigSpec } from '@tributary/service';
import { APICURIO_LATEST, DEFAULT_KAFKA_VERSION, REPO_ROOT, dockerComposeBinary } from '@tributary/testing';
import { setupEnv, simulateEnv } from '../../e2e/src/cli/config.js';
import { aggregateEnv } from '../../services/aggregate/src/config.js';
import { enrichEnv } from '../../services/enrich/src/config.js';
import { ingestEnv } from '../../services/ingest/src/config.js';
import { lagExporterEnv } from '../../services/lag-exporter/src/config.js';
import { scoreEnv } from '../../services/score/src/config.js';
import { sinkEnv } from '../../services/sink/src/config.js';

const run = promisify(execFile);

const IMAGE = 'ghcr.io/tributary-streams/tributary:0.1.0';
/** The long-running HTTP programs of the image (each serves /healthz, /readyz, /metrics on 8080). */
const HTTP_PROGRAMS = ['ingest', 'enrich', 'aggregate', 'score', 'sink', 'lag-exporter'] as const;
/** What each program reads from its environment: the specs the programs themselves validate with. */
const SPECS: Record<string, ConfigSpec> = {
  ingest: ingestEnv,
  enrich: enrichEnv,
  aggregate: aggregateEnv,
  score: scoreEnv,
  sink: sinkEnv,
  'lag-exporter': lagExporterEnv,
  setup: setupEnv,
  simulate: simulateEnv,
};

interface Service {
  image?: string;
  build?: string | { context: string };
  command?: string[] | string;
  environment?: Record<string, string | number | null>;
  depends_on?: Record<string, { condition: string }> | string[];
  healthcheck?: { test?: string[] | string; disable?: boolean };
  ports?: (string | { host_ip?: string; published?: number | string; target: number })[];
  volumes?: (string | { type: string; source?: string; target: string; read_only?: boolean })[];
}
interface ComposeModel {
  services: Record<string, Service>;
}

/** A volume entry as host source → container target, for Compose 1.29's strings and v2's long syntax. */
function mounts(service: Service): { source: string; target: string; readOnly: boolean }[] {
  return (service.volumes ?? []).map((v) => {
    if (typeof v !== 'string') return { source: v.source ?? '', target: v.target, readOnly: v.read_only === true };
    const [source = '', target = '', mode = ''] = v.split(':');
    return { source, target, readOnly: mode.split(',').includes('ro') };
  });
}

/** The container path a host path of the repository is mounted at in `service`, if any. */
function mountedAt(service: Service, repoPath: string): string | undefined {
  return mounts(service).find((m) => m.source === path.join(REPO_ROOT, repoPath))?.target;
}

/** `disable: true`, which Compose 1.29 resolves to `test: ["NONE"]`. */
const disabled = (check: Service['healthcheck']): boolean => check?.disable === true || [check?.test ?? []].flat()[0] === 'NONE';

const yamlFile = <T>(repoPath: string): T => parse(readFileSync(path.join(REPO_ROOT, repoPath), 'utf8')) as T;

describe('docker-compose.yml', () => {
  let compose: string;
  let model: ComposeModel;
  const services = (): Record<string, Service> => model.services;

  beforeAll(async () => {
    compose = await dockerComposeBinary();
    // Compose resolves anchors, merge keys and relative paths: the assertions see what `up` would run.
    const { stdout } = await run(compose, ['-f', 'docker-compose.yml', 'config'], { cwd: REPO_ROOT, timeout: 60_000 });
    model = parse(stdout) as ComposeModel;
  }, 600_000);

  it('is valid for docker-compose (`config -q` exits 0)', async () => {
    await expect(run(compose, ['-f', 'docker-compose.yml', 'config', '-q'], { cwd: REPO_ROOT, timeout: 60_000 })).resolves.toBeDefined();
  });

  it('runs the Kafka and registry versions the test stack runs', () => {
    expect(services()['kafka']?.image).toBe(`apache/kafka:${DEFAULT_KAFKA_VERSION}`);
    expect(services()['registry']?.image).toBe(`apicurio/apicurio-registry:${APICURIO_LATEST}`);
    expect(services()['registry']?.environment?.['APICURIO_RULES_GLOBAL_COMPATIBILITY']).toBe('BACKWARD');
  });

  it('runs every program from the one image built from the Dockerfile, the command picking the program', () => {
    for (const name of [...HTTP_PROGRAMS, 'setup', 'simulate']) {
      const service = services()[name];
      expect(service, name).toBeDefined();
      expect(service?.image, name).toBe(IMAGE);
      const context = typeof service?.build === 'string' ? service.build : service?.build?.context;
      expect(context, name).toBe(REPO_ROOT);
      expect(service?.command, name).toEqual([name]);
    }
  });

  it('starts every operator and the lag exporter only after setup completed and Kafka and the registry are healthy', () => {
    for (const name of HTTP_PROGRAMS) {
      const dependsOn = services()[name]?.depends_on;
      expect(Array.isArray(dependsOn), `${name}: depends_on needs conditions`).toBe(false);
      const conditions = dependsOn as Record<string, { condition: string }>;
      expect(conditions['setup']?.condition, name).toBe('service_completed_successfully');
      expect(conditions['kafka']?.condition, name).toBe('service_healthy');
      expect(conditions['registry']?.condition, name).toBe('service_healthy');
    }
    const sink = services()['sink']?.depends_on as Record<string, { condition: string }>;
    expect(sink['postgres']?.condition).toBe('service_healthy');
    const setup = services()['setup']?.depends_on as Record<string, { condition: string }>;
    expect(setup['kafka']?.condition).toBe('service_healthy');
    expect(setup['registry']?.condition).toBe('service_healthy');
    const simulate = services()['simulate']?.depends_on as Record<string, { condition: string }>;
    expect(simulate['ingest']?.condition).toBe('service_healthy');
  });

  it('health-checks every HTTP program (its own check on port 8080, or the image HEALTHCHECK), and the dependencies it waits on', () => {
    const imageHasHealthcheck = /^HEALTHCHECK\s/m.test(readFileSync(path.join(REPO_ROOT, 'Dockerfile'), 'utf8'));
    for (const name of HTTP_PROGRAMS) {
      const check = services()[name]?.healthcheck;
      expect(disabled(check), name).toBe(false);
      if (check?.test === undefined) {
        expect(imageHasHealthcheck, `${name} inherits the image's HEALTHCHECK`).toBe(true);
      } else {
        expect([check.test].flat().join(' '), name).toMatch(/127\.0\.0\.1:8080\/(readyz|healthz)/);
      }
    }
    for (const name of ['kafka', 'registry', 'postgres']) expect(services()[name]?.healthcheck?.test, name).toBeDefined();
    // Without an HTTP server the image's check would mark them unhealthy.
    for (const name of ['setup', 'simulate']) expect(disabled(services()[name]?.healthcheck), name).toBe(true);
  });

  it('gives each program only environment variables its config spec knows, with values it accepts', () => {
    for (const [name, spec] of Object.entries(SPECS)) {
      const environment = services()[name]?.environment ?? {};
      const names = Object.keys(environment);
      expect(names.filter((n) => !(n in spec)), `${name}: variables its spec does not read`).toEqual([]);
      const values: NodeJS.ProcessEnv = { HTTP_HOST: '0.0.0.0', HTTP_PORT: '8080' }; // the image's ENV
      for (const [n, v] of Object.entries(environment)) if (v !== null) values[n] = String(v);
      expect(() => readConfig(spec, values), name).not.toThrow();
    }
    expect(services()['sink']?.environment?.['DATABASE_URL']).toMatch(/@postgres:5432\//);
    expect(services()['simulate']?.environment?.['INGEST_URL']).toBe('http://ingest:8080');
  });

  it('publishes ports on 127.0.0.1 only', () => {
    const published = Object.entries(services()).flatMap(([name, s]) => (s.ports ?? []).map((p) => ({ name, p })));
    expect(published.map(({ name }) => name).sort()).toEqual(expect.arrayContaining(['grafana', 'ingest', 'prometheus']));
    for (const { name, p } of published) {
      const hostIp = typeof p === 'string' ? p.split(':')[0] : p.host_ip;
      expect(hostIp, `${name}: ${JSON.stringify(p)}`).toBe('127.0.0.1');
    }
  });

  it('has Prometheus scrape every program on :8080/metrics and load the mounted rules file', () => {
    const prometheus = services()['prometheus'];
    expect(prometheus).toBeDefined();
    const configTarget = mountedAt(prometheus ?? {}, 'deploy/prometheus/prometheus.yml');
    expect(configTarget).toBe('/etc/prometheus/prometheus.yml');
    const config = yamlFile<{
      rule_files?: string[];
      scrape_configs: { metrics_path?: string; static_configs: { targets: string[] }[] }[];
    }>('deploy/prometheus/prometheus.yml');
    const targets = config.scrape_configs.flatMap((job) => (job.metrics_path ?? '/metrics') === '/metrics' ? job.static_configs.flatMap((c) => c.targets) : []);
    expect(targets.sort()).toEqual(HTTP_PROGRAMS.map((name) => `${name}:8080`).sort());
    for (const name of HTTP_PROGRAMS) expect(services()[name]?.environment?.['HTTP_PORT'], `${name} keeps the image's HTTP_PORT`).toBeUndefined();

    const rulesTarget = mountedAt(prometheus ?? {}, 'deploy/prometheus/rules');
    expect(rulesTarget).toBeDefined();
    expect(config.rule_files ?? []).toContain(`${rulesTarget}/tributary.rules.yml`);
    for (const file of config.rule_files ?? []) {
      expect(file.startsWith(`${rulesTarget}/`), file).toBe(true);
      expect(existsSync(path.join(REPO_ROOT, 'deploy/prometheus/rules', path.relative(rulesTarget ?? '', file))), `${file} on the host`).toBe(true);
    }
  });

  it('provisions Grafana with the compose Prometheus (uid prometheus) and the mounted dashboard folder', () => {
    const grafana = services()['grafana'];
    expect(grafana).toBeDefined();
    expect(mountedAt(grafana ?? {}, 'deploy/grafana/provisioning')).toBe('/etc/grafana/provisioning');
    const datasources = yamlFile<{ datasources: { uid: string; type: string; url: string }[] }>('deploy/grafana/provisioning/datasources/prometheus.yml');
    expect(datasources.datasources).toEqual([expect.objectContaining({ uid: 'prometheus', type: 'prometheus', url: 'http://prometheus:9090' })]);

    const dashboardsTarget = mountedAt(grafana ?? {}, 'deploy/grafana/dashboards');
    expect(dashboardsTarget).toBeDefined();
    expect(mounts(grafana ?? {}).find((m) => m.target === dashboardsTarget)?.readOnly).toBe(true);
    const providers = yamlFile<{ providers: { type: string; options: { path: string } }[] }>('deploy/grafana/provisioning/dashboards/tributary.yml');
    expect(providers.providers.map((p) => [p.type, p.options.path])).toEqual([['file', dashboardsTarget]]);

    const home = String(grafana?.environment?.['GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH'] ?? '');
    expect(path.dirname(home)).toBe(dashboardsTarget);
    expect(existsSync(path.join(REPO_ROOT, 'deploy/grafana/dashboards', path.basename(home))), `${home} on the host`).toBe(true);
  });
});
