/**
 * Parsing of container image references (`[registry/]repository[:tag][@digest]`), shared by the
 * image policies of this category. It follows the rules of the container runtimes
 * (github.com/distribution/reference): the first path component is a registry only when it looks
 * like a host (contains `.` or `:`, or is `localhost`); otherwise the image lives on Docker Hub.
 * Getting this right matters: `localhost:5000/app` has no tag, and `nginx` is `docker.io/library/nginx`.
 */
export interface ImageReference {
  /** Registry host (and port), lower-cased; `docker.io` for Docker Hub images. */
  registry: string;
  /** Repository path inside the registry; Docker Hub official images get their `library/` prefix. */
  repository: string;
  tag?: string;
  /** `algorithm:hex`, e.g. `sha256:...`. */
  digest?: string;
}

export const DOCKER_HUB = 'docker.io';
const DOCKER_HUB_ALIASES = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const DIGEST = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]{32,}$/;
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;

// A cluster runs few distinct images and several policies parse each one per review: parse each
// string once. Results are frozen; the cache is bounded and simply starts over when full.
const parsed = new Map<string, ImageReference | undefined>();
const PARSE_CACHE_MAX = 4096;

/** Parses an image reference; undefined when it is not a valid reference (empty, spaces, bad tag). */
export function parseImageReference(image: unknown): ImageReference | undefined {
  if (typeof image !== 'string') return undefined;
  if (parsed.has(image)) return parsed.get(image);
  const ref = parseUncached(image);
  if (parsed.size >= PARSE_CACHE_MAX) parsed.clear();
  parsed.set(image, ref === undefined ? undefined : Object.freeze(ref));
  return parsed.get(image);
}

function parseUncached(image: string): ImageReference | undefined {
  if (image === '' || image.length > 4096 || /\s/.test(image)) return undefined;
  let rest = image;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at !== -1) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) return undefined;
  }
  let tag: string | undefined;
  // A tag follows the last colon after the last slash; an earlier colon is a registry port.
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) return undefined;
  }
  const slash = rest.indexOf('/');
  const first = slash === -1 ? '' : rest.slice(0, slash);
  const isHost = first !== '' && (first.includes('.') || first.includes(':') || first === 'localhost' || first !== first.toLowerCase());
  let registry = isHost ? first.toLowerCase() : DOCKER_HUB;
  let repository = isHost ? rest.slice(slash + 1) : rest;
  if (repository === '' || !repository.split('/').every((c) => PATH_COMPONENT.test(c))) return undefined;
  if (DOCKER_HUB_ALIASES.has(registry)) {
    registry = DOCKER_HUB;
    if (!repository.includes('/')) repository = `library/${repository}`;
  }
  return { registry, repository, ...(tag !== undefined ? { tag } : {}), ...(digest !== undefined ? { digest } : {}) };
}

/** True when the reference names a tag that can move: `latest`, or no tag and no digest. */
export function hasMutableLatestTag(ref: ImageReference): boolean {
  if (ref.digest !== undefined) return false;
  return ref.tag === undefined || ref.tag === 'latest';
}

/**
 * Matches an image against an allowed-registry entry:
 *   `*`                        any image
 *   `registry.example.com`     that registry host (with port when given), any repository
 *   `*.example.com`            any subdomain of example.com (not example.com itself)
 *   `registry.example.com/team` that registry, repositories under `team/` (whole path components)
 *   `docker.io/library`        Docker Hub official images; `docker.io` alone is all of Docker Hub
 * Hosts compare case-insensitively, repository paths exactly.
 */
export function registryEntryMatches(entry: string, ref: ImageReference): boolean {
  if (entry === '*') return true;
  const slash = entry.indexOf('/');
  const hostPart = (slash === -1 ? entry : entry.slice(0, slash)).toLowerCase();
  const pathPart = slash === -1 ? '' : entry.slice(slash + 1).replace(/\/+$/, '');
  const host = DOCKER_HUB_ALIASES.has(hostPart) ? DOCKER_HUB : hostPart;
  const hostOk = host.startsWith('*.') ? ref.registry.endsWith(host.slice(1)) && ref.registry.length > host.length - 1 : ref.registry === host;
  if (!hostOk) return false;
  return pathPart === '' || ref.repository === pathPart || ref.repository.startsWith(`${pathPart}/`);
}
