import { startContainerStack } from './container-stack.js';
import { startLocalStack, type LocalStack, type LocalStackOptions, type StackEndpoints } from './local-stack.js';
import { StackError } from './errors.js';

/** What test setups need from either kind of stack. */
export interface RunningStack {
  readonly endpoints: StackEndpoints;
  stop(): Promise<void>;
}

/**
 * Starts the stack the way `TRIBUTARY_STACK` says: `local` (default: jars from
 * Maven Central run with `java`) or `containers` (testcontainers, where a
 * Docker engine is reachable).
 */
export async function startStack(options: LocalStackOptions = {}): Promise<RunningStack | LocalStack> {
  const mode = process.env['TRIBUTARY_STACK'] ?? 'local';
  if (mode === 'local' || mode === '') return await startLocalStack(options);
  if (mode === 'containers') return await startContainerStack(options.log);
  throw new StackError('BAD_STACK_MODE', `TRIBUTARY_STACK=${mode} is not a stack mode (expected "local" or "containers")`);
}
