/**
 * The Dockerfile, checked without a Docker engine: what it copies exists and
 * is not dropped by .dockerignore, the runtime stage receives the compiled
 * output of every workspace package the programs import (found by walking
 * their imports from source), the files they read at runtime land where they
 * look for them, and the dispatcher's commands are exactly the programs.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { SCHEMA_DIR } from '@tributary/schemas';
import { REPO_ROOT } from '@tributary/testing';
import { DEFAULT_MODEL_PATH } from '../../services/score/src/config.js';

const run = promisify(execFile);
const read = (file: string): string => readFileSync(path.join(REPO_ROOT, file), 'utf8');

// --- the Dockerfile as instructions per stage -------------------------------------------------

interface Instruction {
  readonly keyword: string;
  readonly args: string;
}
interface Stage {
  readonly name: string;
  readonly from: string;
  readonly instructions: Instruction[];
}

function parseDockerfile(text: string): { args: Record<string, string>; stages: Stage[] } {
  const lines = text.replace(/\\\r?\n/g, ' ').split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
  const args: Record<string, string> = {};
  const stages: Stage[] = [];
  for (const line of lines) {
    const [, keyword = '', rest = ''] = /^(\S+)\s*(.*)$/.exec(line) ?? [];
    const upper = keyword.toUpperCase();
    if (upper === 'FROM') {
      const [from = '', , name = String(stages.length)] = rest.split(/\s+/);
      stages.push({ name, from: from.replace(/^\$\{(\w+)\}$/, (_, v: string) => args[v] ?? ''), instructions: [] });
    } else if (stages.length === 0 && upper === 'ARG') {
      const [k = '', v = ''] = rest.split('=');
      args[k] = v;
    } else {
      stages.at(-1)?.instructions.push({ keyword: upper, args: rest });
    }
  }
  return { args, stages };
}

interface Copy {
  readonly from: string | undefined;
  readonly sources: string[];
  readonly dest: string;
}
function copies(stage: Stage): Copy[] {
  return stage.instructions
    .filter((i) => i.keyword === 'COPY')
    .map((i) => {
      const words = i.args.split(/\s+/);
      const flags = words.filter((w) => w.startsWith('--'));
      const paths = words.filter((w) => !w.startsWith('--'));
      const from = flags.find((f) => f.startsWith('--from='))?.slice('--from='.length);
      return { from, sources: paths.slice(0, -1), dest: paths.at(-1) ?? '' };
    });
}

const dockerfile = parseDockerfile(read('Dockerfile'));
const stage = (name: string): Stage => {
  const found = dockerfile.stages.find((s) => s.name === name);
  if (found === undefined) throw new Error(`no stage ${name} in the Dockerfile`);
  return found;
};
const runtime = dockerfile.stages.at(-1) as Stage;
const WORKDIR = runtime.instructions.filter((i) => i.keyword === 'WORKDIR').at(-1)?.args ?? '/';

// --- .dockerignore, with Docker's rules: patterns from the context root, `**`, `!` exceptions, last match wins

function ignorePatterns(): { negate: boolean; regex: RegExp }[] {
  return read('.dockerignore')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((line) => {
      const negate = line.startsWith('!');
      const pattern = path.posix.normalize((negate ? line.slice(1) : line).replace(/^\/+/, ''));
      const body = pattern
        .split('/')
        .map((part) => (part === '**' ? '\u0000' : part.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]')))
        .join('/')
        .replaceAll('\u0000/', '(?:.*/)?')
        .replaceAll('/\u0000', '(?:/.*)?')
        .replaceAll('\u0000', '.*');
      return { negate, regex: new RegExp(`^${body}$`) };
    });
}
const IGNORE = ignorePatterns();

/** True when Docker leaves `file` (relative to the context root) out of the build context: it, or a folder above it, matches. */
function ignored(file: string): boolean {
  const parts = file.split('/');
  let excluded = false;
  for (let depth = 1; depth <= parts.length; depth++) {
    const prefix = parts.slice(0, depth).join('/');
    for (const { negate, regex } of IGNORE) if (regex.test(prefix)) excluded = !negate;
    if (excluded && depth < parts.length) return true;
  }
  return excluded;
}

/** Repository files matching a COPY source (`*` globs within one folder level). */
function expand(source: string): string[] {
  const clean = source.replace(/\/+$/, '');
  if (!clean.includes('*')) return existsSync(path.join(REPO_ROOT, clean)) ? [clean] : [];
  const dir = path.posix.dirname(clean);
  const regex = new RegExp(`^${path.posix.basename(clean).replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*')}$`);
  return existsSync(path.join(REPO_ROOT, dir)) ? readdirSync(path.join(REPO_ROOT, dir)).filter((f) => regex.test(f)).map((f) => path.posix.join(dir, f)) : [];
}

