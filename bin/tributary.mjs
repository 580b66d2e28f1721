#!/usr/bin/env node
/**
 * The image's entrypoint: `tributary <command>` runs one Tributary program.
 * One image carries every program; the first argument picks which (in
 * Kubernetes `args: ["score"]`, in compose `command: ["score"]`).
 *
 * The program is loaded into THIS process with a dynamic import, never
 * spawned as a child: in a container this process is PID 1, and the
 * program's own SIGTERM/SIGINT handlers (the operators': finish the open
 * transaction, leave the group, exit) are PID 1's handlers. A wrapper
 * process would have to forward signals and exit codes, and would be one
 * more thing to get wrong.
 *
 * Plain JavaScript on purpose (no build step): it only resolves package
 * exports, `@tributary/<service>/main` and `@tributary/e2e/{setup,simulate}`,
 * which point at dist/ in the image and at src/ under `--conditions=source`.
 */

/* global process, console -- Node's globals: the shared lint config declares none for .mjs files */

/**
 * Command → module and a one-line description. Tests read this list from `--help`.
 * @type {Readonly<Record<string, { readonly module: string; readonly about: string }>>}
 */
const COMMANDS = {
  ingest: { module: '@tributary/ingest/main', about: 'HTTP JSON/NDJSON → validated Avro records on coldchain.readings' },
  enrich: { module: '@tributary/enrich/main', about: 'joins readings with container references (global table)' },
  aggregate: { module: '@tributary/aggregate/main', about: 'one-minute tumbling windows per container, emitted once final' },
  score: { module: '@tributary/score/main', about: 'ONNX model on each window: risk scores and alerts' },
  sink: { module: '@tributary/sink/main', about: 'scores and alerts into PostgreSQL, exactly once' },
  'lag-exporter': { module: '@tributary/lag-exporter/main', about: "consumer-group lag and members from the broker's view" },
  setup: { module: '@tributary/e2e/setup', about: 'one-shot: create the pipeline topics, register the schemas, exit 0' },
  simulate: { module: '@tributary/e2e/simulate', about: 'the cold-chain fleet simulator: references, then readings to INGEST_URL' },
};

function usage() {
  const width = Math.max(...Object.keys(COMMANDS).map((name) => name.length));
  return [
    'usage: tributary <command>',
    '',
    'commands:',
    ...Object.entries(COMMANDS).map(([name, { about }]) => `  ${name.padEnd(width)}  ${about}`),
    '',
    'Configuration comes from environment variables (each service README has the table).',
    'HTTP programs serve /healthz, /readyz and /metrics on HTTP_PORT (8080 in the image).',
  ].join('\n');
}

const command = process.argv[2];

if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
  // No command at all is a usage error (a container started without one); asking for help is not.
  if (command === undefined) {
    console.error(usage());
    process.exit(2);
  }
  console.log(usage());
  process.exit(0);
}

const program = Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
if (program === undefined) {
  console.error(`tributary: unknown command ${JSON.stringify(command)}; expected one of: ${Object.keys(COMMANDS).join(', ')} (tributary --help)`);
  process.exit(2);
}

// The program sees its own arguments after argv[1], as if it had been started directly.
process.argv.splice(2, 1);
try {
  await import(program.module);
} catch (/** @type {unknown} */ error) {
  // The operators log their own fatal line before they throw; this one names the command for everything else (e.g. a missing dist/).
  console.error(`tributary ${command}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exit(1);
}
