/**
 * The compliance catalogue: every control a policy may name in its `controls`, with its framework and
 * title. Policies refer to controls by id (`pss:baseline/privileged`, `cis-k8s:5.1.6`, `nsa:pod-security`,
 * `mitre:T1610`, `cve:CVE-2020-8554`); this module is the one place those ids are given meaning, and a
 * test fails when a policy names an id that is missing here, so a typo cannot silently create a
 * control nobody reports on. Coverage is never kept by hand: `buildCatalogue` derives it from the
 * policies' own metadata.
 */
import type { Registry } from '../core/registry.js';
import type { Action, Severity } from '../core/types.js';

export type FrameworkId = 'pss' | 'cis-k8s' | 'nsa' | 'mitre' | 'cve';

export interface Framework {
  id: FrameworkId;
  name: string;
  /** The edition the titles follow. */
  version: string;
  url: string;
}

export interface Control {
  /** `<framework>:<local id>`, as policies write it. */
  id: string;
  framework: FrameworkId;
  title: string;
  /** Section or level the control belongs to, for grouping (`5.1 RBAC and Service Accounts`, `Baseline`). */
  group?: string;
  url?: string;
}

/** Frameworks in the order reports present them. */
export const FRAMEWORKS: readonly Framework[] = [
  { id: 'pss', name: 'Kubernetes Pod Security Standards', version: 'check ids of k8s.io/pod-security-admission', url: 'https://kubernetes.io/docs/concepts/security/pod-security-standards/' },
  { id: 'cis-k8s', name: 'CIS Kubernetes Benchmark, section 5 (Policies)', version: 'v1.9 / v1.10', url: 'https://www.cisecurity.org/benchmark/kubernetes' },
  { id: 'nsa', name: 'NSA/CISA Kubernetes Hardening Guide', version: 'v1.2 (August 2022)', url: 'https://media.defense.gov/2022/Aug/29/2003066362/-1/-1/0/CTR_KUBERNETES_HARDENING_GUIDANCE_1.2_20220829.PDF' },
  { id: 'mitre', name: 'MITRE ATT&CK (Containers matrix and related Enterprise techniques)', version: 'Enterprise v15', url: 'https://attack.mitre.org/matrices/enterprise/containers/' },
  { id: 'cve', name: 'Kubernetes CVEs without an in-tree fix', version: 'official CVE feed', url: 'https://kubernetes.io/docs/reference/issues-security/official-cve-feed/' },
];

const PSS_URL = 'https://kubernetes.io/docs/concepts/security/pod-security-standards/';
const pss = (level: 'baseline' | 'restricted', checkId: string, title: string): Control => ({
  id: `pss:${level}/${checkId}`,
  framework: 'pss',
  title,
  group: level === 'baseline' ? 'Baseline' : 'Restricted',
  url: `${PSS_URL}#${level}`,
});

// The check ids are those of k8s.io/pod-security-admission; the titles those of the standard's tables.
const PSS_CONTROLS: Control[] = [
  pss('baseline', 'windowsHostProcess', 'HostProcess: Windows HostProcess containers are not allowed'),
  pss('baseline', 'hostNamespaces', 'Host Namespaces: sharing the host network, PID or IPC namespace is not allowed'),
  pss('baseline', 'privileged', 'Privileged Containers: privileged mode is not allowed'),
  pss('baseline', 'capabilities_baseline', 'Capabilities: no capabilities beyond the default set may be added'),
  pss('baseline', 'hostPathVolumes', 'HostPath Volumes: hostPath volumes are not allowed'),
  pss('baseline', 'hostPorts', 'Host Ports: host ports are not allowed (or limited to a known list)'),
  pss('baseline', 'hostProbesAndHostLifecycle', 'Host Probes / Lifecycle Hooks: probes and hooks must not target another host'),
  pss('baseline', 'appArmorProfile', 'AppArmor: the default AppArmor profile may not be overridden or disabled'),
  pss('baseline', 'seLinuxOptions', 'SELinux: custom SELinux user or role options and types are not allowed'),
  pss('baseline', 'procMount', '/proc Mount Type: the default /proc masks are required'),
  pss('baseline', 'seccompProfile_baseline', 'Seccomp: the seccomp profile must not be Unconfined'),
  pss('baseline', 'sysctls', 'Sysctls: only the safe subset of sysctls is allowed'),
  pss('restricted', 'restrictedVolumes', 'Volume Types: only non-host volume types are allowed'),
  pss('restricted', 'allowPrivilegeEscalation', 'Privilege Escalation: allowPrivilegeEscalation must be false'),
  pss('restricted', 'runAsNonRoot', 'Running as Non-root: containers must run as non-root users'),
  pss('restricted', 'runAsUser', 'Running as Non-root user: runAsUser must not be 0'),
  pss('restricted', 'seccompProfile_restricted', 'Seccomp: a RuntimeDefault or Localhost seccomp profile is required'),
  pss('restricted', 'capabilities_restricted', 'Capabilities: all capabilities dropped; only NET_BIND_SERVICE may be added'),
  pss('restricted', 'procMount_restricted', '/proc Mount Type: the default /proc masks are required, also in user-namespaced pods'),
];

