/** `--name=value` arguments (and bare `--flag` = "true") as a map; anything else is an error naming it. */
export function parseArgs(argv: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const a of argv) {
    if (!a.startsWith('--')) throw new Error(`arguments are --name=value, got "${a}"`);
    const eq = a.indexOf('=');
    if (eq < 0) out.set(a.slice(2), 'true');
    else out.set(a.slice(2, eq), a.slice(eq + 1));
  }
  return out;
}
