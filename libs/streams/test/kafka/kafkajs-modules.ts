import { createRequire } from 'node:module';
import { kafkajs } from '../../src/kafka/kafkajs.js';

/*
 * The tests of the runtime's kafkajs replacements compare each with the
 * kafkajs module it replaces. Both come from here: `runtimeModule` is what the
 * runtime's copy uses (the replacement), `kafkajsOriginal` the original file
 * loaded afresh (the cache entry is put back, so the copy is left as it was).
 */

kafkajs();
const require = createRequire(import.meta.url);

/** A kafkajs module (`kafkajs/src/…`) as the runtime's copy has it. */
export function runtimeModule<T>(modulePath: string): T {
  return require(modulePath) as T;
}

/** kafkajs' own version of a module the runtime's copy replaces. */
export function kafkajsOriginal<T>(modulePath: string): T {
  const resolved = require.resolve(modulePath);
  const cached = require.cache[resolved];
  delete require.cache[resolved];
  const original = require(resolved) as T;
  if (cached !== undefined) require.cache[resolved] = cached;
  return original;
}
