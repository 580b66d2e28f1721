import type { IncomingMessage, ServerResponse } from 'node:http';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type RawServerDefault } from 'fastify';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { Operator } from '../operator.js';

// Store values may hold bigint (Avro longs) and Buffers: make them JSON-safe.
const jsonSafe = (value: unknown): unknown =>
  JSON.parse(JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)));

/**
 * The shell's fastify instance: health, readiness, metrics and interactive
 * queries. Callers add their own routes before `listen`.
 */
export function buildServer(options: { log: Logger; registry: Registry; operator: () => Operator | undefined; bodyLimit?: number }): FastifyInstance {
  const app: FastifyInstance = Fastify<RawServerDefault, IncomingMessage, ServerResponse, FastifyBaseLogger>({ loggerInstance: options.log, logController: new LogController({ disableRequestLogging: true }), ...(options.bodyLimit !== undefined ? { bodyLimit: options.bodyLimit } : {}) });
  const { registry } = options;

  app.get('/healthz', async (_req, reply) => {
    const healthy = options.operator()?.healthy ?? true;
    return reply.code(healthy ? 200 : 503).send({ status: healthy ? 'ok' : 'failed' });
  });

  app.get('/readyz', async (_req, reply) => {
    const operator = options.operator();
    const ready = operator?.ready ?? false;
    const detail = operator?.detail;
    return reply.code(ready ? 200 : 503).send(detail === undefined ? { ready } : { ready, detail: jsonSafe(detail) });
  });

  app.get('/metrics', async (_req, reply) => {
    const body = await registry.metrics();
    return reply.header('content-type', registry.contentType).send(body);
  });

  app.get<{ Params: { store: string; key: string } }>('/stores/:store/:key', async (req, reply) => {
    const operator = options.operator();
    if (operator?.query === undefined) return reply.code(404).send({ error: 'this operator has no queryable stores' });
    const { store, key } = req.params;
    const answer = await operator.query(store, key);
    if (answer.found) return reply.send({ store, key, partition: answer.partition, value: jsonSafe(answer.value) });
    if (answer.reason === 'unknown-store') return reply.code(404).send({ error: `no store named ${JSON.stringify(store)}` });
    if (answer.reason === 'absent') return reply.code(404).send({ error: 'key not found', store, key, partition: answer.partition });
    const owner = await operator.owner?.(store, key).catch(() => undefined);
    return reply.code(404).send({ error: 'key is owned by another instance', store, key, owner: owner ?? null });
  });

  app.get<{ Params: { store: string; key: string } }>('/stores/:store/:key/owner', async (req, reply) => {
    const operator = options.operator();
    const owner = await operator?.owner?.(req.params.store, req.params.key);
    if (owner === undefined) return reply.code(404).send({ error: `no partitioned store named ${JSON.stringify(req.params.store)}` });
    return reply.send({ store: req.params.store, key: req.params.key, ...owner });
  });

  return app;
}
