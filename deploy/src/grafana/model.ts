/**
 * A small typed description of the dashboards: what each panel shows, not how
 * Grafana stores it. `render.ts` turns it into Grafana's JSON, so layout,
 * ids, datasource and defaults are decided in one place.
 */

/** One PromQL query of a panel. `legend` is Grafana's legend format (`{{label}}`). */
export interface Target {
  readonly expr: string;
  readonly legend?: string;
  /** Evaluate once at the end of the range (stat and table panels). */
  readonly instant?: boolean;
  /** `heatmap` for histogram buckets, `table` for label tables; time series otherwise. */
  readonly format?: 'time_series' | 'table' | 'heatmap';
}

/** A horizontal line (or colour step) at `value`. */
export interface Threshold {
  readonly value: number;
  readonly color: string;
}

interface PanelBase {
  readonly title: string;
  readonly description?: string;
  readonly targets: readonly Target[];
  /** Grid columns out of 24. */
  readonly width: number;
  /** Grid rows (30 px each). */
  readonly height: number;
  /** Grafana unit id, e.g. `reqps`, `s`, `short`, `percentunit`. */
  readonly unit?: string;
  readonly thresholds?: readonly Threshold[];
}

export interface TimeseriesPanel extends PanelBase {
  readonly kind: 'timeseries';
  readonly stack?: boolean;
  readonly min?: number;
  readonly max?: number;
}

export interface StatPanel extends PanelBase {
  readonly kind: 'stat';
  /** `name` shows the legend instead of the value (e.g. the current state). */
  readonly textMode?: 'auto' | 'value' | 'name' | 'value_and_name';
}

export interface HeatmapPanel extends PanelBase {
  readonly kind: 'heatmap';
}

export interface TablePanel extends PanelBase {
  readonly kind: 'table';
  /** Columns to keep, in order, as [field, header] (`Value` is the sample); the rest (Time) is hidden. */
  readonly columns: readonly (readonly [field: string, header: string])[];
}

export type Panel = TimeseriesPanel | StatPanel | HeatmapPanel | TablePanel;

/** A titled row; its panels flow left to right and wrap at 24 columns. */
export interface Row {
  readonly title: string;
  readonly panels: readonly Panel[];
}

/** One dashboard: written to `tributary-<name>.json` with uid `tributary-<name>`. */
export interface DashboardSpec {
  readonly name: string;
  readonly title: string;
  readonly description: string;
  readonly rows: readonly Row[];
}

type Options<P extends Panel> = Omit<P, 'kind' | 'title' | 'targets' | 'width' | 'height'> & { width?: number; height?: number };

/** A time series panel, 8 × 8 unless told. */
export function timeseries(title: string, targets: readonly Target[], options: Options<TimeseriesPanel> = {}): TimeseriesPanel {
  return { kind: 'timeseries', title, targets, width: 8, height: 8, ...options };
}

/** A single-value panel, 4 × 4 unless told; its targets are evaluated instantly. */
export function stat(title: string, targets: readonly Target[], options: Options<StatPanel> = {}): StatPanel {
  return { kind: 'stat', title, targets: targets.map((t) => ({ instant: true, ...t })), width: 4, height: 4, ...options };
}

/** A heatmap of histogram buckets (`sum by (le) (rate(x_bucket…))`), 12 × 8 unless told. */
export function heatmap(title: string, expr: string, options: Options<HeatmapPanel> = {}): HeatmapPanel {
  return { kind: 'heatmap', title, targets: [{ expr, legend: '{{le}}', format: 'heatmap' }], width: 12, height: 8, ...options };
}

/** A table of the label sets `expr` returns now, 12 × 6 unless told. */
export function table(title: string, expr: string, options: Options<TablePanel>): TablePanel {
  return { kind: 'table', title, targets: [{ expr, instant: true, format: 'table' }], width: 12, height: 6, ...options };
}

/** A target with its legend. */
export function q(expr: string, legend?: string): Target {
  return legend === undefined ? { expr } : { expr, legend };
}
