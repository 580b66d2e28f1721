import { describe, expect, it } from 'vitest';
import { DeserializationError, GlobalKeyValueStore, json, string, type Serde } from '../../src/index.js';

type Site = { city: string };
const definition = { name: 'sites', topic: 'sites', serdes: { key: string(), value: json<Site>() } };
const bytes = (s: string) => Buffer.from(s);

describe('GlobalKeyValueStore', () => {
  it('applies records in order: a value replaces, a null value deletes, a null key is ignored', () => {
    const store = new GlobalKeyValueStore<string, Site>(definition);
    expect(store.apply({ key: bytes('s1'), value: bytes('{"city":"Oslo"}') })).toBeUndefined();
    void store.apply({ key: bytes('s2'), value: bytes('{"city":"Rome"}') });
    void store.apply({ key: bytes('s1'), value: bytes('{"city":"Bergen"}') });
    void store.apply({ key: bytes('s2'), value: null });
    void store.apply({ key: null, value: bytes('{"city":"Nowhere"}') });
    expect(store.get('s1')).toEqual({ city: 'Bergen' });
    expect(store.get('s2')).toBeUndefined();
    expect([...store.all()]).toEqual([['s1', { city: 'Bergen' }]]);
    expect(store.size()).toBe(1);
    expect(store.name).toBe('sites');
    store.clear();
    expect(store.size()).toBe(0);
  });

  it('throws a DeserializationError naming the store for an undecodable record', () => {
    const store = new GlobalKeyValueStore<string, Site>(definition);
    expect(() => store.apply({ key: bytes('s1'), value: bytes('{') })).toThrow(DeserializationError);
    expect(() => store.apply({ key: bytes('s1'), value: bytes('{') })).toThrow(/^global store "sites" cannot decode a record of sites: /);
    expect(store.size()).toBe(0);
  });

  it('returns a Promise when a serde is asynchronous, and rejects it on a decode failure', async () => {
    const asyncJson: Serde<Site> = {
      serialize: (v) => Promise.resolve(Buffer.from(JSON.stringify(v))),
      deserialize: (d) => Promise.resolve().then(() => JSON.parse(d.toString()) as Site),
    };
    const store = new GlobalKeyValueStore<string, Site>({ ...definition, serdes: { key: string(), value: asyncJson } });
    const pending = store.apply({ key: bytes('s1'), value: bytes('{"city":"Oslo"}') });
    expect(pending).toBeInstanceOf(Promise);
    expect(store.get('s1')).toBeUndefined();
    await pending;
    expect(store.get('s1')).toEqual({ city: 'Oslo' });
    await expect(store.apply({ key: bytes('s2'), value: bytes('nope') })).rejects.toThrow(DeserializationError);
  });
});
