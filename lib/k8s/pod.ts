import { ApiObjectMetadata } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { createHash } from 'node:crypto';

/** Metadata of a namespaced object: name, namespace and a copy of the labels. */
export function objectMeta(name: string, namespace: string, labels: Readonly<Record<string, string>>): ApiObjectMetadata {
  return { name, namespace, labels: { ...labels } };
}

interface ResourceSpec {
  readonly requests: { readonly cpu: string; readonly memory: string };
  readonly limits: { readonly cpu: string; readonly memory: string };
}

/** Explicit requests and limits (cdk8s-plus would otherwise add its own defaults). */
export function resourceRequirements(r: ResourceSpec): k8s.ResourceRequirements {
  return {
    requests: { cpu: k8s.Quantity.fromString(r.requests.cpu), memory: k8s.Quantity.fromString(r.requests.memory) },
    limits: { cpu: k8s.Quantity.fromString(r.limits.cpu), memory: k8s.Quantity.fromString(r.limits.memory) },
  };
}

/** Pod-level security context meeting Pod Security Standards "restricted", with a numeric user. */
export function restrictedPodSecurity(uid: number, gid = uid): k8s.PodSecurityContext {
  return {
    runAsNonRoot: true,
    runAsUser: uid,
    runAsGroup: gid,
    fsGroup: gid,
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

/** Container-level security context meeting "restricted"; the root filesystem is read-only. */
export function restrictedContainerSecurity(uid?: number, gid?: number): k8s.SecurityContext {
  return {
    ...(uid === undefined ? {} : { runAsUser: uid, runAsGroup: gid ?? uid, runAsNonRoot: true }),
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    capabilities: { drop: ['ALL'] },
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

/** First 10 hex characters of the SHA-256 of a value's canonical JSON: a content hash for names. */
export function contentHash(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex').slice(0, 10);
}

/** JSON with object keys sorted, so equal values always hash the same. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_k, v) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, (v as Record<string, unknown>)[k]]))
      : v,
  );
}
