/**
 * Vitest global setup for broker-backed tests (`*.int.test.ts`): starts one
 * real stack on free ports for the whole run and stops it afterwards. Tests
 * read the endpoints with `stackEndpoints()`.
 */
import type { TestProject } from 'vitest/node';
import { startStack } from '../stack/stack-mode.js';
import type { StackEndpoints } from '../stack/local-stack.js';

declare module 'vitest' {
  export interface ProvidedContext {
    stack: StackEndpoints;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const started = Date.now();
  const stack = await startStack({ log: (line) => process.stderr.write(`stack: ${line}\n`) });
  process.stderr.write(`stack: up in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  project.provide('stack', stack.endpoints);
  // Child processes that tests spawn (operators, crash-test apps) find the stack here too.
  Object.assign(process.env, stack.endpoints);
  return async () => {
    await stack.stop();
  };
}
