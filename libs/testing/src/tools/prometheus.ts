import { execFile } from 'node:child_process';
import { accessSync, constants, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { cacheDir } from '../stack/cache.js';
import { StackError } from '../stack/errors.js';
import { choosePort } from '../stack/ports.js';
import { ServerProcess } from '../stack/server-process.js';
import { sharedLookup } from './shared-lookup.js';

const run = promisify(execFile);

/** The Debian package whose `usr/bin/` holds `prometheus` and `promtool`. */
export const PROMETHEUS_PACKAGE = 'prometheus';

export interface PrometheusBinaries {
  readonly prometheus: string;
  readonly promtool: string;
  /** `prometheus --version`'s version, e.g. `2.42.0+ds`. */
  readonly version: string;
}

const lookup = sharedLookup(locate);

/**
 * Paths of runnable `prometheus` and `promtool`: the ones on `PATH` when both
 * are there; otherwise Debian's `prometheus` package, fetched with
 * `apt-get download` (no install, no root needed when apt's lists are
 * present; as root it runs `apt-get update` first when apt knows no
 * candidate) and unpacked with `dpkg-deb -x` into
 * `<cacheDir>/tools/prometheus-<package version>/`, once per version.
 *
 * Concurrent callers are safe: each unpacks into its own folder and renames
 * it into place; a rename onto a folder someone else already filled fails,
 * and the loser just uses theirs. Within one process the first call's
 * promise is shared.
 *
 * Throws a {@link StackError} (`PROMETHEUS_MISSING` or
 * `PROMETHEUS_EXTRACT_FAILED`) saying what to install.
 */
export async function prometheusBinaries(): Promise<PrometheusBinaries> {
  return lookup();
}

async function locate(): Promise<PrometheusBinaries> {
  const prometheus = onPath('prometheus');
  const promtool = onPath('promtool');
  if (prometheus !== undefined && promtool !== undefined) return { prometheus, promtool, version: await versionOf(prometheus) };
  const tools = path.join(cacheDir(), 'tools');
  const cached = cachedTree(tools);
  const tree = cached ?? (await downloadAndExtract(tools));
  const bin = path.join(tree, 'usr', 'bin');
  const binaries = { prometheus: path.join(bin, 'prometheus'), promtool: path.join(bin, 'promtool') };
  return { ...binaries, version: await versionOf(binaries.prometheus) };
}

/** The newest complete `prometheus-<version>` tree already in the cache. */
function cachedTree(tools: string): string | undefined {
  let names: string[];
  try {
    names = readdirSync(tools).filter((name) => name.startsWith(`${PROMETHEUS_PACKAGE}-`));
  } catch {
    return undefined;
  }
  const complete = names
    .map((name) => path.join(tools, name))
    .filter((dir) => isExecutable(path.join(dir, 'usr', 'bin', 'prometheus')) && isExecutable(path.join(dir, 'usr', 'bin', 'promtool')));
  return complete.sort((a, b) => b.localeCompare(a, undefined, { numeric: true }))[0];
}

async function downloadAndExtract(tools: string): Promise<string> {
  mkdirSync(tools, { recursive: true });
  const work = mkdtempSync(path.join(tools, `.${PROMETHEUS_PACKAGE}-partial-${process.pid}-`));
  try {
    await aptDownload(work);
    const deb = readdirSync(work).find((name) => name.endsWith('.deb'));
    if (deb === undefined) throw new Error(`apt-get download left no .deb in ${work}`);
    // prometheus_2.42.0+ds-5+deb12u1_amd64.deb → 2.42.0+ds-5+deb12u1
    const version = deb.split('_')[1] ?? 'unknown';
    const root = path.join(work, 'root');
    await run('dpkg-deb', ['-x', path.join(work, deb), root], { timeout: 300_000 });
    const target = path.join(tools, `${PROMETHEUS_PACKAGE}-${version}`);
    try {
      renameSync(root, target);
    } catch (error) {
      // Someone else finished first (a non-empty target cannot be replaced); theirs is as good.
      if (!isExecutable(path.join(target, 'usr', 'bin', 'prometheus'))) throw error;
    }
    return target;
  } catch (error) {
    if (error instanceof StackError) throw error;
    throw new StackError(
      'PROMETHEUS_EXTRACT_FAILED',
      `could not unpack Debian's ${PROMETHEUS_PACKAGE} package into ${tools}: ${commandError(error)}`,
      `check free space in ${tools}, or put prometheus and promtool on PATH`,
    );
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

async function aptDownload(dir: string): Promise<void> {
  const download = async (): Promise<void> => {
    await run('apt-get', ['download', PROMETHEUS_PACKAGE], { cwd: dir, timeout: 600_000, maxBuffer: 16 * 1024 * 1024 });
  };
  try {
    await download();
    return;
  } catch (error) {
    const message = commandError(error);
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new StackError(
        'PROMETHEUS_MISSING',
        '`prometheus`/`promtool` are not on PATH and `apt-get` is not available to fetch them',
        'install Prometheus 2.x or 3.x and put `prometheus` and `promtool` on PATH',
      );
    }
    const noCandidate = /no candidate|unable to locate package/i.test(message);
    if (!noCandidate || process.getuid?.() !== 0) {
      throw new StackError(
        'PROMETHEUS_MISSING',
        `\`apt-get download ${PROMETHEUS_PACKAGE}\` failed: ${message}`,
        noCandidate
          ? `apt knows no ${PROMETHEUS_PACKAGE} package yet: run \`sudo apt-get update\`, or put prometheus and promtool on PATH`
          : 'check the apt sources and network, or put prometheus and promtool on PATH',
      );
    }
  }
  // Root with stale or missing lists: refresh them once and try again.
  try {
    await run('apt-get', ['-o', 'DPkg::Lock::Timeout=300', 'update'], { timeout: 600_000, maxBuffer: 16 * 1024 * 1024 });
    await download();
  } catch (error) {
    throw new StackError(
      'PROMETHEUS_MISSING',
      `\`apt-get download ${PROMETHEUS_PACKAGE}\` failed after \`apt-get update\`: ${commandError(error)}`,
      'check the apt sources and network, or put prometheus and promtool on PATH',
    );
  }
}

async function versionOf(binary: string): Promise<string> {
  const { stdout, stderr } = await run(binary, ['--version'], { timeout: 30_000 });
  // "prometheus, version 2.42.0+ds (branch: …)" — older builds print to stderr.
  const match = /version\s+(\S+)/.exec(`${stdout}\n${stderr}`);
  if (match?.[1] === undefined) throw new StackError('PROMETHEUS_EXTRACT_FAILED', `${binary} --version printed no version: ${stdout}${stderr}`);
  return match[1];
}

export interface StartPrometheusOptions {
  /**
   * The configuration file's text (`global:`, `scrape_configs:` …). It must
   * not have its own top-level `rule_files:` when `rulesFiles` is given.
   */
  readonly configYaml: string;
  /** Rule files to load (absolute paths): appended to the configuration as `rule_files:`. */
  readonly rulesFiles?: readonly string[];
  /** Port on 127.0.0.1; 0 or absent picks a free one. */
  readonly port?: number;
  /** How long to wait for `/-/ready` (default 60 s). */
  readonly startTimeoutMs?: number;
}

export interface RunningPrometheus {
  /** `http://127.0.0.1:<port>`: the HTTP API is under `/api/v1/`. */
  readonly url: string;
  /** Its stdout/stderr (inside the temporary folder `stop()` removes). */
  readonly logFile: string;
  /** The last lines of its log, for failure messages. */
  logTail(lines?: number): string;
  /** Stops the server (SIGTERM, then SIGKILL) and removes its temporary folder. */
  stop(): Promise<void>;
}

/**
 * Starts a real Prometheus server on 127.0.0.1 for a test: configuration,
 * log and TSDB in a fresh temporary folder, `--web.enable-lifecycle` (so
 * `POST /-/reload` works), tied to this process (it dies with the test
 * runner, even on SIGKILL). Resolves once `/-/ready` answers 200.
 *
 * Throws a {@link StackError} (`PROMETHEUS_EXITED` or
 * `PROMETHEUS_START_TIMEOUT`, with the log's last lines) when it does not
 * become ready — e.g. for an invalid configuration or rule file.
 */
export async function startPrometheus(options: StartPrometheusOptions): Promise<RunningPrometheus> {
  const { prometheus } = await prometheusBinaries();
  const port = await choosePort(options.port ?? 0, 'prometheus');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tributary-prometheus-'));
  const configFile = path.join(dir, 'prometheus.yml');
  writeFileSync(configFile, withRuleFiles(options.configYaml, options.rulesFiles ?? []));
  const server = ServerProcess.start({
    command: prometheus,
    args: [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${path.join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--web.enable-lifecycle',
      '--log.level=info',
    ],
    cwd: dir,
    logFile: path.join(dir, 'prometheus.log'),
    lifetime: 'tied',
  });
  const url = `http://127.0.0.1:${port}`;
  const stop = async (): Promise<void> => {
    await server.stop(10_000);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitForReady(url, server, options.startTimeoutMs ?? 60_000);
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, logFile: server.logFile, logTail: (lines) => server.logTail(lines), stop };
}

function withRuleFiles(configYaml: string, rulesFiles: readonly string[]): string {
  if (rulesFiles.length === 0) return configYaml;
  if (/^rule_files\s*:/m.test(configYaml)) {
    throw new StackError('PROMETHEUS_CONFIG', 'the configuration already has `rule_files:`; pass the rule files either there or as rulesFiles, not both');
  }
  // JSON strings are YAML flow scalars, so any path is quoted correctly.
  const list = rulesFiles.map((file) => `  - ${JSON.stringify(path.resolve(file))}`).join('\n');
  return `${configYaml.trimEnd()}\nrule_files:\n${list}\n`;
}

async function waitForReady(url: string, server: ServerProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    if (!server.running) {
      throw new StackError('PROMETHEUS_EXITED', `prometheus exited during start; last lines of its log:\n${server.logTail(25)}`);
    }
    try {
      const response = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(2_000) });
      if (response.ok) return;
      last = `HTTP ${response.status}`;
    } catch (error) {
      last = String(error);
    }
    await sleep(200);
  }
  throw new StackError(
    'PROMETHEUS_START_TIMEOUT',
    `prometheus at ${url} was not ready within ${Math.round(timeoutMs / 1000)} s (last: ${last}); last lines of its log:\n${server.logTail(25)}`,
  );
}

function onPath(name: string): string | undefined {
  for (const dir of (process.env['PATH'] ?? '').split(path.delimiter)) {
    if (dir === '') continue;
    const candidate = path.join(dir, name);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function commandError(error: unknown): string {
  const stderr = (error as { stderr?: string }).stderr?.trim();
  return stderr !== undefined && stderr !== '' ? stderr : (error as Error).message;
}
