/**
 * The Grafana dashboards: their typed definitions, the JSON they render to,
 * and the queries of the committed files.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { dashboardSpecs } from './dashboards/index.js';
import { dashboardFile, renderDashboard, stableJson } from './render.js';

export type { DashboardSpec, Panel, Row, Target, Threshold } from './model.js';
export { dashboardSpecs } from './dashboards/index.js';
export { DATASOURCE, SCHEMA_VERSION, dashboardFile, dashboardUid, renderDashboard, stableJson } from './render.js';

/**
 * Where the committed dashboards live: `deploy/grafana/dashboards/`. Resolved
 * from this module, which sits two levels below `deploy/` both as source
 * (`src/grafana/`) and built (`dist/grafana/`).
 */
export const DASHBOARDS_DIR = fileURLToPath(new URL('../../grafana/dashboards/', import.meta.url));

/** Every dashboard's file name and JSON text, as `build.ts` writes them. */
export function renderedDashboards(): { file: string; json: string }[] {
  const specs = dashboardSpecs();
  return specs.map((spec) => ({ file: dashboardFile(spec.name), json: stableJson(renderDashboard(spec, specs)) }));
}

/** One PromQL query of a committed dashboard. */
export interface DashboardQuery {
  /** The dashboard's uid, e.g. `tributary-pipeline`. */
  readonly dashboard: string;
  /** The panel's title. */
  readonly panel: string;
  /** The query as written, `$__rate_interval` included. */
  readonly expr: string;
}

interface PanelJson {
  readonly title?: string;
  readonly targets?: readonly { readonly expr?: string }[];
  readonly panels?: readonly PanelJson[];
}

/**
 * Every query of the dashboards committed in `dir` (default
 * `deploy/grafana/dashboards/`), read from the JSON files rather than the
 * generator: what Grafana will actually run. Files in name order, panels in
 * file order.
 */
export function dashboardQueries(dir: string = DASHBOARDS_DIR): DashboardQuery[] {
  const queries: DashboardQuery[] = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.json')).sort()) {
    const dashboard = JSON.parse(readFileSync(join(dir, file), 'utf8')) as { uid: string; panels?: readonly PanelJson[] };
    // Collapsed rows keep their panels inside the row: walk both levels.
    const walk = (panels: readonly PanelJson[]): void => {
      for (const panel of panels) {
        for (const target of panel.targets ?? []) {
          if (target.expr !== undefined) queries.push({ dashboard: dashboard.uid, panel: panel.title ?? '', expr: target.expr });
        }
        walk(panel.panels ?? []);
      }
    };
    walk(dashboard.panels ?? []);
  }
  return queries;
}
