/**
 * Base of every error Tributary raises. `code` is stable and machine-readable;
 * `retriable` says whether trying the same thing again may succeed (default
 * false: unknown failures are not retried).
 */
export class TributaryError extends Error {
  readonly code: string;
  readonly retriable: boolean;

  constructor(code: string, message: string, options: { retriable?: boolean; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.retriable = options.retriable ?? false;
  }
}

/** A setting is missing or wrong; raised at start, naming the setting, its value and what is expected. */
export class ConfigError extends TributaryError {
  constructor(message: string) {
    super('CONFIG', message);
  }
}

/** The topology is not valid (unknown store, mismatched partitions, duplicate names…). */
export class TopologyError extends TributaryError {
  constructor(message: string) {
    super('TOPOLOGY', message);
  }
}

/** A record's key or value could not be decoded. */
export class DeserializationError extends TributaryError {
  constructor(message: string, cause?: unknown) {
    super('DESERIALIZATION', message, { cause, retriable: isRetriable(cause) });
  }
}

/** User code threw while processing a record. */
export class ProcessingError extends TributaryError {
  constructor(message: string, cause?: unknown) {
    super('PROCESSING', message, { cause, retriable: false });
  }
}

/** Another instance took over a task (its producer fenced ours): the task must be dropped, not retried. */
export class TaskMigratedError extends TributaryError {
  constructor(taskId: string, cause?: unknown) {
    super('TASK_MIGRATED', `task ${taskId} was fenced by another instance`, { cause });
  }
}

/** A task failed for good (non-retriable error under the `fail` policy, or retries exhausted). */
export class TaskFailedError extends TributaryError {
  constructor(taskId: string, cause: unknown) {
    super('TASK_FAILED', `task ${taskId} failed: ${errorMessage(cause)}`, { cause });
  }
}

/** True when an error says so itself (`retriable: true`), as Tributary's and kafkajs' errors do. */
export function isRetriable(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { retriable?: unknown }).retriable === true;
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The class name of an error for headers and metrics (`name` for Error subclasses). */
export function errorClass(error: unknown): string {
  if (error instanceof Error) return error.name !== 'Error' ? error.name : error.constructor.name;
  return typeof error;
}

/** Programmer errors are never retried, whatever they claim. */
export function isProgrammerError(error: unknown): boolean {
  return error instanceof TypeError || error instanceof RangeError || error instanceof SyntaxError || error instanceof ReferenceError;
}
