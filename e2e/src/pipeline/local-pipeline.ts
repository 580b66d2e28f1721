import { appendFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { ServiceProcess } from '@tributary/testing';

/** The five operators, in pipeline order. */
export const OPERATORS = ['ingest', 'enrich', 'aggregate', 'score', 'sink'] as const;
export type OperatorName = (typeof OPERATORS)[number];

export interface PipelineEndpoints {
  readonly kafka: string;
  readonly registry: string;
  readonly database: string;
}

export interface LocalPipelineOptions {
  readonly endpoints: PipelineEndpoints;
  /** Fixed HTTP ports (npm start); default 0 = a free port per start (tests). */
  readonly ports?: Partial<Record<OperatorName, number>>;
  /** Extra environment per operator, and for all. */
  readonly env?: Partial<Record<OperatorName | 'all', Record<string, string>>>;
  /** Each operator's output is appended to `<logDir>/<name>.log`. */
  readonly logDir?: string;
  /** Also called for every output line. */
  readonly onLine?: (name: OperatorName, line: string) => void;
}

/**
 * The cold-chain pipeline as five separate operator processes on one
 * machine, each started from its `src/main.ts`; any of them can be killed,
 * stopped or restarted on its own.
 */
export class LocalPipeline {
  readonly #options: LocalPipelineOptions;
  readonly #running = new Map<OperatorName, ServiceProcess>();
  /** Starts per operator (restarts included). */
  readonly starts = new Map<OperatorName, number>();

  constructor(options: LocalPipelineOptions) {
    this.#options = options;
    if (options.logDir !== undefined) mkdirSync(options.logDir, { recursive: true });
  }

  /** Environment of one operator. */
  envOf(name: OperatorName): Record<string, string> {
    const { endpoints } = this.#options;
    return {
      KAFKA_BROKERS: endpoints.kafka,
      SCHEMA_REGISTRY_URL: endpoints.registry,
      DATABASE_URL: endpoints.database,
      HTTP_HOST: '127.0.0.1',
      HTTP_PORT: String(this.#options.ports?.[name] ?? 0),
      LOG_LEVEL: 'info',
      ...this.#options.env?.all,
      ...this.#options.env?.[name],
    };
  }

  /** Starts one operator (it must not be running). */
  start(name: OperatorName): ServiceProcess {
    if (this.#running.get(name)?.alive === true) throw new Error(`${name} is already running`);
    const logFile = this.#options.logDir === undefined ? undefined : path.join(this.#options.logDir, `${name}.log`);
    const process = new ServiceProcess({
      entry: `services/${name}/src/main.ts`,
      name,
      env: this.envOf(name),
      onLine: (line) => {
        if (logFile !== undefined) appendFileSync(logFile, line + '\n');
        this.#options.onLine?.(name, line);
      },
    });
    this.#running.set(name, process);
    this.starts.set(name, (this.starts.get(name) ?? 0) + 1);
    return process;
  }

  /** Starts every operator and waits until each is ready. */
  async startAll(timeoutMs = 180_000): Promise<void> {
    for (const name of OPERATORS) this.start(name);
    await Promise.all(OPERATORS.map(async (name) => await this.get(name)?.ready(timeoutMs)));
  }

  get(name: OperatorName): ServiceProcess | undefined {
    return this.#running.get(name);
  }

  /** The operator's URL if it is alive and listening. */
  url(name: OperatorName): string | undefined {
    const process = this.#running.get(name);
    return process?.alive === true ? process.listeningUrl : undefined;
  }

  /** SIGKILL: no chance to finish anything. */
  async kill(name: OperatorName): Promise<void> {
    const process = this.#running.get(name);
    if (process === undefined) return;
    process.kill('SIGKILL');
    await process.exited;
  }

  /** Kills (or, with `graceful`, SIGTERMs) and starts it again; resolves once the new process listens. */
  async restart(name: OperatorName, options: { graceful?: boolean } = {}): Promise<ServiceProcess> {
    if (options.graceful === true) await this.#running.get(name)?.stop();
    else await this.kill(name);
    const next = this.start(name);
    await next.url();
    return next;
  }

  /** SIGTERM every operator (upstream first) and wait; returns each exit. */
  async stopAll(graceMs = 30_000): Promise<Record<string, { code: number | null; killed: boolean; seconds: number }>> {
    const exits: Record<string, { code: number | null; killed: boolean; seconds: number }> = {};
    for (const name of OPERATORS) {
      const process = this.#running.get(name);
      if (process !== undefined) exits[name] = await process.stop(graceMs);
    }
    return exits;
  }

  /** Kill everything now (test cleanup). */
  killAll(): void {
    for (const process of this.#running.values()) process.kill('SIGKILL');
  }
}
