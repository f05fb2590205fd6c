/**
 * values.schema.json of the chart, so that `helm install`/`helm template` reject bad values before
 * anything reaches the cluster. The `config` part is derived from the configuration file's schema
 * (src/config/schema.ts), so the chart cannot drift from what the server accepts.
 */
import { configSchema } from '../../src/config/schema.js';
import { PROFILE_NAMES } from '../../src/core/registry.js';

type Schema = Record<string, unknown>;

const str = (description: string, extra: Schema = {}): Schema => ({ type: 'string', description, ...extra });
const bool = (description: string): Schema => ({ type: 'boolean', description });
const obj = (description: string, properties: Record<string, Schema>, extra: Schema = {}): Schema => ({
  type: 'object',
  additionalProperties: false,
  description,
  properties,
  ...extra,
});
const freeObject = (description: string): Schema => ({ type: 'object', description });
const port = (description: string): Schema => ({ type: 'integer', minimum: 1, maximum: 65535, description });
const list = (description: string, items: Schema = { type: 'object' }): Schema => ({ type: 'array', description, items });
const quantity = { anyOf: [{ type: 'string', pattern: '^[0-9]+(\\.[0-9]+)?(m|k|Ki|M|Mi|G|Gi|T|Ti)?$' }, { type: 'number', minimum: 0 }] };
const duration = (description: string): Schema => str(description, { pattern: '^([0-9]+(\\.[0-9]+)?(h|m|s|ms))+$' });

/** The configuration file's schema without the keys the chart sets itself. */
export function chartConfigSchema(): Schema {
  const { profile: _p, mode: _m, policyDirectories: _d, ...properties } = structuredClone(configSchema.properties) as Record<string, Schema>;
  return {
    type: 'object',
    additionalProperties: false,
    description: 'The rest of the policy configuration file (see docs): podSecurity, policies, exemptions, namespaceLabels, evaluation, onPolicyLoadError, alerts.',
    properties,
  };
}

const rule: Schema = {
  type: 'object',
  additionalProperties: false,
  required: ['apiGroups', 'apiVersions', 'operations', 'resources'],
  properties: {
    apiGroups: { type: 'array', items: { type: 'string' } },
    apiVersions: { type: 'array', items: { type: 'string' }, minItems: 1 },
    operations: { type: 'array', minItems: 1, items: { enum: ['CREATE', 'UPDATE', 'DELETE', 'CONNECT'] } },
    // Never "*": register only what a policy inspects.
    resources: { type: 'array', minItems: 1, items: { type: 'string', minLength: 1, not: { pattern: '^\\*' } } },
    scope: { enum: ['Namespaced', 'Cluster', '*'] },
  },
};

/** A read rule for the scanner: never Secrets, never a wildcard (group, resource or sub-resource). */
const readRule: Schema = {
  type: 'object',
  additionalProperties: false,
  required: ['apiGroups', 'resources'],
  properties: {
    apiGroups: { type: 'array', minItems: 1, items: { type: 'string', not: { pattern: '\\*' } } },
    resources: { type: 'array', minItems: 1, items: { type: 'string', minLength: 1, not: { anyOf: [{ pattern: '\\*' }, { pattern: '^secrets(/|$)' }] } } },
  },
};

const resources = (description: string): Schema =>
  obj(description, {
    requests: obj('Requests.', { cpu: quantity, memory: quantity }, { required: ['cpu', 'memory'] }),
    limits: obj('Limits.', { cpu: quantity, memory: quantity }, { required: ['memory'] }),
  }, { required: ['requests', 'limits'] });

const pdb = (description: string): Schema =>
  obj(description, {
    enabled: bool('Create it.'),
    maxUnavailable: { anyOf: [{ type: 'integer', minimum: 1 }, { type: 'string', pattern: '^[0-9]+%$' }], description: 'Pods that may be down at once.' },
  });

const labelSelectorExpr: Schema = {
  type: 'object',
  additionalProperties: false,
  required: ['key', 'operator'],
  properties: { key: { type: 'string', minLength: 1 }, operator: { enum: ['In', 'NotIn', 'Exists', 'DoesNotExist'] }, values: { type: 'array', items: { type: 'string' } } },
};
const labelSelector = (description: string): Schema =>
  obj(description, { matchLabels: { type: 'object', additionalProperties: { type: 'string' } }, matchExpressions: list('', labelSelectorExpr) });

