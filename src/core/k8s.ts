/**
 * Loose typings of the Kubernetes objects that policies read.
 *
 * Every field is optional because policies see objects from untrusted sources (manifests in CI,
 * AdmissionReviews, odd API versions). The typings describe the *expected* JSON shape; code that
 * walks an object must still tolerate wrong types at run time (see ./safe.ts), which is why
 * containers are visited through the pod subject helpers rather than by indexing directly.
 */
export type Labels = Record<string, string>;

export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  labels?: Labels;
  annotations?: Record<string, string>;
  uid?: string;
  ownerReferences?: { apiVersion?: string; kind?: string; name?: string; controller?: boolean }[];
}

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
  [key: string]: unknown;
}

export interface Capabilities { add?: string[]; drop?: string[] }
export interface SeccompProfile { type?: string; localhostProfile?: string }
export interface AppArmorProfile { type?: string; localhostProfile?: string }
export interface SELinuxOptions { user?: string; role?: string; type?: string; level?: string }
export interface WindowsSecurityContextOptions { hostProcess?: boolean; runAsUserName?: string; gmsaCredentialSpec?: string; gmsaCredentialSpecName?: string }

export interface SecurityContext {
  privileged?: boolean;
  allowPrivilegeEscalation?: boolean;
  capabilities?: Capabilities;
  readOnlyRootFilesystem?: boolean;
  runAsNonRoot?: boolean;
  runAsUser?: number;
  runAsGroup?: number;
  procMount?: string;
  seccompProfile?: SeccompProfile;
  appArmorProfile?: AppArmorProfile;
  seLinuxOptions?: SELinuxOptions;
  windowsOptions?: WindowsSecurityContextOptions;
}

export interface PodSecurityContext {
  runAsNonRoot?: boolean;
  runAsUser?: number;
  runAsGroup?: number;
  fsGroup?: number;
  supplementalGroups?: number[];
  sysctls?: { name?: string; value?: string }[];
  seccompProfile?: SeccompProfile;
  appArmorProfile?: AppArmorProfile;
  seLinuxOptions?: SELinuxOptions;
  windowsOptions?: WindowsSecurityContextOptions;
}

export interface ExecAction { command?: string[] }
export interface HTTPGetAction { path?: string; port?: number | string; host?: string; scheme?: string }
export interface TCPSocketAction { port?: number | string; host?: string }
export interface ProbeHandler { exec?: ExecAction; httpGet?: HTTPGetAction; tcpSocket?: TCPSocketAction; grpc?: { port?: number; service?: string } }
export interface Probe extends ProbeHandler { initialDelaySeconds?: number; periodSeconds?: number; timeoutSeconds?: number; failureThreshold?: number }
export interface Lifecycle { postStart?: ProbeHandler & { sleep?: { seconds?: number } }; preStop?: ProbeHandler & { sleep?: { seconds?: number } } }

export interface EnvVar {
  name?: string;
  value?: string;
  valueFrom?: {
    secretKeyRef?: { name?: string; key?: string; optional?: boolean };
    configMapKeyRef?: { name?: string; key?: string };
    fieldRef?: { fieldPath?: string };
    resourceFieldRef?: { resource?: string };
  };
}

export interface ContainerPort { name?: string; containerPort?: number; hostPort?: number; hostIP?: string; protocol?: string }
export interface ResourceRequirements { limits?: Record<string, string | number>; requests?: Record<string, string | number> }

export interface Container {
  name?: string;
  image?: string;
  imagePullPolicy?: string;
  command?: string[];
  args?: string[];
  env?: EnvVar[];
  envFrom?: { secretRef?: { name?: string }; configMapRef?: { name?: string }; prefix?: string }[];
  ports?: ContainerPort[];
  resources?: ResourceRequirements;
  securityContext?: SecurityContext;
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  startupProbe?: Probe;
  lifecycle?: Lifecycle;
  volumeMounts?: { name?: string; mountPath?: string; readOnly?: boolean; subPath?: string }[];
  restartPolicy?: string;
  /** Ephemeral containers only. */
  targetContainerName?: string;
}

export interface Volume {
  name?: string;
  hostPath?: { path?: string; type?: string };
  [source: string]: unknown;
}

export interface PodSpec {
  containers?: Container[];
  initContainers?: Container[];
  ephemeralContainers?: Container[];
  volumes?: Volume[];
  hostNetwork?: boolean;
  hostPID?: boolean;
  hostIPC?: boolean;
  hostUsers?: boolean;
  hostAliases?: { ip?: string; hostnames?: string[] }[];
  securityContext?: PodSecurityContext;
  serviceAccountName?: string;
  automountServiceAccountToken?: boolean;
  runtimeClassName?: string;
  nodeName?: string;
  os?: { name?: string };
  restartPolicy?: string;
}

/** A Pod, or the pod part of a workload's template: the `metadata` and `spec` that become a Pod. */
export interface PodLike {
  metadata?: ObjectMeta;
  spec?: PodSpec;
}

export interface PolicyRule {
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  verbs?: string[];
  nonResourceURLs?: string[];
}

export interface Subject { kind?: string; name?: string; namespace?: string; apiGroup?: string }
