/**
 * A reference model server: serves one ONNX model (run with onnxruntime by
 * the operator's own OnnxScorer) over both remote protocols of
 * remote-protocol.ts, for tests and as a starting point for users.
 *
 *   MODEL_PATH=models/coldchain-risk/model.onnx PORT=8500 \
 *     node --import tsx --conditions=source services/score/src/remote/model-server.ts
 *
 * It prints `{"msg":"listening","url":…,"endpoint":…,"v2":…}` (the services' start line);
 * point the operator's MODEL_ENDPOINT at `endpoint` (`/models/<name>`,
 * the Tributary protocol) or `v2` (`/v2/models/<name>`, KServe v2).
 * Scoring is a pure function of the rows: the same request always gets the
 * same answer, so it ignores `Idempotency-Key`.
 */
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { pathToFileURL } from 'node:url';
import { resolveMetadata } from '../model/model-loader.js';
import { EMBEDDED_METADATA_KEY, parseModelMetadata, type ModelMetadata } from '../model/model-metadata.js';
import { metadataPathFor, OnnxScorer, type BatchScorer } from '../model/onnx-scorer.js';
import type { ScoreResponse, V2Tensor } from './remote-protocol.js';

/** Largest request body accepted (a 256-row batch of 10 features is ~50 kB). */
const MAX_BODY_BYTES = 16 * 1024 * 1024;

class BadRequest extends Error {}

