import pino from 'pino';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { buildServer } from '../src/http/server.js';
import type { Operator } from '../src/operator.js';

const operator = (fields: Partial<Operator>): Operator => ({ ready: true, start: async () => undefined, stop: async () => undefined, ...fields });

describe('/readyz', () => {
  it('answers ready alone when the operator gives no detail', async () => {
    const app = buildServer({ log: pino({ level: 'silent' }), registry: new Registry(), operator: () => operator({ ready: false }) });
    const res = await app.inject({ method: 'GET', url: '/readyz' });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toEqual({ ready: false });
    await app.close();
  });

  it("adds the operator's detail, read at each request", async () => {
    let version = '1';
    const op: Operator = {
      ready: true,
      start: async () => undefined,
      stop: async () => undefined,
      get detail() {
        return { model: { version }, offset: 5n };
      },
    };
    const app = buildServer({ log: pino({ level: 'silent' }), registry: new Registry(), operator: () => op });
    expect((await app.inject({ method: 'GET', url: '/readyz' })).json()).toEqual({ ready: true, detail: { model: { version: '1' }, offset: '5' } });
    version = '2';
    const res = await app.inject({ method: 'GET', url: '/readyz' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ ready: true, detail: { model: { version: '2' }, offset: '5' } });
    await app.close();
  });
});
