import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { helmBinary } from '@tributary/testing';
import { parseAllDocuments } from 'yaml';

const run = promisify(execFile);

/** One rendered Kubernetes object, as far as these checks need to know it. */
export interface KubeObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: {
    readonly name: string;
    readonly namespace?: string;
    readonly labels?: Readonly<Record<string, string>>;
    readonly annotations?: Readonly<Record<string, string>>;
  };
  readonly [field: string]: unknown;
}

/** A helm command that exited non-zero; `stderr` holds helm's own message (e.g. the values-schema error). */
export class HelmError extends Error {
  readonly args: readonly string[];
  readonly stderr: string;
  readonly stdout: string;

  constructor(args: readonly string[], stdout: string, stderr: string) {
    super(`helm ${args.join(' ')} failed:\n${stderr.trim() || stdout.trim()}`);
    this.name = 'HelmError';
    this.args = args;
    this.stdout = stdout;
    this.stderr = stderr;
  }
}

/** Options of {@link helmTemplate}; the defaults are a release `tributary` in namespace `default`. */
export interface HelmTemplateOptions {
  readonly release?: string;
  readonly namespace?: string;
  /** `-f` files, in order (later ones win). */
  readonly valuesFiles?: readonly string[];
  /** `--set key=value` pairs. */
  readonly set?: Readonly<Record<string, string>>;
}

/**
 * Runs the helm binary of `@tributary/testing`'s {@link helmBinary} (offline:
 * nothing here talks to a cluster or a chart repository). Resolves with the
 * output; rejects with a {@link HelmError} carrying helm's message.
 */
export async function runHelm(args: readonly string[], options: { cwd?: string; timeoutMs?: number } = {}): Promise<{ stdout: string; stderr: string }> {
  const helm = await helmBinary();
  try {
    return await run(helm, [...args], { cwd: options.cwd, timeout: options.timeoutMs ?? 60_000, maxBuffer: 64 * 1024 * 1024 });
  } catch (error) {
    const failed = error as { stdout?: string; stderr?: string; message: string };
    throw new HelmError(args, failed.stdout ?? '', failed.stderr ?? failed.message);
  }
}

/** `helm template` of a chart folder or packaged `.tgz`, parsed into its objects (hooks included, empty documents dropped). */
export async function helmTemplate(chart: string, options: HelmTemplateOptions = {}): Promise<KubeObject[]> {
  const args = ['template', options.release ?? 'tributary', chart, '--namespace', options.namespace ?? 'default'];
  for (const file of options.valuesFiles ?? []) args.push('-f', file);
  for (const [key, value] of Object.entries(options.set ?? {})) args.push('--set', `${key}=${value}`);
  const { stdout } = await runHelm(args);
  return parseManifests(stdout);
}

/** `helm lint` (with `--strict`: warnings fail too); resolves with helm's report. */
export async function helmLint(chart: string, options: { strict?: boolean; valuesFiles?: readonly string[] } = {}): Promise<string> {
  const args = ['lint', chart];
  if (options.strict ?? true) args.push('--strict');
  for (const file of options.valuesFiles ?? []) args.push('-f', file);
  const { stdout, stderr } = await runHelm(args);
  return stdout + stderr;
}

/** `helm package` into `destination`; resolves with the path of the `.tgz`. */
export async function helmPackage(chart: string, destination: string): Promise<string> {
  const { stdout } = await runHelm(['package', chart, '--destination', destination]);
  const match = /saved it to: (\S+\.tgz)/.exec(stdout);
  if (match?.[1] === undefined) throw new HelmError(['package', chart], stdout, 'no package path in the output');
  return match[1];
}

/**
 * Splits a multi-document YAML stream into Kubernetes objects. A document
 * that does not parse, or is not an object with apiVersion, kind and
 * metadata.name, throws: a chart that renders one is broken.
 */
export function parseManifests(text: string): KubeObject[] {
  const objects: KubeObject[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) throw new Error(`rendered YAML does not parse: ${doc.errors.map((e) => e.message).join('; ')}`);
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) continue;
    if (!isKubeObject(value)) throw new Error(`rendered document is not a Kubernetes object: ${JSON.stringify(value).slice(0, 200)}`);
    objects.push(value);
  }
  return objects;
}

function isKubeObject(value: unknown): value is KubeObject {
  if (typeof value !== 'object' || value === null) return false;
  const o = value as Record<string, unknown>;
  const metadata = o['metadata'] as Record<string, unknown> | undefined;
  return typeof o['apiVersion'] === 'string' && typeof o['kind'] === 'string' && typeof metadata?.['name'] === 'string';
}
