/**
 * A small client for a Confluent-compatible schema registry, built on the
 * HTTP client of `@kafkajs/confluent-schema-registry` (its resources, retry
 * on 5xx, basic auth, user agent). It adds what the serde needs: raw schema
 * text by id (so the serde builds its own `avsc` types with Tributary's
 * logical types), de-duplicated in-flight lookups, and typed errors — an
 * unreachable registry or a 5xx is `RegistryUnavailable` (retriable), a
 * 404 on an id is `UnknownSchemaId`, a 409 is `SchemaRejected`.
 */
import apiModule from '@kafkajs/confluent-schema-registry/dist/api/index.js';
import type { SchemaRegistryAPIClient, SchemaRegistryAPIClientArgs } from '@kafkajs/confluent-schema-registry/dist/api/index.js';
import { RegistryError, RegistryUnavailable, SchemaRejected, UnknownSchemaId } from '../errors.js';
import { checkCompatibility } from '../schema/compatibility.js';
import type { AvroSchema } from '../schema/types.js';
import { DEFAULT_COMPATIBILITY, isCompatibilityLevel, type CompatibilityLevel } from './compatibility-level.js';

// The package is CommonJS with `exports.default`: Node's default import is the module object, bundlers' (Vite) the function.
type ApiFactory = (args: SchemaRegistryAPIClientArgs) => SchemaRegistryAPIClient;
const imported = apiModule as unknown as ApiFactory | { default: ApiFactory };
const createApiClient: ApiFactory = typeof imported === 'function' ? imported : imported.default;

/** Per-request timeout unless the options give one. */
export const DEFAULT_REGISTRY_TIMEOUT_MS = 30_000;

/** How long an id the registry did not know is answered from memory. */
const UNKNOWN_ID_TTL_MS = 30_000;

export interface RegistryClientOptions {
  /** Base URL of the Confluent-compatible API, e.g. `http://127.0.0.1:8081/apis/ccompat/v7`. */
  readonly url: string;
  readonly auth?: { readonly username: string; readonly password: string };
  /**
   * Per-request timeout (default 30 s, as the Confluent Python client and
   * NiFi); a timeout is `RegistryUnavailable`. A registry that journals its
   * writes to Kafka (Apicurio's kafkasql) can take seconds to answer a
   * register while its broker is busy; giving up sooner only means asking
   * the same busy registry again.
   */
  readonly timeoutMs?: number;
  /** Retries on 5xx answers (the library's jittered backoff); default 3. Unreachable registries are not retried here: the caller's retry policy sees `RegistryUnavailable`. */
  readonly retries?: number;
}

/** One registered version of a subject. */
export interface SubjectVersion {
  readonly subject: string;
  readonly version: number;
  readonly id: number;
  /** The schema text as registered. */
  readonly schema: string;
}

interface HttpFailure {
  readonly status?: number;
  readonly message?: string;
}

export class RegistryClient {
  readonly url: string;
  private readonly api: SchemaRegistryAPIClient;
  private readonly auth: RegistryClientOptions['auth'];
  private readonly timeoutMs: number;
  private readonly schemas = new Map<number, string>();
  private readonly inFlight = new Map<number, Promise<string>>();
  /** Ids the registry said it does not know, until when (ms): a stream of bad ids must not turn into a stream of requests. */
  private readonly unknownIds = new Map<number, number>();

  constructor(options: RegistryClientOptions) {
    if (options.url === '') throw new RegistryError('no schema registry URL: set SCHEMA_REGISTRY_URL or pass --registry <url>');
    this.url = options.url.replace(/\/+$/, '');
    this.auth = options.auth;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_REGISTRY_TIMEOUT_MS;
    this.api = createApiClient({
      host: this.url,
      ...(options.auth === undefined ? {} : { auth: { username: options.auth.username, password: options.auth.password } }),
      retry: { retries: options.retries ?? 3, maxRetryTimeInSecs: 5 },
      middlewares: [timeoutMiddleware(this.timeoutMs)],
    });
  }

