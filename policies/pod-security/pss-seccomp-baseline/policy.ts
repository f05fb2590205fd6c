import { containersOf, definePodPolicy, versionAtLeast, type PodSubject, type Violation } from '../../../src/sdk.js';
import { annotationsOf, badSeccompFields, fixSeccomp, pssControls, scalar, show } from '../pss-common.js';

const POD_ANNOTATION = 'seccomp.security.alpha.kubernetes.io/pod';
const CONTAINER_ANNOTATION_PREFIX = 'container.seccomp.security.alpha.kubernetes.io/';

function allowedAnnotationValue(value: unknown): boolean {
  return typeof value === 'string' && (value === 'runtime/default' || value === 'docker/default' || value.startsWith('localhost/'));
}

/** Before v1.19 seccomp was configured by alpha annotations; the policy of those versions reads only them. */
function annotationViolations(pod: PodSubject): Violation[] {
  const annotations = annotationsOf(pod);
  const keys = [POD_ANNOTATION, ...containersOf(pod.spec).map((c) => CONTAINER_ANNOTATION_PREFIX + (typeof c.container.name === 'string' ? c.container.name : ''))];
  const out: Violation[] = [];
  for (const key of new Set(keys)) {
    if (!Object.hasOwn(annotations, key)) continue;
    const value = annotations[key];
    if (allowedAnnotationValue(value)) continue;
    out.push({
      path: ['metadata', 'annotations', key],
      message: `annotation ${key} must be runtime/default, docker/default or localhost/<profile>, not ${show(value)}`,
      value: scalar(value),
    });
  }
  return out;
}

/**
 * Pod Security Standards baseline `seccompProfile_baseline`: a seccomp profile, where one is set, must
 * keep a filter in place (no Unconfined). Up to v1.18 through the alpha annotations, from v1.19 through
 * the securityContext fields.
 */
export default definePodPolicy({
  id: 'pss-seccomp-baseline',
  title: 'Seccomp must not be disabled',
  description: 'From v1.19, restricts spec.securityContext.seccompProfile.type and spec.{initContainers,containers,ephemeralContainers}[*].securityContext.seccompProfile.type (allowed: RuntimeDefault, Localhost, or unset). Before v1.19, restricts the seccomp.security.alpha.kubernetes.io/pod and container.seccomp.security.alpha.kubernetes.io/<container> annotations (allowed: runtime/default, docker/default, localhost/*, or unset).',
  severity: 'high',
  category: 'pod-security',
  controls: pssControls('baseline', 'seccompProfile_baseline', ['5.7.2']),
  remediation: 'Remove the Unconfined seccomp profile, or set seccompProfile.type to RuntimeDefault or Localhost.',
  defaultAction: 'deny',
  recommended: 'deny',
  pss: { level: 'baseline', checkId: 'seccompProfile_baseline' },
  fix: fixSeccomp,
  check(pod, ctx) {
    return versionAtLeast(ctx.version, 'v1.19') ? badSeccompFields(pod) : annotationViolations(pod);
  },
});
