import { containersOf, definePodPolicy, type Violation } from '../../../src/sdk.js';
import { parseImageReference, registryEntryMatches } from '../image-reference.js';

/**
 * Restricts `image` of every container (init, regular and ephemeral) to the configured registries.
 * The default `['*']` allows every registry, so the policy does nothing until a platform team lists
 * its own registries; an image that is not a valid reference is never allowed, because its registry
 * cannot be known. Matching is on the parsed reference, never a string prefix, so
 * `registry.example.com.evil.io/app` does not pass for `registry.example.com`.
 */
export default definePodPolicy<{ allowedRegistries: string[] }>({
  id: 'allowed-image-registries',
  title: 'Images must come from allowed registries',
  description:
    'Every container image (init, regular and ephemeral containers) must come from one of the registries in `allowedRegistries`. ' +
    'Entries are a registry host (`registry.example.com`, `localhost:5000`), a wildcard subdomain (`*.example.com`), a registry with a ' +
    'repository prefix (`ghcr.io/my-org`, `docker.io/library` for Docker Hub official images) or `*` for any registry (the default). ' +
    'Images without a registry are Docker Hub images (`nginx` is `docker.io/library/nginx`).',
  severity: 'high',
  category: 'workload',
  controls: ['cis-k8s:5.5.1', 'nsa:pod-security', 'mitre:T1610', 'mitre:T1204.003'],
  remediation: 'Pull the image from an approved registry (mirror it there if needed), or add the registry to the policy\'s allowedRegistries parameter.',
  defaultAction: 'deny',
  recommended: 'warn',
  parameters: {
    type: 'object',
    additionalProperties: false,
    properties: {
      allowedRegistries: {
        type: 'array',
        description: 'Registries images may come from: host, `*.domain`, host/repository-prefix, or `*` for any.',
        items: { type: 'string', pattern: '^(\\*|(\\*\\.)?[A-Za-z0-9.-]+(:[0-9]+)?(/[a-z0-9._/-]+)?)$' },
        minItems: 1,
        default: ['*'],
      },
    },
  },
  check(pod, ctx) {
    const allowed = ctx.params.allowedRegistries;
    if (allowed.includes('*')) return [];
    const out: Violation[] = [];
    for (const c of containersOf(pod.spec)) {
      const image = c.container.image;
      const ref = parseImageReference(image);
      if (ref !== undefined && allowed.some((entry) => registryEntryMatches(entry, ref))) continue;
      out.push({
        path: [...c.path, 'image'],
        message: ref === undefined
          ? `container "${c.label}": image is not a valid image reference, so its registry cannot be verified`
          : `container "${c.label}": image ${ref.registry}/${ref.repository} is not from an allowed registry (allowed: ${allowed.join(', ')})`,
        ...(typeof image === 'string' ? { value: image } : {}),
      });
    }
    return out;
  },
});
