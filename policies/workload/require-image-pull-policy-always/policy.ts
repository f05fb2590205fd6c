import { containersOf, definePodPolicy, type Violation } from '../../../src/sdk.js';
import { hasMutableLatestTag, parseImageReference } from '../image-reference.js';

/**
 * Restricts `imagePullPolicy` to `Always` for images that are not pinned by digest. A tag can be
 * moved, and with `IfNotPresent` a node keeps running whatever it cached under that tag; it also lets
 * a pod use an image another pod pulled with credentials it does not have itself (the reason for the
 * AlwaysPullImages admission plugin). Digest-pinned images are immutable and may use any policy.
 * When the field is unset Kubernetes defaults it to `Always` for `:latest` and untagged images and to
 * `IfNotPresent` otherwise; the check applies that default.
 */
export default definePodPolicy({
  id: 'require-image-pull-policy-always',
  title: 'Images pinned only by tag must be pulled with imagePullPolicy Always',
  description:
    'For every container whose image is not pinned by digest, `imagePullPolicy` must be `Always` (set explicitly, or defaulted by ' +
    'Kubernetes for `:latest` and untagged images). Digest-pinned images may use any pull policy.',
  severity: 'low',
  category: 'workload',
  controls: ['nsa:upgrading-and-application-security', 'mitre:T1525'],
  remediation: 'Set `imagePullPolicy: Always`, or pin the image by digest.',
  defaultAction: 'warn',
  check(pod) {
    const out: Violation[] = [];
    for (const c of containersOf(pod.spec)) {
      const ref = parseImageReference(c.container.image);
      if (ref === undefined || ref.digest !== undefined) continue;
      const set = c.container.imagePullPolicy;
      const effective = typeof set === 'string' && set !== '' ? set : hasMutableLatestTag(ref) ? 'Always' : 'IfNotPresent';
      if (effective === 'Always') continue;
      out.push({
        path: [...c.path, 'imagePullPolicy'],
        message: `container "${c.label}": imagePullPolicy is ${effective}${set === undefined ? ' (the default for a tagged image)' : ''}; use Always or pin the image by digest`,
        value: effective,
      });
    }
    return out;
  },
});
