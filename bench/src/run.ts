/**
 * `npm run bench -- <name> [args…]` runs the benchmark in `bench/src/<name>.ts`
 * (its default export, given the remaining arguments). Benchmarks are run on
 * demand, never as timed tests; each prints a last line
 * `bench <name>: <ratio>=<value> …` measured side by side in the same run.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export type Benchmark = (args: readonly string[]) => Promise<void>;

const here = path.dirname(fileURLToPath(import.meta.url));

export function availableBenchmarks(): string[] {
  return readdirSync(here)
    .filter((f) => /\.[jt]s$/.test(f) && !f.endsWith('.d.ts') && !/^(run|support)\b/.test(f))
    .map((f) => f.replace(/\.[jt]s$/, ''))
    .filter((name, i, all) => all.indexOf(name) === i)
    .sort();
}

async function main(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  const names = availableBenchmarks();
  if (name === undefined || !names.includes(name)) {
    console.error(`${name === undefined ? 'which benchmark?' : `no benchmark "${name}"`} usage: npm run bench -- <name>; available: ${names.join(', ')}`);
    return 2;
  }
  const file = readdirSync(here).find((f) => f === `${name}.ts` || f === `${name}.js`) as string;
  const module = (await import(pathToFileURL(path.join(here, file)).href)) as { default?: Benchmark };
  if (typeof module.default !== 'function') {
    console.error(`bench/src/${file} has no default export (async (args) => void)`);
    return 2;
  }
  await module.default(rest);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
