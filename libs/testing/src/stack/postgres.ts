import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { StackError } from './errors.js';

/** The database the stack uses unless `DATABASE_URL` says otherwise: the machine's local server. */
export const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/test';

export function databaseUrlFromEnv(): string {
  const url = process.env['DATABASE_URL'];
  return url !== undefined && url !== '' ? url : DEFAULT_DATABASE_URL;
}

function redact(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
}

/** Fails with what to start or set when PostgreSQL at `url` does not answer. */
export async function checkPostgres(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
  } catch (error) {
    throw new StackError(
      'POSTGRES_UNREACHABLE',
      `PostgreSQL at ${redact(url)} does not answer: ${(error as Error).message}`,
      'start the server (e.g. `pg_ctlcluster <version> main start`) or set DATABASE_URL to one that runs',
    );
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** A database made for one test run; `drop()` removes it. */
export interface TestDatabase {
  readonly url: string;
  readonly name: string;
  drop(): Promise<void>;
}

/** Creates a fresh, uniquely named database on the server of `serverUrl`. */
export async function createTestDatabase(serverUrl = databaseUrlFromEnv(), prefix = 'tributary_test'): Promise<TestDatabase> {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    async drop() {
      const c = new pg.Client({ connectionString: serverUrl });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}
