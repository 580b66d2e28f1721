/**
 * The alerting rules (deploy/prometheus/rules/tributary.rules.yml) are valid for a real promtool, pass
 * their promtool unit tests, and no alert is without tests: each must be shown to fire (labels and
 * annotations) and shown not to fire (below its threshold or before its `for`).
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { prometheusBinaries, REPO_ROOT } from '@tributary/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const run = promisify(execFile);
const RULES = path.join(REPO_ROOT, 'deploy/prometheus/rules/tributary.rules.yml');
const TESTS = path.join(REPO_ROOT, 'deploy/prometheus/tests/tributary.rules.test.yml');

interface RuleYaml {
  readonly alert?: string;
  readonly record?: string;
  readonly expr: string;
  readonly for?: string;
  readonly labels?: Record<string, string>;
  readonly annotations?: Record<string, string>;
}
interface RuleTestYaml {
  readonly rule_files: readonly string[];
  readonly tests: readonly { readonly alert_rule_test?: readonly { readonly alertname: string; readonly exp_alerts?: readonly unknown[] | null }[] }[];
}

/** Runs a command; resolves with its exit code and output even when it fails. */
async function runTool(file: string, args: readonly string[]): Promise<{ code: number; output: string }> {
  try {
    const { stdout, stderr } = await run(file, args, { timeout: 120_000 });
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof failed.code === 'number' ? failed.code : -1, output: `${failed.stdout ?? ''}${failed.stderr ?? ''}` };
  }
}

describe('Prometheus alerting rules', () => {
  let promtool: string;
  const rules = (parse(readFileSync(RULES, 'utf8')) as { groups: { name: string; rules: RuleYaml[] }[] }).groups.flatMap((g) => g.rules);
  const alerts = rules.filter((r) => r.alert !== undefined);
  const tests = parse(readFileSync(TESTS, 'utf8')) as RuleTestYaml;
  const cases = tests.tests.flatMap((t) => t.alert_rule_test ?? []);

  beforeAll(async () => {
    ({ promtool } = await prometheusBinaries());
  }, 300_000);

  it('promtool check rules accepts the file', async () => {
    const { code, output } = await runTool(promtool, ['check', 'rules', RULES]);
    expect(code, output).toBe(0);
    expect(output).toContain(`SUCCESS: ${rules.length} rules found`);
  });

  it('promtool test rules passes every unit test', async () => {
    const { code, output } = await runTool(promtool, ['test', 'rules', TESTS]);
    expect(code, output).toBe(0);
    expect(output).toMatch(/^\s*SUCCESS\s*$/m);
    expect(output).not.toContain('FAILED');
    // The tests run against the repository's rule file, not a copy.
    expect(tests.rule_files.map((f) => path.resolve(path.dirname(TESTS), f))).toEqual([RULES]);
  });

  it('every alert has a case where it fires and a case where it must not', () => {
    expect(alerts.length).toBeGreaterThan(0);
    const firing = new Set(cases.filter((c) => (c.exp_alerts ?? []).length > 0).map((c) => c.alertname));
    const silent = new Set(cases.filter((c) => (c.exp_alerts ?? []).length === 0).map((c) => c.alertname));
    const names = alerts.map((a) => a.alert ?? '');
    expect(names.filter((n) => !firing.has(n)), 'alerts without a firing case').toEqual([]);
    expect(names.filter((n) => !silent.has(n)), 'alerts without a not-firing case').toEqual([]);
    // A case for a renamed or deleted alert would pass silently (nothing fires under an unknown name).
    expect([...new Set(cases.map((c) => c.alertname))].filter((n) => !names.includes(n)), 'cases of unknown alerts').toEqual([]);
  });

  it('every alert waits (for), has a severity, and says what happened and what to do', () => {
    const problems = alerts.flatMap((a) => {
      const found: string[] = [];
      if (a.for === undefined) found.push('no for');
      if (!['warning', 'critical'].includes(a.labels?.['severity'] ?? '')) found.push(`severity ${a.labels?.['severity']}`);
      for (const key of ['summary', 'description', 'runbook']) if ((a.annotations?.[key] ?? '') === '') found.push(`no ${key}`);
      if (!/\{\{ \$value[ |}]/.test(a.annotations?.['description'] ?? '')) found.push('description without $value');
      return found.map((p) => `${a.alert}: ${p}`);
    });
    expect(problems).toEqual([]);
    expect(new Set(alerts.map((a) => a.alert)).size, 'alert names are unique').toBe(alerts.length);
  });
});