function filesUnder(dir: string): string[] {
  const full = path.join(REPO_ROOT, dir);
  if (!statSync(full).isDirectory()) return [dir];
  return readdirSync(full, { recursive: true, encoding: 'utf8' })
    .map((f) => path.posix.join(dir, f.split(path.sep).join('/')))
    .filter((f) => statSync(path.join(REPO_ROOT, f)).isFile());
}

/** Where the runtime stage's COPY instructions put a repository file (a file may be copied more than once). */
function imagePaths(repoFile: string): string[] {
  return copies(runtime)
    .filter((c) => c.from === undefined)
    .flatMap((c) =>
      c.sources.flatMap((source) =>
        expand(source).flatMap((match) => {
          const dest = path.posix.join(WORKDIR, c.dest);
          if (match === repoFile) return [c.dest.endsWith('/') ? path.posix.join(dest, path.posix.basename(match)) : dest];
          // A folder source copies its content (not the folder itself) into the destination.
          if (repoFile.startsWith(`${match}/`)) return [path.posix.join(dest, repoFile.slice(match.length + 1))];
          return [];
        }),
      ),
    );
}

// --- workspaces and the import graph of the programs -------------------------------------------

interface Workspace {
  readonly dir: string;
  readonly name: string;
  readonly exports: Record<string, { source?: string; default?: string }>;
}
function workspaces(): Workspace[] {
  const patterns = (JSON.parse(read('package.json')) as { workspaces: string[] }).workspaces;
  return patterns
    .flatMap((p) => (p.endsWith('/*') ? readdirSync(path.join(REPO_ROOT, p.slice(0, -2))).map((d) => `${p.slice(0, -2)}/${d}`) : [p]))
    .filter((dir) => existsSync(path.join(REPO_ROOT, dir, 'package.json')))
    .map((dir) => {
      const pkg = JSON.parse(read(`${dir}/package.json`)) as { name: string; exports?: Workspace['exports'] };
      return { dir, name: pkg.name, exports: pkg.exports ?? {} };
    });
}
const WORKSPACES = workspaces();

/** `@tributary/x/sub` → the workspace and the source file its export points at. */
function resolveWorkspace(specifier: string): { workspace: Workspace; file: string } | undefined {
  const workspace = WORKSPACES.find((w) => specifier === w.name || specifier.startsWith(`${w.name}/`));
  if (workspace === undefined) return undefined;
  const sub = `.${specifier.slice(workspace.name.length)}`;
  const source = workspace.exports[sub === '.' ? '.' : sub]?.source;
  if (source === undefined) throw new Error(`${workspace.name} has no export "${sub}" with a source condition (imported as ${specifier})`);
  return { workspace, file: path.posix.join(workspace.dir, source) };
}