async function readBody(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new BadRequest(`body larger than ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch (error) {
    throw new BadRequest(`body is not JSON: ${(error as Error).message}`);
  }
}

function send(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  response.end(text);
}

function finiteRows(values: unknown[], width: number, what: string): Float32Array {
  const out = new Float32Array(values.length);
  values.forEach((v, i) => {
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new BadRequest(`${what}: value ${i} is ${JSON.stringify(v)}, not a finite number`);
    out[i] = v;
  });
  if (values.length % width !== 0) throw new BadRequest(`${what}: ${values.length} values are not rows of ${width}`);
  return out;
}

/** Rows of a Tributary-protocol request, checked against the model. */
function tributaryRows(body: unknown, metadata: ModelMetadata): Float32Array {
  const { model, features, rows } = (body ?? {}) as Record<string, unknown>;
  if (model !== undefined && model !== metadata.name) throw new BadRequest(`this server serves model ${metadata.name}, not ${JSON.stringify(model)}`);
  if (!Array.isArray(features) || features.join('\u0000') !== metadata.features.join('\u0000')) {
    throw new BadRequest(`"features" must be [${metadata.features.join(', ')}] in this order, not ${JSON.stringify(features)}`);
  }
  const width = metadata.features.length;
  if (!Array.isArray(rows) || rows.some((r) => !Array.isArray(r) || r.length !== width)) throw new BadRequest(`"rows" must be an array of rows of ${width} numbers`);
  return finiteRows((rows as unknown[][]).flat(), width, 'rows');
}

/** Rows of a v2 request: one FP32 input [N, F]. */
function v2Rows(body: unknown, metadata: ModelMetadata): Float32Array {
  const inputs = (body as { inputs?: unknown } | null)?.inputs;
  const width = metadata.features.length;
  if (!Array.isArray(inputs) || inputs.length !== 1) throw new BadRequest('expected "inputs" with one tensor');
  const input = inputs[0] as Partial<V2Tensor>;
  if (input.datatype !== 'FP32') throw new BadRequest(`input datatype ${String(input.datatype)}; expected FP32`);
  const shape = input.shape;
  if (!Array.isArray(shape) || shape.length !== 2 || shape[1] !== width || !Number.isInteger(shape[0])) throw new BadRequest(`input shape ${JSON.stringify(shape)}; expected [N, ${width}]`);
  if (!Array.isArray(input.data)) throw new BadRequest('input has no "data" array');
  const rows = finiteRows(input.data.flat(Number.POSITIVE_INFINITY) as unknown[], width, 'input data');
  if (rows.length !== (shape[0] as number) * width) throw new BadRequest(`input has ${rows.length} values for shape [${shape.join(', ')}]`);
  return rows;
}

/** The HTTP handler of a server for `scorer` (not listening: call `listen`). */
export function buildModelServer(scorer: BatchScorer): Server {
  const metadata = scorer.metadata;
  const name = encodeURIComponent(metadata.name);
  const tributaryPath = `/models/${name}`;
  const v2Path = `/v2/models/${name}`;
  const width = metadata.features.length;

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = new URL(request.url ?? '/', 'http://x').pathname.replace(/\/+$/, '');
    const method = request.method ?? 'GET';
    if (method === 'GET' && (path === '/healthz' || path === '/readyz' || path === '/v2/health/ready' || path === '/v2/health/live')) return send(response, 200, { status: 'ok' });
    if (method === 'GET' && path === tributaryPath) return send(response, 200, metadata);
    if (method === 'GET' && (path === v2Path || path === `${v2Path}/versions/${metadata.version}`)) {
      return send(response, 200, {
        name: metadata.name,
        versions: [metadata.version],
        platform: 'onnxruntime',
        inputs: [{ name: metadata.inputName ?? 'features', datatype: 'FP32', shape: [-1, width] }],
        outputs: [
          { name: 'risk', datatype: 'FP32', shape: [-1] },
          ...(metadata.contributionsName === undefined ? [] : [{ name: metadata.contributionsName, datatype: 'FP32', shape: [-1, width] }]),
        ],
        parameters: { [EMBEDDED_METADATA_KEY]: JSON.stringify(metadata) },
      });
    }
    const v2 = path === `${v2Path}/infer` || path === `${v2Path}/versions/${metadata.version}/infer`;
    if (method !== 'POST' || (path !== tributaryPath && !v2)) return send(response, 404, { error: `no ${method} ${path}: this server serves ${tributaryPath} and ${v2Path}` });
    const body = await readBody(request);
    const rows = v2 ? v2Rows(body, metadata) : tributaryRows(body, metadata);
    const count = rows.length / width;
    const { risk, contributions } = await scorer.score(rows, count);
    if (!v2) {
      const answer: ScoreResponse = {
        scores: Array.from(risk),
        ...(contributions === undefined ? {} : { contributions: Array.from({ length: count }, (_, r) => Array.from(contributions.subarray(r * width, (r + 1) * width))) }),
        model: { name: metadata.name, version: metadata.version },
      };
      return send(response, 200, answer);
    }
    const id = (body as { id?: unknown }).id;
    const outputs: V2Tensor[] = [{ name: 'risk', shape: [count], datatype: 'FP32', data: Array.from(risk) }];
    if (contributions !== undefined && metadata.contributionsName !== undefined) {
      outputs.push({ name: metadata.contributionsName, shape: [count, width], datatype: 'FP32', data: Array.from(contributions) });
    }
    return send(response, 200, { model_name: metadata.name, model_version: metadata.version, ...(typeof id === 'string' ? { id } : {}), outputs });
  }

  return createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (response.headersSent) return void response.destroy();
      send(response, error instanceof BadRequest ? 400 : 500, { error: (error as Error).message });
    });
  });
}

/** Loads MODEL_PATH (metadata from MODEL_METADATA_PATH, model.json beside it, or embedded) as the operator does. */
export async function loadServedModel(modelPath: string, metadataPath: string | undefined): Promise<OnnxScorer> {
  const bytes = await readFile(modelPath);
  let sidecar: ModelMetadata | undefined;
  const path = metadataPath ?? metadataPathFor(modelPath);
  try {
    sidecar = parseModelMetadata(JSON.parse((await readFile(path)).toString('utf8')), path);
  } catch (error) {
    if (metadataPath !== undefined || (error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  return await OnnxScorer.fromBytes(bytes, resolveMetadata(bytes, sidecar, modelPath), modelPath);
}

async function main(): Promise<void> {
  const { DEFAULT_MODEL_PATH } = await import('../config.js');
  const scorer = await loadServedModel(process.env.MODEL_PATH || DEFAULT_MODEL_PATH, process.env.MODEL_METADATA_PATH || undefined);
  const server = buildModelServer(scorer);
  const host = process.env.HOST || '127.0.0.1';
  await new Promise<void>((resolve) => server.listen(Number(process.env.PORT ?? 8500), host, resolve));
  const { port } = server.address() as { port: number };
  const url = `http://${host}:${port}`;
  const name = encodeURIComponent(scorer.metadata.name);
  console.log(
    JSON.stringify({ msg: 'listening', url, endpoint: `${url}/models/${name}`, v2: `${url}/v2/models/${name}`, model: scorer.metadata.name, version: scorer.metadata.version }),
  );
  const stop = () => {
    server.close(() => void scorer.release().then(() => process.exit(0)));
    server.closeAllConnections();
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    console.error(JSON.stringify({ msg: 'model server failed', error: (error as Error).message }));
    process.exit(1);
  });
}
