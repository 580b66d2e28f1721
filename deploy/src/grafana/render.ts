/**
 * The typed dashboards as Grafana's dashboard JSON (schema 39). Everything
 * Grafana needs beyond what a panel means (ids, grid positions, the
 * datasource variable, links, defaults) is decided here.
 */
import type { DashboardSpec, Panel, Target, Threshold } from './model.js';

/** Grafana schema version the JSON follows. */
export const SCHEMA_VERSION = 39;

/** The datasource every panel and target uses: the dashboard's `datasource` variable. */
export const DATASOURCE = { type: 'prometheus', uid: '${datasource}' } as const;

const GRID_COLUMNS = 24;

type Json = string | number | boolean | null | readonly Json[] | { readonly [key: string]: Json };

/** The uid of a dashboard: `tributary-<name>`, stable so links and bookmarks survive regeneration. */
export function dashboardUid(name: string): string {
  return `tributary-${name}`;
}

/** The file a dashboard is written to, relative to `deploy/grafana/dashboards/`. */
export function dashboardFile(name: string): string {
  return `${dashboardUid(name)}.json`;
}

/**
 * `spec` as Grafana dashboard JSON. `all` are every dashboard of the set:
 * each one links to the others.
 */
export function renderDashboard(spec: DashboardSpec, all: readonly DashboardSpec[]): Json {
  const panels: Json[] = [];
  let id = 1;
  let y = 0;
  for (const row of spec.rows) {
    panels.push({ collapsed: false, gridPos: { h: 1, w: GRID_COLUMNS, x: 0, y }, id: id++, panels: [], title: row.title, type: 'row' });
    y += 1;
    // Panels flow left to right; a panel that does not fit starts a new line below the tallest of the current one.
    let x = 0;
    let lineHeight = 0;
    for (const panel of row.panels) {
      if (panel.width > GRID_COLUMNS) throw new RangeError(`panel "${panel.title}" is ${panel.width} columns wide (at most ${GRID_COLUMNS})`);
      if (x + panel.width > GRID_COLUMNS) {
        y += lineHeight;
        x = 0;
        lineHeight = 0;
      }
      panels.push(renderPanel(panel, id++, { h: panel.height, w: panel.width, x, y }));
      x += panel.width;
      lineHeight = Math.max(lineHeight, panel.height);
    }
    y += lineHeight;
  }
  return {
    annotations: {
      list: [
        {
          builtIn: 1,
          datasource: { type: 'grafana', uid: '-- Grafana --' },
          enable: true,
          hide: true,
          iconColor: 'rgba(0, 211, 255, 1)',
          name: 'Annotations & Alerts',
          type: 'dashboard',
        },
      ],
    },
    description: spec.description,
    editable: true,
    fiscalYearStartMonth: 0,
    graphTooltip: 1,
    id: null,
    links: all
      .filter((other) => other.name !== spec.name)
      .map((other) => ({
        asDropdown: false,
        icon: 'dashboard',
        includeVars: true,
        keepTime: true,
        tags: [],
        targetBlank: false,
        title: other.title,
        tooltip: other.description,
        type: 'link',
        url: `/d/${dashboardUid(other.name)}`,
      })),
    panels,
    refresh: '10s',
    schemaVersion: SCHEMA_VERSION,
    tags: ['tributary'],
    templating: {
      list: [
        {
          current: {},
          hide: 0,
          includeAll: false,
          label: 'Data source',
          multi: false,
          name: 'datasource',
          options: [],
          query: 'prometheus',
          refresh: 1,
          regex: '',
          skipUrlSync: false,
          type: 'datasource',
        },
      ],
    },
    time: { from: 'now-30m', to: 'now' },
    timepicker: {},
    timezone: 'browser',
    title: spec.title,
    uid: dashboardUid(spec.name),
    version: 1,
    weekStart: '',
  };
}