const IMPORT = /(?:^|[;\n])\s*(import|export)\s+(type\s+)?(?:[^'";]*?\sfrom\s*)?['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

/** The workspace packages whose code runs when `entries` are loaded (type-only imports do not count). */
function runtimeWorkspaces(entries: readonly string[]): Set<string> {
  const seen = new Set<string>();
  const used = new Set<string>();
  const queue = [...entries];
  for (let file = queue.pop(); file !== undefined; file = queue.pop()) {
    if (seen.has(file)) continue;
    seen.add(file);
    const owner = WORKSPACES.filter((w) => file.startsWith(`${w.dir}/`)).sort((a, b) => b.dir.length - a.dir.length)[0];
    if (owner !== undefined) used.add(owner.dir);
    for (const match of read(file).matchAll(IMPORT)) {
      if (match[2] !== undefined) continue; // import type / export type
      const specifier = match[3] ?? match[4] ?? '';
      if (specifier.startsWith('.')) {
        const base = path.posix.join(path.posix.dirname(file), specifier).replace(/\.js$/, '');
        const next = [`${base}.ts`, `${base}/index.ts`].find((f) => existsSync(path.join(REPO_ROOT, f)));
        if (next === undefined) throw new Error(`${file}: cannot resolve ${specifier}`);
        queue.push(next);
      } else {
        const target = resolveWorkspace(specifier);
        if (target !== undefined) queue.push(target.file);
      }
    }
  }
  return used;
}

// --- the dispatcher ----------------------------------------------------------------------------

const DISPATCHER = 'bin/tributary.mjs';

async function dispatcherCommands(): Promise<string[]> {
  const { stdout } = await run(process.execPath, [DISPATCHER, '--help'], { cwd: REPO_ROOT, timeout: 30_000 });
  const lines = stdout.split('\n');
  const start = lines.indexOf('commands:');
  const commands: string[] = [];
  for (const line of lines.slice(start + 1)) {
    const match = /^ {2}(\S+)\s{2,}/.exec(line);
    if (match === null) break;
    commands.push(match[1] ?? '');
  }
  return commands;
}

/** The modules the dispatcher imports, by command (read from its table). */
function dispatcherModules(): Map<string, string> {
  const text = read(DISPATCHER);
  return new Map([...text.matchAll(/^\s*'?([\w-]+)'?:\s*\{\s*module:\s*'([^']+)'/gm)].map((m) => [m[1] ?? '', m[2] ?? '']));
}

describe('Dockerfile', () => {
  it('builds on node:22-bookworm-slim, compiles with tsc -b, and installs production dependencies only in the runtime stage', () => {
    expect(dockerfile.stages.map((s) => s.from)).toEqual(dockerfile.stages.map(() => 'node:22-bookworm-slim'));
    const runs = (s: Stage) => s.instructions.filter((i) => i.keyword === 'RUN').map((i) => i.args);
    expect(runs(stage('build')).some((r) => /\bnpm ci\b/.test(r) && !r.includes('--omit=dev'))).toBe(true);
    expect(runs(stage('build')).some((r) => /\bnpx tsc -b\b/.test(r))).toBe(true);
    expect(runs(runtime).some((r) => /\bnpm ci\b.*--omit=dev/.test(r))).toBe(true);
    expect(runs(runtime).some((r) => /\btsc\b|\btsx\b/.test(r))).toBe(false);
    // onnxruntime-node's install script would otherwise download CUDA files at every npm ci.
    for (const s of [stage('build'), runtime]) {
      const envs = s.instructions.filter((i) => i.keyword === 'ENV').map((i) => i.args).join(' ');
      expect(envs, s.name).toMatch(/ONNXRUNTIME_NODE_INSTALL=skip/);
    }
  });

  it('copies only sources that exist in the repository and that .dockerignore keeps in the build context', () => {
    const local = dockerfile.stages.flatMap((s) => copies(s).filter((c) => c.from === undefined));
    expect(local.length).toBeGreaterThan(0);
    for (const copy of local) {
      for (const source of copy.sources) {
        if (source === '.') continue;
        const files = expand(source);
        expect(files, `COPY ${source}: nothing in the repository matches`).not.toEqual([]);
        const lost = files.flatMap(filesUnder).filter(ignored);
        expect(lost, `COPY ${source}: dropped by .dockerignore`).toEqual([]);
      }
    }
  });

  it('keeps everything the build stage compiles in the context, and drops host builds (dist, node_modules, tsbuildinfo)', () => {
    // `tsc -b` trusts *.tsbuildinfo: one copied in without its dist/ would make it skip emitting.
    for (const file of ['libs/streams/dist/index.js', 'node_modules/kafkajs/package.json', 'services/score/tsconfig.tsbuildinfo', '.git/HEAD']) {
      expect(ignored(file), file).toBe(true);
    }
    const references = (JSON.parse(read('tsconfig.json')) as { references: { path: string }[] }).references.map((r) => r.path);
    for (const project of references) {
      expect(ignored(`${project}/tsconfig.json`), project).toBe(false);
      const tsconfig = JSON.parse(read(`${project}/tsconfig.json`)) as { include?: string[] };
      for (const include of tsconfig.include ?? []) {
        const dir = path.posix.normalize(path.posix.join(project, include));
        if (!existsSync(path.join(REPO_ROOT, dir)) || !statSync(path.join(REPO_ROOT, dir)).isDirectory()) continue;
        const lost = filesUnder(dir).filter((f) => f.endsWith('.ts') && ignored(f));
        expect(lost, `${project}: sources dropped by .dockerignore`).toEqual([]);
      }
    }
    for (const file of ['package.json', 'package-lock.json', '.npmrc', DISPATCHER, ...WORKSPACES.map((w) => `${w.dir}/package.json`)]) {
      expect(ignored(file), file).toBe(false);
    }
  });

  it('gives npm ci every workspace manifest (the lockfile names them all)', () => {
    const manifests = new Set(copies(stage('manifests')).flatMap((c) => c.sources));
    for (const file of ['package.json', 'package-lock.json', ...WORKSPACES.map((w) => `${w.dir}/package.json`)]) {
      expect(manifests.has(file), file).toBe(true);
    }
    for (const s of [stage('build'), runtime]) expect(copies(s).some((c) => c.from === 'manifests'), s.name).toBe(true);
  });

  it('copies into the runtime stage the compiled output of every workspace package the programs import', () => {
    const modules = [...dispatcherModules().values()];
    const entries = modules.map((m) => {
      const target = resolveWorkspace(m);
      if (target === undefined) throw new Error(`${m} is not a workspace package`);
      return target.file;
    });
    const needed = runtimeWorkspaces(entries);
    expect(needed.has('libs/streams') && needed.has('e2e')).toBe(true);
    const built = new Map(
      copies(runtime)
        .filter((c) => c.from === 'build')
        .flatMap((c) => c.sources.map((s) => [path.posix.relative('/src', s), path.posix.join(WORKDIR, c.dest)] as const)),
    );
    for (const dir of needed) {
      expect(built.get(`${dir}/dist`), `${dir}/dist`).toBe(path.posix.join(WORKDIR, dir, 'dist'));
      const tsconfig = JSON.parse(read(`${dir}/tsconfig.json`)) as { compilerOptions?: { outDir?: string } };
      expect(tsconfig.compilerOptions?.outDir, `${dir}: tsc writes dist/`).toBe('dist');
    }
    for (const source of built.keys()) expect(existsSync(path.join(REPO_ROOT, path.dirname(source), 'tsconfig.json')), source).toBe(true);
  });

  it('puts the files the programs read at runtime where they look (model, schemas) and the dispatcher at the ENTRYPOINT path', () => {
    // The programs find these relative to their own dist/ files, which sit at the same depth as src/, so in the image
    // they must keep their repository paths under WORKDIR.
    const model = path.relative(REPO_ROOT, DEFAULT_MODEL_PATH).split(path.sep).join('/');
    const modelMetadata = path.posix.join(path.posix.dirname(model), 'model.json');
    const schemaDir = path.relative(REPO_ROOT, SCHEMA_DIR).split(path.sep).join('/');
    const schemas = readdirSync(SCHEMA_DIR).filter((f) => f.endsWith('.avsc')).map((f) => path.posix.join(schemaDir, f));
    expect(schemas.length).toBeGreaterThan(0);
    for (const file of [model, modelMetadata, ...schemas, DISPATCHER]) {
      expect(existsSync(path.join(REPO_ROOT, file)), file).toBe(true);
      expect(imagePaths(file), file).toContain(path.posix.join(WORKDIR, file));
    }

    const entrypoint = runtime.instructions.find((i) => i.keyword === 'ENTRYPOINT')?.args ?? '';
    expect(JSON.parse(entrypoint)).toEqual(['node', path.posix.join(WORKDIR, DISPATCHER)]);
    expect(JSON.parse(runtime.instructions.find((i) => i.keyword === 'CMD')?.args ?? '')).toEqual(['--help']);
  });

  it('runs as uid 10001 with the contract ENV, exposes 8080 and checks /healthz with node', () => {
    const last = (keyword: string) => runtime.instructions.filter((i) => i.keyword === keyword).at(-1)?.args;
    expect(WORKDIR).toBe('/app');
    expect(last('USER')).toBe('10001');
    expect(last('EXPOSE')).toBe('8080');
    const env = runtime.instructions.filter((i) => i.keyword === 'ENV').map((i) => i.args).join(' ');
    for (const pair of ['HTTP_HOST=0.0.0.0', 'HTTP_PORT=8080', 'NODE_ENV=production']) expect(env).toContain(pair);
    const healthcheck = last('HEALTHCHECK') ?? '';
    expect(healthcheck).toMatch(/CMD \["node", "-e", ".*fetch\(.*127\.0\.0\.1.*HTTP_PORT.*\/healthz/);
  });
});

describe('bin/tributary.mjs', () => {
  it('offers exactly the packages with a ./main export, plus setup and simulate', async () => {
    const programs = WORKSPACES.filter((w) => w.exports['./main'] !== undefined).map((w) => w.name.replace(/^@tributary\//, ''));
    expect(programs.sort()).toEqual(['aggregate', 'enrich', 'ingest', 'lag-exporter', 'score', 'sink']);
    expect((await dispatcherCommands()).sort()).toEqual([...programs, 'setup', 'simulate'].sort());
  });

  it('imports, for each command, an export whose source and compiled paths belong to the package', () => {
    for (const [command, module] of dispatcherModules()) {
      const target = resolveWorkspace(module);
      expect(target, command).toBeDefined();
      expect(existsSync(path.join(REPO_ROOT, target?.file ?? '')), `${command}: ${target?.file}`).toBe(true);
      const sub = `.${module.slice(target?.workspace.name.length ?? 0)}`;
      expect(target?.workspace.exports[sub]?.default, command).toMatch(/^\.\/dist\/.*\.js$/);
    }
  });
});
