/**
 * CI's schema gate: starts a throwaway stack (free ports, temporary data,
 * servers tied to this process), runs `npm run schemas -- check` against
 * its registry, registers the schemas, checks again (now against what was
 * registered), and stops the stack. Exits non-zero if any step fails.
 *
 * With SCHEMA_REGISTRY_URL set to a long-lived registry, CI should instead
 * run `npm run schemas -- check` against it: that is the gate that compares
 * with what production has registered.
 */
import { startLocalStack } from '@tributary/testing';
import { main } from '../../libs/avro/src/cli/main.js';

const stack = await startLocalStack({ log: (line) => console.error(`stack: ${line}`) });
let code = 1;
try {
  const registry = ['--registry', stack.endpoints.SCHEMA_REGISTRY_URL];
  code = await main(['check', ...registry]);
  if (code === 0) code = await main(['register', ...registry]);
  if (code === 0) code = await main(['check', ...registry]);
} finally {
  await stack.stop();
}
process.exit(code);
