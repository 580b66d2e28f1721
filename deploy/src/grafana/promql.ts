/**
 * PromQL shorthands the dashboards share, so every rate uses the same window
 * (`$__rate_interval`, the only Grafana macro the queries may use) and every
 * quantile the same shape.
 */

/** The rate window: Grafana's `$__rate_interval` (at least four scrapes). */
export const RATE_INTERVAL = '$__rate_interval';

/** `metric{matchers}`; `matchers` is PromQL matcher text, e.g. `service="ingest"`. */
export function sel(metric: string, matchers = ''): string {
  return matchers === '' ? metric : `${metric}{${matchers}}`;
}

function sumBy(labels: readonly string[], expr: string): string {
  return labels.length === 0 ? `sum(${expr})` : `sum by (${labels.join(', ')}) (${expr})`;
}

/** Per-second rate summed by `labels` (never by instance: replicas add up). */
export function sumRate(metric: string, labels: readonly string[], matchers = ''): string {
  return sumBy(labels, `rate(${sel(metric, matchers)}[${RATE_INTERVAL}])`);
}

/** The `quantile` of a histogram over the rate window, per `labels`. */
export function quantile(quantile: number, histogram: string, labels: readonly string[], matchers = ''): string {
  return `histogram_quantile(${quantile}, ${sumRate(`${histogram}_bucket`, [...labels, 'le'], matchers)})`;
}

/** Mean of a histogram's observations over the rate window, per `labels`. */
export function mean(histogram: string, labels: readonly string[], matchers = ''): string {
  return `${sumRate(`${histogram}_sum`, labels, matchers)} / ${sumRate(`${histogram}_count`, labels, matchers)}`;
}

/** `service="<name>"`: the label every Tributary metric carries. */
export function service(name: string): string {
  return `service="${name}"`;
}