  /** The schema text registered with `id`; cached forever (ids are immutable), one request per id at a time. */
  schemaById(id: number): Promise<string> {
    const cached = this.schemas.get(id);
    if (cached !== undefined) return Promise.resolve(cached);
    const unknownUntil = this.unknownIds.get(id);
    if (unknownUntil !== undefined && unknownUntil > Date.now()) return Promise.reject(new UnknownSchemaId(id, this.url));
    let pending = this.inFlight.get(id);
    if (pending === undefined) {
      pending = this.call(`GET /schemas/ids/${id}`, () => this.api.Schema.find({ id }))
        .then((data) => {
          const schema = (data as { schema: string }).schema;
          this.schemas.set(id, schema);
          return schema;
        })
        .catch((error: unknown) => {
          if (statusOf(error) === 404) {
            if (this.unknownIds.size > 10_000) this.unknownIds.clear();
            this.unknownIds.set(id, Date.now() + UNKNOWN_ID_TTL_MS);
            throw new UnknownSchemaId(id, this.url);
          }
          throw error;
        })
        .finally(() => this.inFlight.delete(id));
      this.inFlight.set(id, pending);
    }
    return pending;
  }

  /** Registers `schema` under `subject` (idempotent: an identical schema returns its existing id). */
  async register(subject: string, schema: string): Promise<number> {
    try {
      const data = (await this.call(`POST /subjects/${subject}/versions`, () =>
        this.api.Subject.register({ subject, body: { schema } }),
      )) as { id: number };
      this.schemas.set(data.id, schema);
      return data.id;
    } catch (error) {
      if (statusOf(error) === 409) {
        const why = await this.explainRejection(subject, schema).catch(() => '');
        throw new SchemaRejected(subject, `the registry refused the schema for subject "${subject}" as incompatible (HTTP 409: ${registryMessage(error)})${why}`, error);
      }
      throw error;
    }
  }

  /** Names the fields and rules behind a 409, in Tributary's words (best effort: empty when it finds none). */
  private async explainRejection(subject: string, schema: string): Promise<string> {
    const [level, latest] = await Promise.all([this.compatibilityLevel(subject), this.latest(subject)]);
    if (latest === undefined) return '';
    const violations = checkCompatibility(level, JSON.parse(schema) as AvroSchema, [{ version: latest.version, schema: JSON.parse(latest.schema) as AvroSchema }]);
    if (violations.length === 0) return '';
    return `; under ${level}: ${violations.map((v) => `field ${v.path}: ${v.type}: ${v.advice}`).join('; ')}`;
  }

  /** The id of `schema` if it is registered under `subject`, else undefined. */
  async lookup(subject: string, schema: string): Promise<number | undefined> {
    try {
      const data = (await this.call(`POST /subjects/${subject}`, () => this.api.Subject.registered({ subject, body: { schema } }))) as { id: number };
      this.schemas.set(data.id, schema);
      return data.id;
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw error;
    }
  }

  /** The latest version of `subject`, or undefined when the subject has none. */
  async latest(subject: string): Promise<SubjectVersion | undefined> {
    return this.version(subject, 'latest');
  }

  async version(subject: string, version: number | 'latest'): Promise<SubjectVersion | undefined> {
    try {
      const data = (await this.call(`GET /subjects/${subject}/versions/${version}`, () =>
        this.api.Subject.version({ subject, version }),
      )) as SubjectVersion;
      return { subject, version: data.version, id: data.id, schema: data.schema };
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw error;
    }
  }

  /** Version numbers registered under `subject`, oldest first ([] when none). */
  async versions(subject: string): Promise<number[]> {
    const answer = await this.fetchJson(`/subjects/${encodeURIComponent(subject)}/versions`);
    return answer === undefined ? [] : (answer as number[]);
  }

  /** The subject's compatibility level, else the registry's global one, else BACKWARD. */
  async compatibilityLevel(subject: string): Promise<CompatibilityLevel> {
    const own = await this.fetchJson(`/config/${encodeURIComponent(subject)}`);
    const level = levelOf(own) ?? levelOf(await this.fetchJson('/config'));
    return level ?? DEFAULT_COMPATIBILITY;
  }

