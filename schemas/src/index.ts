import { fileURLToPath } from 'node:url';

export * from './generated.js';

/** The folder holding the `.avsc` files (this package's root, from `src/` or `dist/`). */
export const SCHEMA_DIR = fileURLToPath(new URL('..', import.meta.url));