const CIS_SECTIONS: Record<string, string> = {
  '5.1': '5.1 RBAC and Service Accounts',
  '5.2': '5.2 Pod Security Standards',
  '5.3': '5.3 Network Policies and CNI',
  '5.4': '5.4 Secrets Management',
  '5.5': '5.5 Extensible Admission Control',
  '5.7': '5.7 General Policies',
};
const cis = (number: string, title: string): Control => ({
  id: `cis-k8s:${number}`,
  framework: 'cis-k8s',
  title,
  group: CIS_SECTIONS[number.split('.').slice(0, 2).join('.')] ?? 'Section 5',
});

// CIS Kubernetes Benchmark v1.9.0 / v1.10.0, section 5. (v1.10 leaves the numbering of section 5 as is.)
const CIS_CONTROLS: Control[] = [
  cis('5.1.1', 'Ensure that the cluster-admin role is only used where required'),
  cis('5.1.2', 'Minimize access to secrets'),
  cis('5.1.3', 'Minimize wildcard use in Roles and ClusterRoles'),
  cis('5.1.4', 'Minimize access to create pods'),
  cis('5.1.5', 'Ensure that default service accounts are not actively used'),
  cis('5.1.6', 'Ensure that Service Account Tokens are only mounted where necessary'),
  cis('5.1.7', 'Avoid use of system:masters group'),
  cis('5.1.8', 'Limit use of the Bind, Impersonate and Escalate permissions in the Kubernetes cluster'),
  cis('5.1.9', 'Minimize access to create persistent volumes'),
  cis('5.1.10', 'Minimize access to the proxy sub-resource of nodes'),
  cis('5.1.11', 'Minimize access to the approval sub-resource of certificatesigningrequests objects'),
  cis('5.1.12', 'Minimize access to webhook configuration objects'),
  cis('5.1.13', 'Minimize access to the service account token creation'),
  cis('5.2.1', 'Ensure that the cluster has at least one active policy control mechanism in place'),
  cis('5.2.2', 'Minimize the admission of privileged containers'),
  cis('5.2.3', 'Minimize the admission of containers wishing to share the host process ID namespace'),
  cis('5.2.4', 'Minimize the admission of containers wishing to share the host IPC namespace'),
  cis('5.2.5', 'Minimize the admission of containers wishing to share the host network namespace'),
  cis('5.2.6', 'Minimize the admission of containers with allowPrivilegeEscalation'),
  cis('5.2.7', 'Minimize the admission of root containers'),
  cis('5.2.8', 'Minimize the admission of containers with the NET_RAW capability'),
  cis('5.2.9', 'Minimize the admission of containers with added capabilities'),
  cis('5.2.10', 'Minimize the admission of containers with capabilities assigned'),
  cis('5.2.11', 'Minimize the admission of Windows HostProcess containers'),
  cis('5.2.12', 'Minimize the admission of HostPath volumes'),
  cis('5.2.13', 'Minimize the admission of containers which use HostPorts'),
  cis('5.3.1', 'Ensure that the CNI in use supports NetworkPolicies'),
  cis('5.3.2', 'Ensure that all Namespaces have NetworkPolicies defined'),
  cis('5.4.1', 'Prefer using Secrets as files over Secrets as environment variables'),
  cis('5.4.2', 'Consider external secret storage'),
  cis('5.5.1', 'Configure Image Provenance using ImagePolicyWebhook admission controller'),
  cis('5.7.1', 'Create administrative boundaries between resources using namespaces'),
  cis('5.7.2', 'Ensure that the seccomp profile is set to docker/default in your Pod definitions'),
  cis('5.7.3', 'Apply SecurityContext to your Pods and Containers'),
  cis('5.7.4', 'The default namespace should not be used'),
];

