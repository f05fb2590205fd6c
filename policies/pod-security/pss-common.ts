/**
 * Helpers shared by the Pod Security Standards policies. They mirror how Pod Security Admission reads
 * a decoded Pod: a pointer field is "set" when it is present and not null (JSON null decodes to nil),
 * and a nested object of the wrong type is treated as absent rather than trusted.
 */
import { asRecord, containersOf, getIn, type FixOperation, type PodSubject, type Violation, type VisitedContainer } from '../../src/sdk.js';

export type JsonRecord = Record<string, unknown>;

/** True when a field is set in the Go sense: present and not null. */
export function isSet(value: unknown): boolean {
  return value !== undefined && value !== null;
}

/** The container's securityContext, or undefined when it is absent or not an object. */
export function containerSecurityContext(c: VisitedContainer): JsonRecord | undefined {
  return asRecord((c.container as JsonRecord).securityContext);
}

/** The pod's securityContext, or undefined when it is absent or not an object. */
export function podSecurityContext(pod: PodSubject): JsonRecord | undefined {
  return asRecord((pod.spec as JsonRecord).securityContext);
}

/** `spec.os.name: windows`: Windows pods are exempt from the Linux-only restricted checks from v1.25. */
export function isWindowsPod(pod: PodSubject): boolean {
  return getIn(pod.spec, ['os', 'name']) === 'windows';
}

/** `spec.hostUsers: false`: the pod runs in its own user namespace (relaxes some checks from v1.35). */
export function isUserNamespacedPod(pod: PodSubject): boolean {
  return (pod.spec as JsonRecord).hostUsers === false;
}

/** The annotations of the pod (or template); an annotations field of the wrong type counts as none. */
export function annotationsOf(pod: PodSubject): JsonRecord {
  return asRecord(pod.metadata.annotations) ?? {};
}

/** A value for a message: strings quoted, anything else as JSON, never a whole object. */
export function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === null || typeof value !== 'object') return String(value);
  return Array.isArray(value) ? 'a list' : 'an object';
}

/** A violation value: scalars only (reports must not carry object contents). */
export function scalar(value: unknown): unknown {
  return value === null || typeof value !== 'object' ? value : undefined;
}

/** Controls shared by every Pod Security Standards policy, plus the check's own. */
export function pssControls(level: 'baseline' | 'restricted', checkId: string, cis: string[]): string[] {
  return [`pss:${level}/${checkId}`, ...cis.map((c) => `cis-k8s:${c}`), 'nsa:pod-security'];
}

/**
 * Containers that unmask /proc: `securityContext.procMount` set to anything but `Default`. Shared by
 * the baseline check and the restricted one that replaces it from v1.35.
 */
export function procMountViolations(pod: PodSubject): Violation[] {
  const out: Violation[] = [];
  for (const c of containersOf(pod.spec)) {
    const procMount = containerSecurityContext(c)?.procMount;
    if (!isSet(procMount) || procMount === 'Default') continue;
    out.push({
      path: [...c.path, 'securityContext', 'procMount'],
      message: `container "${c.label}": securityContext.procMount must be Default or unset, not ${show(procMount)}`,
      value: scalar(procMount),
    });
  }
  return out;
}

/** Seccomp profile types that keep a filter in place. */
export const ALLOWED_SECCOMP_TYPES: ReadonlySet<string> = new Set(['RuntimeDefault', 'Localhost']);

/**
 * Explicitly set seccomp profiles (pod and containers) whose type is not RuntimeDefault or Localhost.
 * A profile object without a type counts as the empty type, as it decodes in the API.
 */
export function badSeccompFields(pod: PodSubject): Violation[] {
  const out: Violation[] = [];
  const checkProfile = (profile: unknown, path: (string | number)[], who: string): void => {
    if (!isSet(profile)) return;
    const type = asRecord(profile)?.type ?? '';
    if (typeof type === 'string' && ALLOWED_SECCOMP_TYPES.has(type)) return;
    out.push({
      path: [...path, 'seccompProfile', 'type'],
      message: `${who}: securityContext.seccompProfile.type must be RuntimeDefault or Localhost, not ${show(type)}`,
      value: scalar(type),
    });
  };
  checkProfile(podSecurityContext(pod)?.seccompProfile, ['spec', 'securityContext'], 'pod');
  for (const c of containersOf(pod.spec)) checkProfile(containerSecurityContext(c)?.seccompProfile, [...c.path, 'securityContext'], `container "${c.label}"`);
  return out;
}

/**
 * The fix of a seccomp finding: the profile type becomes RuntimeDefault (the container runtime's default
 * filter, which every workload that runs under Docker's default runs under), dropping a localhostProfile
 * that only a Localhost type may carry; a pre-v1.19 annotation becomes runtime/default.
 */
export function fixSeccomp(_pod: PodSubject, v: Violation): FixOperation[] {
  const last = v.path[v.path.length - 1];
  if (v.path[0] === 'metadata' && v.path[1] === 'annotations') return [{ op: 'set', path: [...v.path], value: 'runtime/default' }];
  if (last !== 'type' || v.path[v.path.length - 2] !== 'seccompProfile') return [];
  return [{ op: 'set', path: [...v.path], value: 'RuntimeDefault' }, { op: 'remove', path: [...v.path.slice(0, -1), 'localhostProfile'] }];
}
