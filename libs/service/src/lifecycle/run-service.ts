import { createServer } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { errorMessage, type StreamsConfig, type StreamsInstrumentation } from '@tributary/streams';
import type { HttpEnv } from '../config/http.js';
import { buildServer } from '../http/server.js';
import { createLogger } from '../logger.js';
import { streamsMetrics } from '../metrics/streams-metrics.js';
import { CLIENT_ID_URL_SEPARATOR, type Operator } from '../operator.js';

/** What a service's `build` and `routes` get from the shell. */
export interface ServiceContext {
  readonly name: string;
  readonly log: Logger;
  /** Register your own metrics here (`registers: [ctx.registry]`). */
  readonly registry: Registry;
  /** Standard `tributary_*` metrics of a StreamsApp: pass as `StreamsConfig.instrumentation`. */
  readonly instrumentation: StreamsInstrumentation;
  /** Pass as `StreamsConfig.log`: runtime log lines through pino. */
  readonly streamsLog: NonNullable<StreamsConfig['log']>;
  /** URL peers use to reach this instance. */
  readonly url: string;
  /** Kafka client id carrying the advertised URL (interactive query routing): `kafkaConfig(config, ctx.clientId)`. */
  readonly clientId: string;
}

export interface RunServiceOptions {
  /** Service name: logs, metrics label, client id. */
  readonly name: string;
  readonly http: Pick<HttpEnv, 'HTTP_HOST' | 'HTTP_PORT' | 'LOG_LEVEL' | 'SHUTDOWN_TIMEOUT_MS'> & Partial<Pick<HttpEnv, 'ADVERTISED_URL'>>;
  /** Largest request body (fastify `bodyLimit`); default fastify's 1 MiB. */
  readonly bodyLimit?: number;
  /** Creates the operator (do not start it: the shell does, after HTTP is up). */
  build(ctx: ServiceContext): Operator | Promise<Operator>;
  /** Extra routes, registered before the server listens. */
  routes?(app: FastifyInstance, ctx: ServiceContext, operator: Operator): void | Promise<void>;
  /** Exit the process after a signal-initiated stop (default true); tests running in-process set false. */
  readonly exitProcess?: boolean;
  /** Handle SIGTERM/SIGINT (default true). */
  readonly handleSignals?: boolean;
}

export interface RunningService {
  readonly url: string;
  readonly app: FastifyInstance;
  readonly operator: Operator;
  readonly context: ServiceContext;
  /** Graceful stop: operator first (bounded by SHUTDOWN_TIMEOUT_MS), then HTTP. Resolves true when the operator stopped in time. */
  stop(): Promise<boolean>;
}

async function freePort(host: string): Promise<number> {
  return await new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/**
 * Runs one operator as a service: JSON logs, `/healthz` `/readyz`
 * `/metrics` `/stores/:store/:key`, then the operator; SIGTERM/SIGINT stop
 * it gracefully (stop fetching, finish open transactions, leave the group)
 * within `SHUTDOWN_TIMEOUT_MS` and exit 0 (1 if it did not finish in time).
 * A failed operator (`healthy` false) exits 1 so the platform restarts it.
 */
export async function runService(options: RunServiceOptions): Promise<RunningService> {
  const { name, http } = options;
  const log = createLogger(name, http.LOG_LEVEL);
  const registry = new Registry();
  registry.setDefaultLabels({ service: name });
  collectDefaultMetrics({ register: registry });
  const instrumentation = streamsMetrics(registry);
  const port = http.HTTP_PORT === 0 ? await freePort(http.HTTP_HOST) : http.HTTP_PORT;
  const displayHost = http.HTTP_HOST === '0.0.0.0' || http.HTTP_HOST === '::' ? '127.0.0.1' : http.HTTP_HOST;
  const url = http.ADVERTISED_URL ?? `http://${displayHost.includes(':') ? `[${displayHost}]` : displayHost}:${port}`;
  const context: ServiceContext = {
    name,
    log,
    registry,
    instrumentation,
    url,
    clientId: `${name}${CLIENT_ID_URL_SEPARATOR}${url}`,
    streamsLog: (level, message, fields) => log[level](fields ?? {}, message),
  };

  let operator: Operator | undefined;
  const app = buildServer({ log, registry, operator: () => operator, ...(options.bodyLimit !== undefined ? { bodyLimit: options.bodyLimit } : {}) });
  try {
    operator = await options.build(context);
    await options.routes?.(app, context, operator);
    await app.listen({ host: http.HTTP_HOST, port });
  } catch (error) {
    log.fatal({ err: error }, `cannot start: ${errorMessage(error)}`);
    await app.close().catch(() => undefined);
    throw error;
  }
  log.info({ url }, 'listening');
  const running = operator;

  let stopping: Promise<boolean> | undefined;
  const stop = (): Promise<boolean> =>
    (stopping ??= (async () => {
      clearInterval(watchdog);
      log.info({ timeoutMs: http.SHUTDOWN_TIMEOUT_MS }, 'stopping');
      const started = Date.now();
      let timer: NodeJS.Timeout | undefined;
      const inTime = await Promise.race([
        running.stop().then(
          () => true,
          (error: unknown) => {
            log.error({ err: error }, `stop failed: ${errorMessage(error)}`);
            return false;
          },
        ),
        new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), http.SHUTDOWN_TIMEOUT_MS))),
      ]);
      clearTimeout(timer);
      await app.close().catch(() => undefined);
      log.info({ seconds: (Date.now() - started) / 1000, clean: inTime }, 'stopped');
      return inTime;
    })());

  const exitAfter = async (reason: string): Promise<void> => {
    log.info({ reason }, 'shutdown requested');
    const clean = await stop();
    if (options.exitProcess ?? true) {
      // Let pino flush its last line.
      setImmediate(() => process.exit(clean ? 0 : 1));
    }
  };
  if (options.handleSignals ?? true) {
    process.once('SIGTERM', () => void exitAfter('SIGTERM'));
    process.once('SIGINT', () => void exitAfter('SIGINT'));
  }

  const watchdog = setInterval(() => {
    if (running.healthy === false) {
      clearInterval(watchdog);
      log.fatal('operator failed; exiting so it is restarted');
      void stop().finally(() => {
        if (options.exitProcess ?? true) setImmediate(() => process.exit(1));
      });
    }
  }, 1000);
  watchdog.unref();

  try {
    await running.start();
  } catch (error) {
    log.fatal({ err: error }, `operator failed to start: ${errorMessage(error)}`);
    await stop();
    throw error;
  }
  log.info('started');
  return { url, app, operator: running, context, stop };
}