/** A ConfigMap or Secret name (DNS subdomain), or empty. */
const objectName = (description: string): Schema => str(description, { maxLength: 253, pattern: '^([a-z0-9]([-a-z0-9.]*[a-z0-9])?)?$' });
const named = (key: 'configMapName' | 'secretName'): Schema => ({
  required: [key],
  properties: { [key]: { minLength: 1 }, [key === 'secretName' ? 'configMapName' : 'secretName']: { maxLength: 0 } },
});

/**
 * Client-certificate verification (`serve --client-ca`). Enabled means exactly one source: a CA from
 * both a ConfigMap and a Secret would leave which one is trusted to the template.
 */
const clientCA: Schema = obj(
  'Require client certificates signed by this CA on the webhook port (the API server must present one: see docs/operations.md).',
  {
    enabled: bool('Require and verify client certificates (--client-ca).'),
    configMapName: objectName('ConfigMap in the release namespace holding the PEM CA bundle (or secretName, not both).'),
    secretName: objectName('Secret in the release namespace holding the PEM CA bundle (or configMapName, not both).'),
    // The characters Kubernetes allows in ConfigMap and Secret keys.
    key: str('Key of the CA bundle in that ConfigMap or Secret; only this key is mounted.', { minLength: 1, maxLength: 253, pattern: '^[-._a-zA-Z0-9]+$' }),
  },
  {
    if: { properties: { enabled: { const: true } }, required: ['enabled'] },
    then: { required: ['key'], oneOf: [named('configMapName'), named('secretName')] },
  },
);

