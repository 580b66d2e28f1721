import { PodMonitor, PrometheusRule, ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';
import { DaemonSet } from 'kubernetes-models/apps/v1/DaemonSet';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { StatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { CronJob } from 'kubernetes-models/batch/v1/CronJob';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { Ingress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { Role } from 'kubernetes-models/rbac.authorization.k8s.io/v1/Role';
import { RoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { PersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import type { KubeObject } from './render.js';

/** A model class of kubernetes-models: built from an object's data, `validate()` throws on a schema violation. */
type ModelClass = (new (data: never) => { validate(): void }) & { readonly apiVersion: string; readonly kind: string };

const MODELS: readonly ModelClass[] = [
  Deployment,
  StatefulSet,
  DaemonSet,
  Service,
  ConfigMap,
  Secret,
  ServiceAccount,
  PersistentVolumeClaim,
  PodDisruptionBudget,
  HorizontalPodAutoscaler,
  Job,
  CronJob,
  Ingress,
  NetworkPolicy,
  Role,
  RoleBinding,
  ServiceMonitor,
  PodMonitor,
  PrometheusRule,
];

const BY_TYPE = new Map(MODELS.map((model) => [`${model.apiVersion}/${model.kind}`, model]));

/** The `apiVersion/kind` pairs {@link validateObject} knows a schema for. */
export const KNOWN_KINDS: readonly string[] = [...BY_TYPE.keys()];

/** Why one rendered object is not valid for the Kubernetes API. */
export interface ValidationProblem {
  /** `Kind/name`. */
  readonly object: string;
  readonly message: string;
}

/**
 * Checks one object against the Kubernetes API's OpenAPI schema for its
 * apiVersion and kind (kubernetes-models, offline; the Prometheus Operator's
 * CRDs from @kubernetes-models/prometheus-operator). An apiVersion/kind with
 * no known schema is a problem, never a pass: a chart that renders a kind
 * this table lacks must add it here, not slip through unchecked.
 *
 * Limits: the schemas check types, required fields and enums, but allow
 * unknown fields (the API server's strict field validation would reject
 * those) and know nothing of cross-object references.
 */
export function validateObject(object: KubeObject): ValidationProblem | undefined {
  const id = `${object.kind}/${object.metadata.name}`;
  const model = BY_TYPE.get(`${object.apiVersion}/${object.kind}`);
  if (model === undefined) return { object: id, message: `no schema for apiVersion ${object.apiVersion} kind ${object.kind} (known: ${KNOWN_KINDS.join(', ')})` };
  try {
    new model(object as never).validate();
    return undefined;
  } catch (error) {
    return { object: id, message: (error as Error).message };
  }
}

/** {@link validateObject} over many objects; an empty array means all are valid. */
export function validateObjects(objects: readonly KubeObject[]): ValidationProblem[] {
  return objects.map(validateObject).filter((p): p is ValidationProblem => p !== undefined);
}