function renderPanel(panel: Panel, id: number, gridPos: { h: number; w: number; x: number; y: number }): Json {
  const common = {
    datasource: DATASOURCE,
    ...(panel.description === undefined ? {} : { description: panel.description }),
    gridPos,
    id,
    targets: panel.targets.map(renderTarget),
    title: panel.title,
    type: panel.kind,
  };
  const defaults = {
    ...(panel.unit === undefined ? {} : { unit: panel.unit }),
    color: { mode: panel.kind === 'stat' || panel.kind === 'table' ? 'thresholds' : 'palette-classic' },
    thresholds: renderThresholds(panel.thresholds ?? []),
  };
  switch (panel.kind) {
    case 'timeseries':
      return {
        ...common,
        fieldConfig: {
          defaults: {
            ...defaults,
            ...(panel.min === undefined ? {} : { min: panel.min }),
            ...(panel.max === undefined ? {} : { max: panel.max }),
            custom: {
              drawStyle: 'line',
              fillOpacity: panel.stack === true ? 30 : 10,
              lineWidth: 1,
              showPoints: 'never',
              spanNulls: false,
              stacking: { group: 'A', mode: panel.stack === true ? 'normal' : 'none' },
              thresholdsStyle: { mode: panel.thresholds === undefined ? 'off' : 'dashed' },
            },
          },
          overrides: [],
        },
        options: {
          legend: { calcs: [], displayMode: 'list', placement: 'bottom', showLegend: true },
          tooltip: { mode: 'multi', sort: 'desc' },
        },
      };
    case 'stat':
      return {
        ...common,
        fieldConfig: { defaults, overrides: [] },
        options: {
          colorMode: 'value',
          graphMode: 'none',
          justifyMode: 'auto',
          orientation: 'auto',
          reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false },
          textMode: panel.textMode ?? 'auto',
        },
      };
    case 'heatmap':
      return {
        ...common,
        fieldConfig: { defaults: { custom: { hideFrom: { legend: false, tooltip: false, viz: false } } }, overrides: [] },
        options: {
          calculate: false,
          cellGap: 1,
          color: { exponent: 0.5, fill: 'dark-orange', mode: 'scheme', reverse: false, scale: 'exponential', scheme: 'Oranges', steps: 64 },
          legend: { show: true },
          rowsFrame: { layout: 'auto' },
          tooltip: { mode: 'single', yHistogram: false },
          yAxis: { axisPlacement: 'left', reverse: false, ...(panel.unit === undefined ? {} : { unit: panel.unit }) },
        },
      };
    case 'table':
      return {
        ...common,
        fieldConfig: { defaults, overrides: [] },
        options: { cellHeight: 'sm', showHeader: true },
        // Instant label tables: keep the fields asked for, in that order, under their headers; drop Time.
        transformations: [
          {
            id: 'organize',
            options: {
              excludeByName: {},
              includeByName: Object.fromEntries(panel.columns.map(([field]) => [field, true])),
              indexByName: Object.fromEntries(panel.columns.map(([field], i) => [field, i])),
              renameByName: Object.fromEntries(panel.columns.map(([field, header]) => [field, header])),
            },
          },
        ],
      };
  }
}

function renderTarget(target: Target, index: number): Json {
  return {
    datasource: DATASOURCE,
    editorMode: 'code',
    expr: target.expr,
    format: target.format ?? 'time_series',
    instant: target.instant === true,
    legendFormat: target.legend ?? '__auto',
    range: target.instant !== true,
    refId: String.fromCharCode(65 + index),
  };
}

function renderThresholds(steps: readonly Threshold[]): Json {
  return { mode: 'absolute', steps: [{ color: 'green', value: null }, ...steps.map((s) => ({ color: s.color, value: s.value }))] };
}

/**
 * JSON text with keys sorted at every level, 2-space indented, with a
 * trailing newline: regenerating gives the same bytes, and diffs stay small.
 */
export function stableJson(value: unknown): string {
  return `${JSON.stringify(sortKeys(value), null, 2)}\n`;
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}
