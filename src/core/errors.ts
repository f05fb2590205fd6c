/**
 * Typed error codes. Every code has a doc line in docs/errors.md; a test fails when one is missing.
 * Messages are for people; `details` carries structured context for logs and never object contents.
 */
export const ERROR_CODES = {
  KP_ERR_CONFIG_INVALID: 'The configuration file does not satisfy the configuration schema.',
  KP_ERR_CONFIG_PARSE: 'The configuration file is not valid YAML.',
  KP_ERR_CONFIG_READ: 'The configuration file could not be read.',
  KP_ERR_POLICY_LOAD: 'A policy module or schema file could not be loaded (syntax error, missing export, unreadable file).',
  KP_ERR_POLICY_INVALID: 'A policy was loaded but its metadata, parameters or schema are invalid.',
  KP_ERR_POLICY_DUPLICATE: 'Two policies declare the same id.',
  KP_ERR_POLICY_UNKNOWN: 'The configuration names a policy or profile that does not exist.',
  KP_ERR_POLICY_PARAMS: "A policy's configured parameters do not satisfy its parameter schema.",
  KP_ERR_POLICY_RUNTIME: 'A policy threw while evaluating an object.',
  KP_ERR_POLICY_TIMEOUT: 'A policy ran past its time budget while evaluating an object.',
  KP_ERR_REVIEW_MALFORMED: 'The request body is not a well-formed AdmissionReview.',
  KP_ERR_REVIEW_TOO_LARGE: 'The request body is larger than the configured limit.',
  KP_ERR_REVIEW_DEADLINE: "The review's deadline (the apiserver's ?timeout=) passed before it could be evaluated; the apiserver no longer waits for the answer.",
  KP_ERR_SERVER_NOT_READY: 'The webhook has no policy set loaded yet and cannot evaluate reviews.',
  KP_ERR_SERVER_INTERNAL: 'An unexpected fault in the webhook itself; the details are in its log.',
  KP_ERR_SERVER_BUSY: 'The request bodies the webhook is already receiving or evaluating fill its memory budget; this review was refused without being read.',
  KP_ERR_HTTP_NOT_FOUND: 'No route for this method and path (reviews go to POST /validate or the configured path).',
  KP_ERR_TLS: 'The TLS certificate or key could not be loaded.',
  KP_ERR_INPUT_PARSE: 'A manifest file could not be read or parsed (YAML syntax, a duplicate key).',
  KP_ERR_INPUT_NOT_OBJECT: 'A document in a manifest is not a Kubernetes object (no apiVersion or kind, a kind that is not a type name, an AdmissionReview with no object).',
  KP_ERR_INPUT_RENDER: 'A Helm chart or Kustomize root in the input could not be rendered: the renderer (helm, kustomize or kubectl) is not installed, or it failed.',
  KP_ERR_INPUT_EMPTY: 'The input to a scan holds no Kubernetes objects at all.',
  KP_ERR_BASELINE_INVALID: 'A baseline file (scan --baseline) is not valid JSON or not a kube-posture baseline of a known version.',
  KP_ERR_CLUSTER_ACCESS: 'No usable cluster access: no kubeconfig, an unreadable one, an unknown context, or an API server that does not answer.',
  KP_ERR_CLUSTER_LIST: 'A kind could not be listed from the cluster (forbidden, not served, or the API server failed); its objects were not examined.',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface Problem {
  code: ErrorCode;
  message: string;
  /** File the problem is in, when there is one. */
  file?: string;
  /** Path inside the file (config key path, policy id). */
  path?: string;
  line?: number;
}

export class KubePostureError extends Error {
  readonly code: ErrorCode;
  readonly problems: readonly Problem[];

  constructor(code: ErrorCode, message: string, problems: readonly Problem[] = []) {
    super(message);
    this.name = 'KubePostureError';
    this.code = code;
    this.problems = problems;
  }
}

/** Formats a problem as one line: `file:line: path: message [CODE]`. */
export function formatProblem(p: Problem): string {
  const where = [p.file !== undefined ? (p.line !== undefined ? `${p.file}:${p.line}` : p.file) : undefined, p.path].filter((x) => x !== undefined && x !== '').join(': ');
  return `${where !== '' ? where + ': ' : ''}${p.message} [${p.code}]`;
}

/** The message of anything thrown, without `JSON.stringify(err)` (which prints `{}`). */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  if (typeof err === 'string') return err;
  try {
    return String(err);
  } catch {
    return 'unknown error';
  }
}