// The main sections of the hardening guide; the ids are what policies write after `nsa:`.
const NSA_CONTROLS: Control[] = [
  { id: 'nsa:pod-security', framework: 'nsa', title: 'Kubernetes Pod security: non-root and immutable containers, secure images, pod security enforcement, service account tokens' },
  { id: 'nsa:network-separation', framework: 'nsa', title: 'Network separation and hardening: namespaces, network policies, resource policies, control plane, encryption, Secrets' },
  { id: 'nsa:authentication-authorization', framework: 'nsa', title: 'Authentication and authorization: least-privilege RBAC, no anonymous access' },
  { id: 'nsa:audit-logging', framework: 'nsa', title: 'Audit logging and threat detection' },
  { id: 'nsa:upgrading-and-application-security', framework: 'nsa', title: 'Upgrading and application security practices' },
];

const mitre = (technique: string, title: string): Control => ({
  id: `mitre:${technique}`,
  framework: 'mitre',
  title,
  url: `https://attack.mitre.org/techniques/${technique.replace('.', '/')}/`,
});

// The techniques of the ATT&CK Containers matrix (parents listed where sub-techniques are), plus the
// Enterprise techniques that Kubernetes RBAC and network policies also mitigate (cloud metadata,
// certificates, proxying, exfiltration).
const MITRE_CONTROLS: Control[] = [
  mitre('T1036', 'Masquerading'),
  mitre('T1041', 'Exfiltration Over C2 Channel'),
  mitre('T1036.005', 'Masquerading: Match Legitimate Name or Location'),
  mitre('T1046', 'Network Service Discovery'),
  mitre('T1053', 'Scheduled Task/Job'),
  mitre('T1053.007', 'Scheduled Task/Job: Container Orchestration Job'),
  mitre('T1068', 'Exploitation for Privilege Escalation'),
  mitre('T1069', 'Permission Groups Discovery'),
  mitre('T1070', 'Indicator Removal'),
  mitre('T1078', 'Valid Accounts'),
  mitre('T1078.001', 'Valid Accounts: Default Accounts'),
  mitre('T1078.003', 'Valid Accounts: Local Accounts'),
  mitre('T1098', 'Account Manipulation'),
  mitre('T1098.006', 'Account Manipulation: Additional Container Cluster Roles'),
  mitre('T1090', 'Proxy'),
  mitre('T1110', 'Brute Force'),
  mitre('T1133', 'External Remote Services'),
  mitre('T1134', 'Access Token Manipulation'),
  mitre('T1190', 'Exploit Public-Facing Application'),
  mitre('T1204', 'User Execution'),
  mitre('T1204.003', 'User Execution: Malicious Image'),
  mitre('T1485', 'Data Destruction'),
  mitre('T1490', 'Inhibit System Recovery'),
  mitre('T1496', 'Resource Hijacking'),
  mitre('T1498', 'Network Denial of Service'),
  mitre('T1499', 'Endpoint Denial of Service'),
  mitre('T1525', 'Implant Internal Image'),
  mitre('T1528', 'Steal Application Access Token'),
  mitre('T1543', 'Create or Modify System Process'),
  mitre('T1543.005', 'Create or Modify System Process: Container Service'),
  mitre('T1550', 'Use Alternate Authentication Material'),
  mitre('T1550.001', 'Use Alternate Authentication Material: Application Access Token'),
  mitre('T1552', 'Unsecured Credentials'),
  mitre('T1552.001', 'Unsecured Credentials: Credentials In Files'),
  mitre('T1552.005', 'Unsecured Credentials: Cloud Instance Metadata API'),
  mitre('T1552.007', 'Unsecured Credentials: Container API'),
  mitre('T1562', 'Impair Defenses'),
  mitre('T1562.001', 'Impair Defenses: Disable or Modify Tools'),
  mitre('T1562.007', 'Impair Defenses: Disable or Modify Cloud Firewall'),
  mitre('T1609', 'Container Administration Command'),
  mitre('T1610', 'Deploy Container'),
  mitre('T1611', 'Escape to Host'),
  mitre('T1612', 'Build Image on Host'),
  mitre('T1613', 'Container and Resource Discovery'),
  mitre('T1649', 'Steal or Forge Authentication Certificates'),
];

