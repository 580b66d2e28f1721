/**
 * Where the time goes: the top self-time functions of a V8 `.cpuprofile`
 * (what `node --cpu-prof` writes). Self time per node is its sample count ×
 * the mean sampling interval; nodes of the same function (name + url + line)
 * are summed.
 */

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly hitCount?: number;
}

export interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly startTime: number;
  readonly endTime: number;
  readonly samples?: readonly number[];
}

export interface SelfTime {
  readonly fn: string;
  readonly where: string;
  readonly ms: number;
  readonly share: number;
}

/** The `top` functions by self time, each with its share of all samples. */
export function topSelfTime(profile: CpuProfile, top = 15): SelfTime[] {
  const hits = new Map<number, number>();
  if (profile.samples !== undefined && profile.samples.length > 0) {
    for (const id of profile.samples) hits.set(id, (hits.get(id) ?? 0) + 1);
  } else {
    for (const n of profile.nodes) hits.set(n.id, n.hitCount ?? 0);
  }
  const total = [...hits.values()].reduce((a, b) => a + b, 0);
  if (total === 0) return [];
  const msPerSample = (profile.endTime - profile.startTime) / 1000 / total;
  const byFunction = new Map<string, { fn: string; where: string; samples: number }>();
  for (const n of profile.nodes) {
    const count = hits.get(n.id) ?? 0;
    if (count === 0) continue;
    const fn = n.callFrame.functionName === '' ? '(anonymous)' : n.callFrame.functionName;
    const file = n.callFrame.url.replace(/^file:\/\//, '').replace(/^.*\/(node_modules|libs|bench|services)\//, '$1/');
    const where = file === '' ? '' : `${file}:${n.callFrame.lineNumber + 1}`;
    const key = `${fn}\0${where}`;
    const entry = byFunction.get(key) ?? { fn, where, samples: 0 };
    entry.samples += count;
    byFunction.set(key, entry);
  }
  return [...byFunction.values()]
    .sort((a, b) => b.samples - a.samples)
    .slice(0, top)
    .map((e) => ({ fn: e.fn, where: e.where, ms: e.samples * msPerSample, share: e.samples / total }));
}
