/** Command-line options of the pipeline benches (`--name=value`, `--env=…`). */
import { OPERATORS, type OperatorName } from '../../../e2e/src/pipeline/local-pipeline.js';

/** The value of `--<name>=value`, if given. */
export function option(args: readonly string[], name: string): string | undefined {
  const prefix = `--${name}=`;
  return args.find((a) => a.startsWith(prefix))?.slice(prefix.length);
}

/** `--<name>=n` as a positive integer, or `fallback`; anything else throws, naming the option. */
export function positiveInt(args: readonly string[], name: string, fallback: number): number {
  const raw = option(args, name);
  const value = raw === undefined ? fallback : Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw new RangeError(`--${name} must be a positive integer, got ${String(raw)}`);
  return value;
}

/** `--env=KEY=VALUE` (every operator) and `--env=<operator>:KEY=VALUE`: operator environment overrides. */
export function operatorEnv(args: readonly string[]): Partial<Record<OperatorName | 'all', Record<string, string>>> {
  const env: Partial<Record<OperatorName | 'all', Record<string, string>>> = {};
  for (const arg of args.filter((a) => a.startsWith('--env='))) {
    const match = /^--env=(?:([a-z]+):)?([A-Z_][A-Z0-9_]*)=(.*)$/.exec(arg);
    const target = (match?.[1] ?? 'all') as OperatorName | 'all';
    if (match === null || (target !== 'all' && !(OPERATORS as readonly string[]).includes(target))) {
      throw new RangeError(`${arg}: expected --env=KEY=VALUE or --env=<${OPERATORS.join('|')}>:KEY=VALUE`);
    }
    env[target] = { ...env[target], [match[2] as string]: match[3] as string };
  }
  return env;
}