const cve = (id: string, title: string): Control => ({ id: `cve:${id}`, framework: 'cve', title, url: `https://www.cve.org/CVERecord?id=${id}` });

// Kubernetes vulnerabilities that stay open by design and are mitigated by admission policy.
const CVE_CONTROLS: Control[] = [
  cve('CVE-2020-8554', 'Man in the middle using LoadBalancer or ExternalIPs Services'),
  cve('CVE-2021-25740', 'Endpoint and EndpointSlice permissions allow cross-namespace forwarding'),
  cve('CVE-2021-25741', 'Symlink exchange can allow host filesystem access (volume subPath)'),
  cve('CVE-2021-25742', 'ingress-nginx custom snippets allow retrieval of the controller token and Secrets across namespaces'),
];

/** Every control, grouped by framework in FRAMEWORKS order, each framework in its own reading order. */
export const CONTROLS: readonly Control[] = Object.freeze([...PSS_CONTROLS, ...CIS_CONTROLS, ...NSA_CONTROLS, ...MITRE_CONTROLS, ...CVE_CONTROLS]);

const byId = new Map(CONTROLS.map((c) => [c.id, c]));

export function lookupControl(id: string): Control | undefined {
  return byId.get(id);
}

/** What a catalogue entry says about a covering policy. */
export interface CoveringPolicy {
  id: string;
  title: string;
  category: string;
  severity: Severity;
  defaultAction: Action;
  /** Action in the `recommended` profile; absent when the policy is not part of it. */
  recommended?: Action;
}

export interface CatalogueEntry extends Control {
  /** Policies that name this control, sorted by id. Empty when nothing covers it yet. */
  policies: CoveringPolicy[];
}

export interface Catalogue {
  frameworks: readonly Framework[];
  /** Every control of the catalogue, in catalogue order, with its covering policies. */
  controls: CatalogueEntry[];
  /** Control ids that policies name but the catalogue does not know, with those policies' ids. */
  unknown: { id: string; policies: string[] }[];
}

/** Every control with the policies of the registry that cover it, derived from the policies' metadata. */
export function buildCatalogue(registry: Registry): Catalogue {
  const covering = new Map<string, CoveringPolicy[]>();
  const policies = [...registry.policies.values()].map((r) => r.policy).sort((a, b) => compareStrings(a.id, b.id));
  for (const p of policies) {
    for (const control of new Set(p.controls)) {
      const list = covering.get(control) ?? [];
      list.push({ id: p.id, title: p.title, category: p.category, severity: p.severity, defaultAction: p.defaultAction, ...(p.recommended ? { recommended: p.recommended } : {}) });
      covering.set(control, list);
    }
  }
  const controls = CONTROLS.map((c) => ({ ...c, policies: covering.get(c.id) ?? [] }));
  const unknown = [...covering.entries()]
    .filter(([id]) => !byId.has(id))
    .map(([id, list]) => ({ id, policies: list.map((p) => p.id) }))
    .sort((a, b) => compareStrings(a.id, b.id));
  return { frameworks: FRAMEWORKS, controls, unknown };
}

/** Locale-independent ordering, so generated output is the same on every machine. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