  async setCompatibilityLevel(subject: string, level: CompatibilityLevel): Promise<void> {
    await this.call(`PUT /config/${subject}`, () => this.api.Subject.updateConfig({ subject, body: { compatibility: level } }));
  }

  /** The registry's own verdict on `schema` against the subject's rule (true when the subject is new). */
  async isCompatible(subject: string, schema: string): Promise<boolean> {
    try {
      const data = (await this.call(`POST /compatibility/subjects/${subject}/versions/latest`, () =>
        this.api.Subject.compatible({ subject, body: { schema } }),
      )) as { is_compatible: boolean };
      return data.is_compatible;
    } catch (error) {
      if (statusOf(error) === 404) return true;
      throw error;
    }
  }

  /** Runs one library call; turns transport failures and 5xx into `RegistryUnavailable`, other failures into `RegistryError`. */
  private async call(what: string, request: () => Promise<{ data(): unknown }>): Promise<unknown> {
    try {
      const response = await request();
      return response.data();
    } catch (error) {
      throw this.classify(what, error);
    }
  }

  private classify(what: string, error: unknown): Error {
    const status = statusOf(error);
    // The library reports a connection failure as a 400 without a registry body ("Error, status 400: connect ECONNREFUSED …").
    const transport = status === undefined || status === 408 || (status === 400 && /Error, status 400: /.test(messageOf(error)));
    if (transport || (status !== undefined && status >= 500)) {
      return new RegistryUnavailable(`schema registry ${this.url} unavailable (${what}): ${registryMessage(error)}`, {
        ...(status === undefined || transport ? {} : { status }),
        cause: error,
      });
    }
    if (status === 404 || status === 409) return error as Error; // callers give these their meaning
    return new RegistryError(`schema registry ${this.url} refused ${what} (HTTP ${status}): ${registryMessage(error)}`, status, error);
  }

  /** GET through fetch, for the two endpoints the library has no resource for; undefined on 404. */
  private async fetchJson(path: string): Promise<unknown> {
    const headers: Record<string, string> = { Accept: 'application/vnd.schemaregistry.v1+json, application/json' };
    if (this.auth !== undefined) headers['Authorization'] = `Basic ${Buffer.from(`${this.auth.username}:${this.auth.password}`).toString('base64')}`;
    let response: Response;
    try {
      response = await fetch(`${this.url}${path}`, { headers, signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (error) {
      throw new RegistryUnavailable(`schema registry ${this.url} unavailable (GET ${path}): ${messageOf(error)}`, { cause: error });
    }
    if (response.status === 404) return undefined;
    const text = await response.text();
    if (response.status >= 500) throw new RegistryUnavailable(`schema registry ${this.url} answered ${response.status} to GET ${path}: ${text}`, { status: response.status });
    if (!response.ok) throw new RegistryError(`schema registry ${this.url} refused GET ${path} (HTTP ${response.status}): ${text}`, response.status);
    return JSON.parse(text) as unknown;
  }
}

type MiddlewareFactory = NonNullable<SchemaRegistryAPIClientArgs['middlewares']>[number];

/** Gives every request a timeout (mappersmith then fails it like a lost connection: `RegistryUnavailable`). */
function timeoutMiddleware(ms: number): MiddlewareFactory {
  return () => ({
    prepareRequest: (next) => next().then((request) => request.enhance({ timeout: ms })),
  });
}

function levelOf(answer: unknown): CompatibilityLevel | undefined {
  if (answer === undefined || answer === null || typeof answer !== 'object') return undefined;
  const value = (answer as { compatibilityLevel?: unknown; compatibility?: unknown }).compatibilityLevel ?? (answer as { compatibility?: unknown }).compatibility;
  return isCompatibilityLevel(value) ? (value.toUpperCase() as CompatibilityLevel) : undefined;
}

function statusOf(error: unknown): number | undefined {
  const status = (error as HttpFailure | undefined)?.status;
  return typeof status === 'number' ? status : undefined;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The registry's own message, without the library's client-name prefix. */
function registryMessage(error: unknown): string {
  return messageOf(error).replace(/^Confluent_Schema_Registry - /, '');
}
