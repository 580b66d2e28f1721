import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DASHBOARDS_DIR, dashboardQueries, dashboardSpecs, dashboardUid, renderedDashboards } from '../src/grafana/index.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const NAMES = ['pipeline', 'ingest', 'enrich', 'aggregate', 'score', 'sink'];
const DATASOURCE = { type: 'prometheus', uid: '${datasource}' };

interface GridPos {
  h: number;
  w: number;
  x: number;
  y: number;
}
interface PanelJson {
  id: number;
  type: string;
  title: string;
  gridPos: GridPos;
  datasource?: unknown;
  targets?: { expr?: string; datasource?: unknown; refId?: string }[];
}
interface DashboardJson {
  uid: string;
  title: string;
  schemaVersion: number;
  tags: string[];
  refresh: string;
  time: { from: string; to: string };
  templating: { list: { name: string; type: string; query: string }[] };
  links: { url?: string }[];
  panels: PanelJson[];
}

function committed(): { file: string; dashboard: DashboardJson }[] {
  return readdirSync(DASHBOARDS_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => ({ file, dashboard: JSON.parse(readFileSync(join(DASHBOARDS_DIR, file), 'utf8')) as DashboardJson }));
}

/** Every `.ts` file under `dir`, recursively. */
function sources(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts')).map((f) => join(dir, f));
}

/**
 * The metrics the code defines (`new Counter|Gauge|Histogram({ name:
 * 'tributary_…', labelNames: […] })` in libs/service/src and services/*\/src)
 * with their labels: every series name a query may read (a histogram's
 * `_bucket`, `_sum`, `_count` instead of its bare name) mapped to the labels
 * it carries (`service` on all, set by runService; `le` on buckets).
 */
function definedMetrics(files: readonly string[]): Map<string, Set<string>> {
  const series = new Map<string, Set<string>>();
  const definition = /new\s+(Counter|Gauge|Histogram|Summary)\s*(?:<[^>]*>)?\s*\(\s*\{\s*name:\s*'(tributary_[a-z0-9_]+)'/g;
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(definition)) {
      const [, kind, name] = match;
      // The options object runs to the next definition; its labelNames, if any, are the metric's labels.
      const next = text.indexOf('new ', match.index + match[0].length);
      const options = text.slice(match.index, next < 0 ? undefined : next);
      const declared = /labelNames:\s*\[([^\]]*)\]/.exec(options)?.[1] ?? '';
      const labels = ['service', ...[...declared.matchAll(/'([a-z_]+)'/g)].map((l) => l[1]!)];
      const suffixes = kind === 'Histogram' ? ['_bucket', '_sum', '_count'] : kind === 'Summary' ? ['', '_sum', '_count'] : [''];
      for (const suffix of suffixes) series.set(`${name}${suffix}`, new Set(suffix === '_bucket' ? [...labels, 'le'] : labels));
    }
  }
  return series;
}

/**
 * Labels an expression names (matchers and `by (…)` clauses) that none of
 * the metrics it reads carries: a typo there gives an empty panel, not an error.
 */
function unknownLabels(expr: string, defined: Map<string, Set<string>>): string[] {
  const code = expr.replace(/"(?:[^"\\]|\\.)*"/g, '""');
  const known = new Set(usedMetrics(expr).flatMap((m) => [...(defined.get(m) ?? [])]));
  const named = [
    ...[...code.matchAll(/\bby\s*\(([^)]*)\)/g)].flatMap((m) => m[1]!.split(',').map((l) => l.trim())),
    ...[...code.matchAll(/\{([^}]*)\}/g)].flatMap((m) => [...m[1]!.matchAll(/([a-zA-Z_]\w*)\s*(?:=|!=|=~|!~)/g)].map((l) => l[1]!)),
  ];
  return [...new Set(named.filter((l) => l !== '' && !known.has(l)))];
}

function serviceSources(): string[] {
  const services = join(REPO, 'services');
  return [
    ...sources(join(REPO, 'libs/service/src')),
    ...readdirSync(services).flatMap((s) => {
      try {
        return sources(join(services, s, 'src'));
      } catch {
        return [];
      }
    }),
  ];
}

/** The `tributary_*` metric names an expression reads (label values in quotes ignored). */
function usedMetrics(expr: string): string[] {
  return [...expr.replace(/"(?:[^"\\]|\\.)*"/g, '""').matchAll(/\btributary_[a-z0-9_]+/g)].map((m) => m[0]);
}

