import os from 'node:os';
import path from 'node:path';

/**
 * Where downloaded jars and the CLI stack's data live: outside the work tree,
 * so a fresh clone reuses them. `TRIBUTARY_CACHE` overrides it.
 */
export function cacheDir(): string {
  const fromEnv = process.env['TRIBUTARY_CACHE'];
  if (fromEnv !== undefined && fromEnv !== '') return path.resolve(fromEnv);
  const xdg = process.env['XDG_CACHE_HOME'];
  const base = xdg !== undefined && xdg !== '' ? xdg : path.join(os.homedir(), '.cache');
  return path.join(base, 'tributary');
}