export function valuesSchema(): Schema {
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: 'kube-posture chart values',
    type: 'object',
    additionalProperties: false,
    properties: {
      global: freeObject('Reserved for parent charts.'),
      profile: str('Built-in policy profile.', { enum: [...PROFILE_NAMES] }),
      mode: { enum: ['enforce', 'warn', 'audit'], description: 'enforce denies deny-level findings; warn returns them as warnings; audit denies nothing and records what would be denied.' },
      config: chartConfigSchema(),
      userPolicies: obj('User policies mounted as a policy directory.', {
        files: { type: 'object', description: 'Inline policy files keyed by path: `<policy-id>/policy.yaml`.', propertyNames: { pattern: '^[a-z0-9][a-z0-9-]*/policy\\.(ts|js|mjs|yaml|yml|json)$' }, additionalProperties: { type: 'string' } },
        existingConfigMap: str('Existing ConfigMap holding policy files (alternative to files).'),
        items: list('Key-to-path mapping for existingConfigMap: `{key, path: <policy-id>/policy.yaml}`.', {
          type: 'object',
          additionalProperties: false,
          required: ['key', 'path'],
          properties: { key: { type: 'string', minLength: 1 }, path: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]*/policy\\.(ts|js|mjs|yaml|yml|json)$' } },
        }),
      }, {
        // A policy is a folder: without items the ConfigMap's keys would land flat and not be found.
        if: { properties: { existingConfigMap: { minLength: 1 } }, required: ['existingConfigMap'] },
        then: { properties: { items: { minItems: 1 } } },
      }),
      alerts: obj('Alert sink secrets (docs/alerting.md).', {
        secretName: str('Existing Secret in the release namespace, mounted read-only at /etc/kube-posture/alerts in the webhook and scanner pods; config.alerts refers to its keys with {fromFile: /etc/kube-posture/alerts/<key>}.'),
      }),
      reports: obj('Policy reports (OpenReports); the openreports.io CRDs are in the chart\'s crds/.', {
        wgpolicy: obj('wgpolicyk8s.io/v1alpha2 PolicyReport (Policy Reporter on the older API).', {
          installCRDs: bool('Install the PolicyReport and ClusterPolicyReport CRDs (off: other tools may own them).'),
        }),
      }),
      replicaCount: { type: 'integer', minimum: 1, description: 'Webhook replicas; at least 2 when the deny webhook fails closed.' },
      image: obj('Container image.', {
        repository: str('Image repository.', { minLength: 1 }),
        tag: str('Image tag; defaults to the chart appVersion.'),
        digest: str('Image digest (sha256:...); overrides the tag.', { pattern: '^(sha256:[a-f0-9]{64})?$' }),
        pullPolicy: { enum: ['Always', 'IfNotPresent', 'Never'], description: 'Image pull policy.' },
      }),
      imagePullSecrets: list('Image pull secrets (`{name}`).'),
      nameOverride: str('Overrides the chart name in resource names.'),
      fullnameOverride: str('Overrides the full resource name.', { maxLength: 52 }),
      logLevel: { enum: ['fatal', 'error', 'warn', 'info', 'debug', 'trace'], description: 'Server log level.' },
      serviceAccount: obj('ServiceAccount of the webhook pods.', {
        create: bool('Create the ServiceAccount.'),
        name: str('Name; defaults to the full name.'),
        annotations: { type: 'object', additionalProperties: { type: 'string' }, description: 'ServiceAccount annotations.' },
      }),
      rbac: obj('RBAC of the webhook (reads namespaces) and of the scanner (see scanner).', {
        create: bool('Create the ClusterRoles, Roles and bindings.'),
        // Kept so that `helm upgrade --reuse-values` from a release that set it still passes the schema.
        scannerReadAccess: bool('Deprecated and ignored: the scanner has its own ClusterRole (scanner.enabled, scanner.extraReadRules).'),
      }),
      webhook: obj('The ValidatingWebhookConfiguration.', {
        timeoutSeconds: { type: 'integer', minimum: 1, maximum: 30, description: 'Deadline of one webhook call, in seconds.' },
        failurePolicy: { enum: ['Fail', 'Ignore'], description: 'failurePolicy of the deny webhook (the warn webhook always uses Ignore).' },
        excludedNamespaces: { type: 'array', uniqueItems: true, items: { type: 'string', pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$' }, description: 'Namespaces never sent to the webhook, besides the release namespace and kube-system (always excluded).' },
        namespaceOptOutLabel: bool('Namespaces labelled `<prefix>/webhook=disabled` are not sent to the webhooks (per-namespace break glass).'),
        namespaceSelector: labelSelector('Extra namespace selection, ANDed with the exclusions.'),
        objectSelector: labelSelector('Object selector of both webhooks.'),
        matchConditions: list('CEL match conditions of both webhooks (Kubernetes 1.30+).', {
          type: 'object',
          additionalProperties: false,
          required: ['name', 'expression'],
          properties: { name: { type: 'string', minLength: 1 }, expression: { type: 'string', minLength: 1 } },
        }),
        failClosedForEnforcedNamespaces: bool('Under mode warn/audit, send deny-level traffic of namespaces labelled `<prefix>/mode: enforce` through the fail-closed webhook.'),
        extraRules: obj('Rules for kinds only user policies inspect.', { deny: list('Rules added to the deny webhook.', rule), warn: list('Rules added to the warn webhook.', rule) }),
      }),
      certificates: obj(
        'Serving certificate of the webhook.',
        {
          mode: { enum: ['certManager', 'provided'], description: 'certManager issues and rotates it; provided uses your Secret and caBundle.' },
          certManager: obj('cert-manager settings.', {
            issuerRef: obj('Your Issuer/ClusterIssuer; empty creates a self-signed CA for the release.', {
              name: str('Issuer name.', { minLength: 1 }),
              kind: { enum: ['Issuer', 'ClusterIssuer'], description: 'Issuer kind.' },
              group: str('Issuer API group.'),
            }),
            duration: duration('Serving certificate lifetime.'),
            renewBefore: duration('Renew this long before expiry.'),
            caDuration: duration('Lifetime of the self-signed CA.'),
          }),
          provided: obj('Bring your own certificate.', {
            secretName: str('kubernetes.io/tls Secret in the release namespace.'),
            caBundle: str('Base64-encoded PEM CA bundle.', { pattern: '^[A-Za-z0-9+/=]*$' }),
          }),
          clientCA,
        },
        {
          if: { properties: { mode: { const: 'provided' } } },
          then: {
            properties: {
              provided: { required: ['secretName', 'caBundle'], properties: { secretName: { minLength: 1 }, caBundle: { minLength: 1 } } },
            },
          },
        },
      ),
      service: obj('Service in front of the pods.', { port: port('Service port the API server calls.') }),
      containerPort: port('HTTPS port of the server (--port).'),
      metrics: obj('Prometheus metrics.', {
        port: port('Metrics port (--metrics-port).'),
        serviceMonitor: obj('Prometheus Operator ServiceMonitor.', {
          enabled: bool('Create a ServiceMonitor.'),
          interval: duration('Scrape interval.'),
          labels: { type: 'object', additionalProperties: { type: 'string' }, description: 'Extra ServiceMonitor labels.' },
        }),
      }),
      networkPolicy: obj('NetworkPolicy of the webhook pods.', {
        enabled: bool('Create it.'),
        webhookFrom: list('Peers allowed to the webhook port; empty: any.'),
        metricsFrom: list('Peers allowed to the metrics port; empty: any.'),
        apiServer: obj('Egress to the API server.', {
          cidrs: { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 }, description: 'API server CIDRs.' },
          ports: { type: 'array', minItems: 1, items: { type: 'integer', minimum: 1, maximum: 65535 }, description: 'API server ports.' },
        }),
        alertsEgress: list('Egress rules (NetworkPolicy egress items) to alert receivers in config.alerts (Alertmanager, Slack, a SIEM).'),
      }),
      resources: resources('Container resources (requests and limits are required; Node\'s heap is capped at 5/8 of limits.memory).'),
      podDisruptionBudget: pdb('PodDisruptionBudget.'),
      topologySpreadConstraints: list('Spread constraints (labelSelector defaults to the pods).'),
      preStopSleepSeconds: { type: 'integer', minimum: 0, maximum: 60, description: 'preStop pause before SIGTERM so endpoint removal reaches the API server (Kubernetes 1.30+; 0 disables).' },
      priorityClassName: str('Pod priority class.'),
      nodeSelector: { type: 'object', additionalProperties: { type: 'string' }, description: 'Node selector.' },
      tolerations: list('Tolerations.'),
      affinity: freeObject('Affinity.'),
      podAnnotations: { type: 'object', additionalProperties: { type: 'string' }, description: 'Extra pod annotations.' },
      podLabels: { type: 'object', additionalProperties: { type: 'string' }, description: 'Extra pod labels.' },
      scanner: obj('The posture scanner (`kube-posture controller`): its own Deployment, ServiceAccount and least-privilege RBAC.', {
        enabled: bool('Deploy the scanner.'),
        replicaCount: { type: 'integer', minimum: 1, description: 'Scanner replicas; leader election (a Lease) makes one write, the others stand by.' },
        opsPort: port('Port of /healthz, /readyz and /metrics (--ops-port).'),
        resources: resources('Container resources (requests and limits are required; Node\'s heap is capped at 5/8 of limits.memory).'),
        reports: obj('Policy reports the scanner writes.', {
          format: { enum: ['openreports', 'wgpolicy', 'none'], description: 'openreports.io Reports, wgpolicyk8s.io PolicyReports (needs their CRDs), or none (--reports).' },
          includePass: bool('Also record a pass result per policy that found nothing (--include-pass).'),
          maxReports: { type: 'integer', minimum: 1, maximum: 1000000, description: 'Upper bound on the report objects kept in the cluster (--max-reports).' },
          writeRate: { type: 'number', exclusiveMinimum: 0, maximum: 1000, description: 'Report writes per second, at most (--write-rate).' },
        }),
        rescanInterval: { type: 'integer', minimum: 60, maximum: 604800, description: 'Seconds between full rescans, besides the watches (--rescan-interval).' },
        htmlReport: obj('The HTML report and its saved scan served on the ops port at /report and /report.json (docs/report.md).', {
          access: { enum: ['local', 'any', 'off'], description: "local: the pod's loopback only (kubectl port-forward); any: whoever reaches the ops port; off: not served (--report-access)." },
          interval: { type: 'integer', minimum: 0, maximum: 3600, description: 'Least seconds between two builds of the served report (--report-interval).' },
        }),
        logLevel: { enum: ['fatal', 'error', 'warn', 'info', 'debug', 'trace'], description: 'Scanner log level.' },
        serviceAccount: obj('ServiceAccount of the scanner pods (not the webhook\'s: each has only its own rights).', {
          create: bool('Create the ServiceAccount.'),
          name: str('Name; defaults to `<fullname>-scanner`.'),
          annotations: { type: 'object', additionalProperties: { type: 'string' }, description: 'ServiceAccount annotations.' },
        }),
        extraReadRules: list('Read rules (get, list, watch) for kinds only user policies inspect; never secrets or "*".', readRule),
        podDisruptionBudget: pdb('PodDisruptionBudget of the scanner.'),
        topologySpreadConstraints: list('Spread constraints (labelSelector defaults to the scanner pods).'),
        nodeSelector: { type: 'object', additionalProperties: { type: 'string' }, description: 'Node selector.' },
        tolerations: list('Tolerations.'),
        affinity: freeObject('Affinity.'),
      }),
    },
  };
}