/** What is wrong with an expression as PromQL-ish text: unbalanced brackets, Grafana variables other than `$__rate_interval`, job/instance. */
function exprProblems(expr: string): string[] {
  const problems: string[] = [];
  const code = expr.replace(/"(?:[^"\\]|\\.)*"/g, '""');
  const open: string[] = [];
  const pairs: Record<string, string> = { ')': '(', ']': '[', '}': '{' };
  for (const c of code) {
    if (c === '(' || c === '[' || c === '{') open.push(c);
    else if (c in pairs && open.pop() !== pairs[c]) problems.push(`unbalanced ${c}`);
  }
  if (open.length > 0) problems.push(`unclosed ${open.join('')}`);
  const variables = [...expr.matchAll(/\$\{?\w*/g)].map((m) => m[0]).filter((v) => v !== '$__rate_interval');
  if (variables.length > 0) problems.push(`variables ${variables.join(', ')}`);
  if (/\b(job|instance)\s*(=|!=|=~|!~)/.test(code)) problems.push('matches on job/instance');
  if (/^\s*$/.test(expr)) problems.push('empty');
  return problems;
}

function overlaps(a: GridPos, b: GridPos): boolean {
  return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
}

describe('Grafana dashboards', () => {
  it('the committed JSON is exactly what the generator writes (regenerate with deploy/src/grafana/build.ts, never hand-edit)', () => {
    const rendered = renderedDashboards();
    expect(committed().map((c) => c.file)).toEqual(rendered.map((r) => r.file).sort());
    for (const { file, json } of rendered) expect(readFileSync(join(DASHBOARDS_DIR, file), 'utf8'), file).toBe(json);
  });

  it('rendering is deterministic: 2-space JSON, sorted keys, trailing newline', () => {
    const [first, second] = [renderedDashboards(), renderedDashboards()];
    expect(second).toEqual(first);
    for (const { json } of first) {
      expect(json.endsWith('}\n')).toBe(true);
      expect(json).toBe(`${JSON.stringify(JSON.parse(json), null, 2)}\n`);
      expect(json.split('\n')[1]).toMatch(/^ {2}"annotations": /);
    }
  });

  it('has one dashboard per name with uid tributary-<name>', () => {
    expect(dashboardSpecs().map((s) => s.name)).toEqual(NAMES);
    expect(committed().map((c) => c.dashboard.uid).sort()).toEqual(NAMES.map((n) => `tributary-${n}`).sort());
    for (const { file, dashboard } of committed()) expect(file).toBe(`${dashboard.uid}.json`);
  });

  it.each(NAMES)('%s: Grafana basics (schema, tags, datasource variable, time, refresh, links to the others)', (name) => {
    const dashboard = committed().find((c) => c.dashboard.uid === dashboardUid(name))!.dashboard;
    expect(dashboard.title).toMatch(/^Tributary \/ /);
    expect(dashboard.schemaVersion).toBe(39);
    expect(dashboard.tags).toEqual(['tributary']);
    expect(dashboard.refresh).toBe('10s');
    expect(dashboard.time).toEqual({ from: 'now-30m', to: 'now' });
    expect(dashboard.templating.list).toEqual([expect.objectContaining({ name: 'datasource', type: 'datasource', query: 'prometheus' })]);
    expect(dashboard.links.map((l) => l.url).sort()).toEqual(NAMES.filter((n) => n !== name).map((n) => `/d/tributary-${n}`).sort());
  });

  it.each(NAMES)('%s: every panel has a unique id, a title, the ${datasource} datasource and queries', (name) => {
    const { panels } = committed().find((c) => c.dashboard.uid === dashboardUid(name))!.dashboard;
    const ids = panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    const visual = panels.filter((p) => p.type !== 'row');
    expect(visual.length).toBeGreaterThan(5);
    for (const panel of visual) {
      expect(['timeseries', 'stat', 'heatmap', 'table']).toContain(panel.type);
      expect(panel.title.trim(), `panel ${panel.id}`).not.toBe('');
      expect(panel.datasource, panel.title).toEqual(DATASOURCE);
      expect(panel.targets?.length ?? 0, panel.title).toBeGreaterThan(0);
      for (const target of panel.targets ?? []) {
        expect(target.expr?.trim() ?? '', panel.title).not.toBe('');
        expect(target.datasource, panel.title).toEqual(DATASOURCE);
      }
      expect(new Set(panel.targets?.map((t) => t.refId)).size, panel.title).toBe(panel.targets?.length);
    }
  });

  it.each(NAMES)('%s: panels sit inside the 24-column grid, none overlapping another or a row header', (name) => {
    const { panels } = committed().find((c) => c.dashboard.uid === dashboardUid(name))!.dashboard;
    for (const { gridPos, title } of panels) {
      expect(gridPos.x >= 0 && gridPos.w > 0 && gridPos.h > 0 && gridPos.x + gridPos.w <= 24, title).toBe(true);
    }
    for (const [i, a] of panels.entries()) {
      for (const b of panels.slice(i + 1)) expect(overlaps(a.gridPos, b.gridPos), `${a.title} / ${b.title}`).toBe(false);
    }
  });

  it('every query is PromQL-ish: balanced brackets, only $__rate_interval, no job/instance matchers', () => {
    const queries = dashboardQueries();
    expect(queries.length).toBeGreaterThan(100);
    for (const { dashboard, panel, expr } of queries) expect(exprProblems(expr), `${dashboard} / ${panel}: ${expr}`).toEqual([]);
  });

  it('the expression check rejects what it is meant to reject', () => {
    expect(exprProblems('sum(rate(tributary_commits_total[$__rate_interval]))')).toEqual([]);
    expect(exprProblems('sum(rate(tributary_commits_total{service="a(b"}[$__rate_interval]))')).toEqual([]);
    expect(exprProblems('sum(rate(tributary_commits_total[$__rate_interval])')).toEqual(['unclosed (']);
    expect(exprProblems('sum(rate(tributary_commits_total[5m)))')).not.toEqual([]);
    expect(exprProblems('rate(tributary_commits_total[$__interval])')).toEqual(['variables $__interval']);
    expect(exprProblems('rate(tributary_commits_total{service="${service}"}[5m])')).toEqual(['variables ${service']);
    expect(exprProblems('tributary_tasks{job="score"}')).toEqual(['matches on job/instance']);
  });

  it('every metric a query reads is defined in libs/service/src or services/*/src', () => {
    const defined = definedMetrics(serviceSources());
    const unknown = dashboardQueries().flatMap(({ dashboard, panel, expr }) => usedMetrics(expr).filter((m) => !defined.has(m)).map((m) => `${dashboard} / ${panel}: ${m}`));
    expect(unknown).toEqual([]);
  });

  it('every label a query matches or groups by is one its metrics carry', () => {
    const defined = definedMetrics(serviceSources());
    const unknown = dashboardQueries().flatMap(({ dashboard, panel, expr }) => unknownLabels(expr, defined).map((l) => `${dashboard} / ${panel}: ${l} in ${expr}`));
    expect(unknown).toEqual([]);
  });

  it('the label check catches a label the metric does not carry', () => {
    const defined = definedMetrics(serviceSources());
    expect(defined.get('tributary_aborts_total')).toEqual(new Set(['service', 'reason']));
    expect(defined.get('tributary_commit_seconds_bucket')).toEqual(new Set(['service', 'le']));
    expect(unknownLabels('sum by (reason) (rate(tributary_aborts_total{service="enrich"}[$__rate_interval]))', defined)).toEqual([]);
    expect(unknownLabels('sum by (topic) (rate(tributary_aborts_total{service="enrich"}[$__rate_interval]))', defined)).toEqual(['topic']);
    expect(unknownLabels('sum(rate(tributary_records_late_total{droped="true"}[$__rate_interval]))', defined)).toEqual(['droped']);
  });

  it('the metric-name check knows histogram series and catches a typo', () => {
    const defined = definedMetrics(serviceSources());
    expect(defined.has('tributary_commits_total')).toBe(true);
    expect(defined.has('tributary_commit_seconds_bucket')).toBe(true);
    expect(defined.has('tributary_commit_seconds')).toBe(false);
    expect(defined.has('tributary_commits_total_bucket')).toBe(false);
    expect(defined.has('tributary_group_lag')).toBe(true);
    expect(usedMetrics('sum by (le) (rate(tributary_records_consume_total{topic="tributary_x"}[$__rate_interval]))')).toEqual(['tributary_records_consume_total']);
    expect(defined.has('tributary_records_consume_total')).toBe(false);
  });

  it('dashboardQueries() reads the committed files: every target, with its dashboard and panel', () => {
    const queries = dashboardQueries();
    const targets = committed().flatMap(({ dashboard }) => dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => ({ dashboard: dashboard.uid, panel: p.title, expr: t.expr }))));
    expect(queries).toEqual(targets);
    expect(new Set(queries.map((q) => q.dashboard))).toEqual(new Set(NAMES.map(dashboardUid)));
  });
});
