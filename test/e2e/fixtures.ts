// Objects shared by the e2e scenarios. `compliantPodSpec` passes every policy of the recommended
// profile and the restricted Pod Security Standard (no warnings), so each scenario's "bad" object
// differs from it in exactly the field under test.

export type Obj = Record<string, unknown>

// A digest-pinned image from an allowed public registry (nothing is pulled: there is no kubelet).
export const IMAGE = 'registry.k8s.io/pause:3.10@sha256:ee6521f290b2168b6e0935a181d4cff9be1ac3f505666ef0e3c98fae8199917a'
export const LABELS = { 'app.kubernetes.io/name': 'e2e-app' }

export function compliantPodSpec(): Obj {
  return {
    automountServiceAccountToken: false,
    serviceAccountName: 'e2e-app',
    securityContext: { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } },
    containers: [
      {
        name: 'app',
        image: IMAGE,
        securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
        resources: { requests: { cpu: '10m', memory: '16Mi' }, limits: { memory: '16Mi' } },
        livenessProbe: { tcpSocket: { port: 8080 } },
        readinessProbe: { tcpSocket: { port: 8080 } },
      },
    ],
  }
}

/** `compliantPodSpec` with `edit` applied to its first container. */
export function podSpecWith(edit: (container: Obj, spec: Obj) => void): Obj {
  const spec = compliantPodSpec()
  edit((spec['containers'] as Obj[])[0]!, spec)
  return spec
}

export function pod(name: string, spec: Obj = compliantPodSpec()): Obj {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, labels: { ...LABELS } }, spec }
}

export function deployment(name: string, spec: Obj = compliantPodSpec()): Obj {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, labels: { ...LABELS } },
    spec: {
      replicas: 1,
      selector: { matchLabels: { ...LABELS } },
      template: { metadata: { labels: { ...LABELS } }, spec },
    },
  }
}

export const privilegedSpec = (): Obj =>
  podSpecWith((c) => {
    const sc = c['securityContext'] as Obj
    sc['privileged'] = true
    // The API server's own validation refuses privileged together with allowPrivilegeEscalation: false.
    delete sc['allowPrivilegeEscalation']
  })

export const PRIVILEGED_POD_PATH = 'spec.containers[0].securityContext.privileged'
export const PRIVILEGED_TEMPLATE_PATH = 'spec.template.spec.containers[0].securityContext.privileged'
