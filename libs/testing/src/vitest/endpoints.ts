import { inject } from 'vitest';
import type { StackEndpoints } from '../stack/local-stack.js';
// Brings in the `ProvidedContext.stack` declaration, also for projects that compile this file without the setup.
import type {} from './stack-setup.js';

/** The endpoints of the stack the integration project's global setup started. */
export function stackEndpoints(): StackEndpoints {
  const endpoints = inject('stack') as StackEndpoints | undefined;
  if (endpoints === undefined) {
    throw new Error('no stack endpoints: run broker-backed tests as *.int.test.ts (the "integration" project starts the stack)');
  }
  return endpoints;
}
