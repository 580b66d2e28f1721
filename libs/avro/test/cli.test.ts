import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../src/cli/main.js';

async function run(args: string[]): Promise<{ code: number; out: string }> {
  const lines: string[] = [];
  const code = await main(args, (line) => lines.push(line));
  return { code, out: lines.join('\n') };
}

describe('schemas CLI (no registry needed)', () => {
  it('prints usage and exits 2 on an unknown or missing command', async () => {
    expect(await run([])).toMatchObject({ code: 2, out: expect.stringContaining('usage: npm run schemas') as string });
    expect(await run(['frobnicate'])).toMatchObject({ code: 2, out: expect.stringContaining('unknown command "frobnicate"') as string });
  });

  it('asks for a registry when neither --registry nor SCHEMA_REGISTRY_URL is given', async () => {
    const saved = process.env['SCHEMA_REGISTRY_URL'];
    delete process.env['SCHEMA_REGISTRY_URL'];
    try {
      expect(await run(['check'])).toMatchObject({ code: 2, out: expect.stringContaining('--registry <url>') as string });
    } finally {
      if (saved !== undefined) process.env['SCHEMA_REGISTRY_URL'] = saved;
    }
  });

  it('codegen writes interfaces for the schemas in --dir to --out', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'codegen-'));
    writeFileSync(
      path.join(dir, 'orders-value.avsc'),
      JSON.stringify({ type: 'record', name: 'Order', doc: 'An order.', fields: [{ name: 'id', type: 'string', doc: 'Order id.' }, { name: 'total', type: ['null', 'double'], default: null }] }),
    );
    const out = path.join(dir, 'types.ts');
    expect((await run(['codegen', '--dir', dir, '--out', out])).code).toBe(0);
    const text = readFileSync(out, 'utf8');
    expect(text).toContain('/** An order. */\nexport interface Order {\n  /** Order id. */\n  readonly id: string;\n  readonly total: number | null;\n}');
    expect(text).toContain('export const OrderSchema: TypedSchema<Order>');
    expect(text).toContain("'orders-value': OrderSchema");
  });
});
