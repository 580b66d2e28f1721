/** Talking to a real Prometheus from tests: scrape configuration, instant queries, rules and alerts over its HTTP API. */

/** One program to scrape: its job name and base URL (`/metrics` is appended by Prometheus). */
export interface ScrapeTarget {
  readonly job: string;
  readonly url: string;
}

/**
 * A configuration that scrapes each target every second and evaluates the
 * rules every second, so a test sees series and alert states within seconds.
 * One job per program, so `up{job}` names the one that is down.
 */
export function scrapeConfig(targets: readonly ScrapeTarget[], intervalSeconds = 1): string {
  const lines = ['global:', `  scrape_interval: ${intervalSeconds}s`, `  evaluation_interval: ${intervalSeconds}s`, 'scrape_configs:'];
  for (const target of targets) {
    const address = new URL(target.url).host;
    lines.push(`  - job_name: ${JSON.stringify(target.job)}`, '    static_configs:', `      - targets: [${JSON.stringify(address)}]`);
  }
  return lines.join('\n') + '\n';
}

/** One series of an instant query's answer. */
export interface VectorSample {
  readonly metric: Readonly<Record<string, string>>;
  readonly value: number;
}

/** An alert as `/api/v1/alerts` lists it: pending (condition met, `for` not yet elapsed) or firing. */
export interface ActiveAlert {
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  readonly state: 'pending' | 'firing';
  readonly activeAt: string;
  readonly value: string;
}

/** An alerting rule as Prometheus loaded it (`/api/v1/rules`). */
export interface LoadedAlertRule {
  readonly name: string;
  readonly query: string;
  readonly health: string;
  readonly lastError?: string;
}

/** A small client of Prometheus's HTTP API (v1). */
export class PrometheusApi {
  constructor(readonly url: string) {}

  async #get<T>(path: string, params: Record<string, string> = {}): Promise<T> {
    const query = new URLSearchParams(params).toString();
    const response = await fetch(`${this.url}${path}${query === '' ? '' : `?${query}`}`, { signal: AbortSignal.timeout(10_000) });
    const body = (await response.json()) as { status: string; data: T; error?: string };
    if (body.status !== 'success') throw new Error(`${path} ${JSON.stringify(params)}: ${body.error ?? response.status}`);
    return body.data;
  }

  /** An instant query at the current time; a scalar answer becomes one sample without labels. */
  async query(expr: string): Promise<VectorSample[]> {
    const data = await this.#get<{ resultType: string; result: unknown }>('/api/v1/query', { query: expr });
    if (data.resultType === 'scalar') return [{ metric: {}, value: Number((data.result as [number, string])[1]) }];
    if (data.resultType !== 'vector') throw new Error(`${expr}: unexpected result type ${data.resultType}`);
    return (data.result as { metric: Record<string, string>; value: [number, string] }[]).map((s) => ({ metric: s.metric, value: Number(s.value[1]) }));
  }

  async alerts(): Promise<ActiveAlert[]> {
    return (await this.#get<{ alerts: ActiveAlert[] }>('/api/v1/alerts')).alerts;
  }

  async alertRules(): Promise<LoadedAlertRule[]> {
    const data = await this.#get<{ groups: { rules: (LoadedAlertRule & { type: string })[] }[] }>('/api/v1/rules', { type: 'alert' });
    return data.groups.flatMap((g) => g.rules.filter((r) => r.type === 'alerting'));
  }

  /** Scrape targets with their health (`up`, `down`, `unknown` before the first scrape). */
  async targets(): Promise<{ job: string; health: string; lastError: string }[]> {
    const data = await this.#get<{ activeTargets: { labels: Record<string, string>; health: string; lastError: string }[] }>('/api/v1/targets', { state: 'active' });
    return data.activeTargets.map((t) => ({ job: t.labels['job'] ?? '', health: t.health, lastError: t.lastError }));
  }
}

/**
 * The parts of an alert expression without its thresholds: scalar
 * comparisons (`> 100`, `== 0`) are removed, and the expression is split at
 * `and` / `and on (…)` and at comparisons between two vectors. Each part
 * returning data proves the series the rule needs are exported with the
 * labels it matches on, for rules whose condition a short test cannot bring
 * about (a restore that takes 15 minutes, a drifted model).
 */
export function thresholdFreeParts(expr: string): string[] {
  const withoutScalars = expr.replace(/\s*(?:==|!=|>=|<=|>|<)\s*-?\d+(?:\.\d+)?(?![\w.:])/g, '');
  return withoutScalars
    .split(/\band(?:\s+on\s*\([^)]*\))?(?=\s)|\s(?:==|!=|>=|<=|>|<)\s/)
    .map((part) => part.trim())
    .filter((part) => part !== '');
}

/** Polls `probe` every `everyMs` until it returns a value that is not undefined; undefined when the time runs out. */
export async function pollUntil<T>(probe: () => Promise<T | undefined>, timeoutMs: number, everyMs = 1000): Promise<T | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() >= deadline) return undefined;
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
