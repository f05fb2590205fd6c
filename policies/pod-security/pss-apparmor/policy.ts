import { asRecord, containersOf, definePodPolicy, type Violation, type VisitedContainer } from '../../../src/sdk.js';
import { annotationsOf, containerSecurityContext, isSet, podSecurityContext, pssControls, scalar, show } from '../pss-common.js';

const ANNOTATION_PREFIX = 'container.apparmor.security.beta.kubernetes.io/';
const ALLOWED_TYPES = new Set(['RuntimeDefault', 'Localhost']);

/** The deprecated annotation may name the runtime default or a profile loaded on the node, or be empty. */
function allowedAnnotationValue(value: unknown): boolean {
  return typeof value === 'string' && (value === '' || value === 'runtime/default' || value.startsWith('localhost/'));
}

/** A set appArmorProfile (present and not null) whose type is not allowed; `c` undefined means the pod's own. */
function checkProfile(out: Violation[], profile: unknown, c: VisitedContainer | undefined): void {
  const type = asRecord(profile)?.type ?? '';
  if (typeof type === 'string' && ALLOWED_TYPES.has(type)) return;
  const path = c === undefined ? ['spec', 'securityContext'] : [...c.path, 'securityContext'];
  out.push({
    path: [...path, 'appArmorProfile', 'type'],
    message: `${c === undefined ? 'pod' : `container "${c.label}"`}: securityContext.appArmorProfile.type must be RuntimeDefault or Localhost, not ${show(type)}`,
    value: scalar(type),
  });
}

/**
 * Pod Security Standards baseline `appArmorProfile` (all versions): AppArmor may not be disabled or
 * replaced by an unconfined profile, through the field (pod or container) or the beta annotations.
 */
export default definePodPolicy({
  id: 'pss-apparmor',
  title: 'AppArmor must not be disabled or overridden',
  description: 'Restricts spec.securityContext.appArmorProfile.type and spec.{initContainers,containers,ephemeralContainers}[*].securityContext.appArmorProfile.type (allowed: RuntimeDefault, Localhost, or unset), and metadata.annotations["container.apparmor.security.beta.kubernetes.io/*"] (allowed: runtime/default, localhost/*, empty).',
  severity: 'high',
  category: 'pod-security',
  controls: pssControls('baseline', 'appArmorProfile', ['5.7.3']),
  remediation: 'Remove the AppArmor profile override or set appArmorProfile.type to RuntimeDefault or Localhost.',
  defaultAction: 'deny',
  recommended: 'deny',
  pss: { level: 'baseline', checkId: 'appArmorProfile' },
  check(pod) {
    const out: Violation[] = [];
    // Where and whose is worked out only for a profile that breaks the rule: most pods set none.
    const podProfile = podSecurityContext(pod)?.appArmorProfile;
    if (isSet(podProfile)) checkProfile(out, podProfile, undefined);
    for (const c of containersOf(pod.spec)) {
      const profile = containerSecurityContext(c)?.appArmorProfile;
      if (isSet(profile)) checkProfile(out, profile, c);
    }
    const annotations = annotationsOf(pod);
    let keys: string[] | undefined;
    for (const key in annotations) {
      if (Object.hasOwn(annotations, key) && key.startsWith(ANNOTATION_PREFIX) && !allowedAnnotationValue(annotations[key])) (keys ??= []).push(key);
    }
    // In key order, as before (most pods have no such annotation at all).
    if (keys !== undefined) {
      for (const key of keys.sort((a, b) => a.localeCompare(b))) {
        const value = annotations[key];
        out.push({
          path: ['metadata', 'annotations', key],
          message: `annotation ${key} must be runtime/default, localhost/<profile> or empty, not ${show(value)}`,
          value: scalar(value),
        });
      }
    }
    return out;
  },
});
