import type { KubeObject } from './render.js';

/** The parts of a container these checks read (a subset of core/v1 Container). */
export interface ContainerView {
  readonly name: string;
  readonly args?: readonly string[];
  readonly env?: readonly EnvVarView[];
  readonly ports?: readonly { readonly name?: string; readonly containerPort: number }[];
  readonly startupProbe?: ProbeView;
  readonly livenessProbe?: ProbeView;
  readonly readinessProbe?: ProbeView;
}

export interface EnvVarView {
  readonly name: string;
  readonly value?: string;
  readonly valueFrom?: {
    readonly fieldRef?: { readonly fieldPath: string };
    readonly secretKeyRef?: { readonly name: string; readonly key: string };
  };
}

export interface ProbeView {
  readonly httpGet?: { readonly path?: string; readonly port: string | number };
  readonly periodSeconds?: number;
  readonly failureThreshold?: number;
}

/** The pod spec fields these checks read. */
export interface PodSpecView {
  readonly containers: readonly ContainerView[];
  readonly terminationGracePeriodSeconds?: number;
  readonly affinity?: Record<string, unknown>;
}

/**
 * The pod template's spec of a Deployment, StatefulSet, DaemonSet or Job
 * (undefined for kinds that run no pods). The shape is trusted: run
 * validateObject first.
 */
export function podSpecOf(object: KubeObject): PodSpecView | undefined {
  if (!['Deployment', 'StatefulSet', 'DaemonSet', 'Job'].includes(object.kind)) return undefined;
  const spec = object['spec'] as { template: { spec: PodSpecView } };
  return spec.template.spec;
}

/**
 * The variables a container sets for its program to read. A variable taken
 * from the downward API (`fieldRef`) and referenced by another one as
 * `$(NAME)` is left out: it exists only for Kubernetes' expansion (e.g.
 * POD_IP inside ADVERTISED_URL), not as a setting of the program.
 */
export function settingEnvNames(container: ContainerView): string[] {
  const env = container.env ?? [];
  const referenced = new Set<string>();
  for (const v of env) for (const m of (v.value ?? '').matchAll(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g)) if (m[1] !== undefined) referenced.add(m[1]);
  return env.filter((v) => !(v.valueFrom?.fieldRef !== undefined && referenced.has(v.name))).map((v) => v.name);
}

/** The value of a plain env variable of a container, if it has one. */
export function envValue(container: ContainerView, name: string): string | undefined {
  return container.env?.find((v) => v.name === name)?.value;
}
