import { containersOf, definePodPolicy, type Violation } from '../../../src/sdk.js';
import { parseImageReference } from '../image-reference.js';

/** Why an image string is not a reference a container runtime can pull, in words a person acts on. */
export function whyInvalid(image: string): string {
  if (image.trim() === '') return 'is empty';
  if (/[<>]/.test(image)) return 'is a placeholder (<...>) that was never filled in';
  if (/\{\{|\}\}|\$\{|\$\(/.test(image)) return 'holds an unrendered template or variable';
  if (/\s/.test(image)) return 'contains whitespace';
  const name = image.split('@')[0]!.replace(/:[^/:]*$/, '');
  const repository = name.includes('/') && /[.:]|^localhost\//.test(name.split('/')[0]! + '/') ? name.slice(name.indexOf('/') + 1) : name;
  if (repository !== repository.toLowerCase()) return 'has upper case letters in its repository name (only the registry host may have them)';
  return 'is not a valid image reference ([registry/]repository[:tag][@digest])';
}

/**
 * An image reference no container runtime can pull (`<YOUR-CONTAINER>`, an empty string, spaces, an upper
 * case repository, a malformed tag or digest): the API server accepts it, and the pod then sits in
 * InvalidImageName or ImagePullBackOff. Most often a template or example value that was never filled in.
 * A missing `image` is left alone: workload templates may leave it to config management.
 */
export default definePodPolicy({
  id: 'invalid-image-reference',
  title: 'Container images must be valid image references',
  description:
    'Every container image (init, regular and ephemeral containers) that is set must be a valid reference, ' +
    '`[registry[:port]/]repository[:tag][@algorithm:digest]` as the container runtimes parse it: not empty, no whitespace, ' +
    'no placeholders such as `<YOUR-CONTAINER>` or unrendered `{{ }}`/`${}`, a lower-case repository, a valid tag and digest. ' +
    'The API server accepts any string; the pod then never starts (InvalidImageName, ImagePullBackOff).',
  severity: 'medium',
  category: 'workload',
  controls: ['nsa:pod-security'],
  remediation: 'Set the image to a real reference, e.g. `registry.example.com/team/app:1.4.2` or `nginx@sha256:...`; fill in template values before applying.',
  defaultAction: 'warn',
  recommended: 'warn',
  check(pod) {
    const out: Violation[] = [];
    for (const c of containersOf(pod.spec)) {
      const image = c.container.image;
      if (image === undefined || image === null) continue;
      if (typeof image !== 'string') {
        out.push({ path: [...c.path, 'image'], message: `container "${c.label}": image must be a string` });
        continue;
      }
      if (parseImageReference(image) !== undefined) continue;
      out.push({ path: [...c.path, 'image'], message: `container "${c.label}": image ${JSON.stringify(image.length > 200 ? `${image.slice(0, 200)}...` : image)} ${whyInvalid(image)}`, value: image.slice(0, 200) });
    }
    return out;
  },
});
