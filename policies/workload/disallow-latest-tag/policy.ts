import { containersOf, definePodPolicy, type Violation } from '../../../src/sdk.js';
import { hasMutableLatestTag, parseImageReference } from '../image-reference.js';

/**
 * Restricts `image` of every container to references with an explicit tag other than `latest`, or
 * a digest. An untagged image means `:latest`, so what runs changes with every push and cannot be
 * reproduced or rolled back. Invalid references are left to the registry and runtime, which reject them.
 */
export default definePodPolicy({
  id: 'disallow-latest-tag',
  title: 'Images must not use the latest tag or no tag',
  description:
    'Every container image (init, regular and ephemeral containers) must name a tag other than `latest`, or be pinned by digest ' +
    '(`image@sha256:...`). An image without a tag is the `latest` tag. A registry port is not a tag: `localhost:5000/app` is untagged.',
  severity: 'medium',
  category: 'workload',
  controls: ['nsa:upgrading-and-application-security', 'mitre:T1525'],
  remediation: 'Use a versioned tag (e.g. `nginx:1.27.0`) or pin the image by digest (`nginx@sha256:...`).',
  defaultAction: 'warn',
  recommended: 'warn',
  check(pod) {
    const out: Violation[] = [];
    for (const c of containersOf(pod.spec)) {
      const ref = parseImageReference(c.container.image);
      if (ref === undefined || !hasMutableLatestTag(ref)) continue;
      out.push({
        path: [...c.path, 'image'],
        message: ref.tag === undefined
          ? `container "${c.label}": image has no tag, which means :latest; use a version tag or a digest`
          : `container "${c.label}": image uses the :latest tag; use a version tag or a digest`,
        value: c.container.image,
      });
    }
    return out;
  },
});
