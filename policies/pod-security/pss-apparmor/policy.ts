import { asRecord, containersOf, definePodPolicy, type Violation } from '../../../src/sdk.js';
import { annotationsOf, containerSecurityContext, isSet, podSecurityContext, pssControls, scalar, show } from '../pss-common.js';

const ANNOTATION_PREFIX = 'container.apparmor.security.beta.kubernetes.io/';
const ALLOWED_TYPES = new Set(['RuntimeDefault', 'Localhost']);

/** The deprecated annotation may name the runtime default or a profile loaded on the node, or be empty. */
function allowedAnnotationValue(value: unknown): boolean {
  return typeof value === 'string' && (value === '' || value === 'runtime/default' || value.startsWith('localhost/'));
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
    const checkProfile = (profile: unknown, path: (string | number)[], who: string): void => {
      if (!isSet(profile)) return;
      const type = asRecord(profile)?.type ?? '';
      if (typeof type === 'string' && ALLOWED_TYPES.has(type)) return;
      out.push({
        path: [...path, 'appArmorProfile', 'type'],
        message: `${who}: securityContext.appArmorProfile.type must be RuntimeDefault or Localhost, not ${show(type)}`,
        value: scalar(type),
      });
    };
    checkProfile(podSecurityContext(pod)?.appArmorProfile, ['spec', 'securityContext'], 'pod');
    for (const c of containersOf(pod.spec)) checkProfile(containerSecurityContext(c)?.appArmorProfile, [...c.path, 'securityContext'], `container "${c.label}"`);
    for (const [key, value] of Object.entries(annotationsOf(pod)).sort(([a], [b]) => a.localeCompare(b))) {
      if (!key.startsWith(ANNOTATION_PREFIX) || allowedAnnotationValue(value)) continue;
      out.push({
        path: ['metadata', 'annotations', key],
        message: `annotation ${key} must be runtime/default, localhost/<profile> or empty, not ${show(value)}`,
        value: scalar(value),
      });
    }
    return out;
  },
});
