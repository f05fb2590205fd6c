import { containersOf, definePodPolicy, setAtViolation, versionAtLeast, type Violation } from '../../../src/sdk.js';
import { containerSecurityContext, isSet, isUserNamespacedPod, podSecurityContext, pssControls, scalar, show } from '../pss-common.js';

/**
 * Pod Security Standards restricted `runAsNonRoot` (all versions): every container must be required to
 * run as a non-root user, on the container or inherited from the pod. From v1.35 a pod in its own user
 * namespace (`hostUsers: false`) is exempt: root inside it is unprivileged on the node.
 */
export default definePodPolicy({
  id: 'pss-run-as-non-root',
  title: 'Containers must run as non-root',
  description: 'Requires spec.securityContext.runAsNonRoot: true, or runAsNonRoot: true on every container (init and ephemeral too); no container may set it to false. From v1.35 any value is allowed when spec.hostUsers is false.',
  severity: 'medium',
  category: 'pod-security',
  controls: pssControls('restricted', 'runAsNonRoot', ['5.2.7']),
  remediation: 'Set spec.securityContext.runAsNonRoot: true and run the image as a non-zero UID (runAsUser or a numeric USER in the image).',
  defaultAction: 'deny',
  recommended: 'warn',
  pss: { level: 'restricted', checkId: 'runAsNonRoot' },
  fix: setAtViolation(true),
  check(pod, ctx) {
    if (versionAtLeast(ctx.version, 'v1.35') && isUserNamespacedPod(pod)) return [];
    const out: Violation[] = [];
    const podValue = podSecurityContext(pod)?.runAsNonRoot;
    if (isSet(podValue) && podValue !== true) {
      out.push({ path: ['spec', 'securityContext', 'runAsNonRoot'], message: `pod: securityContext.runAsNonRoot must be true, not ${show(podValue)}`, value: scalar(podValue) });
    }
    const podRequiresNonRoot = podValue === true;
    for (const c of containersOf(pod.spec)) {
      const value = containerSecurityContext(c)?.runAsNonRoot;
      const path = [...c.path, 'securityContext', 'runAsNonRoot'];
      if (isSet(value)) {
        if (value !== true) out.push({ path, message: `container "${c.label}": securityContext.runAsNonRoot must be true, not ${show(value)}`, value: scalar(value) });
      } else if (!podRequiresNonRoot) {
        out.push({ path, message: `container "${c.label}": securityContext.runAsNonRoot must be set to true (on the container or the pod)` });
      }
    }
    return out;
  },
});
