/**
 * Random pods for the differential check: a restricted-compliant base with zero to three mutations of
 * the fields Pod Security Standards restrict, with the values that sit on either side of each rule.
 * Deterministic for a seed.
 */
// The generator builds free-form JSON; a loose record type keeps it short.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Obj = Record<string, any>;

const PROFILES = [undefined, {}, { type: 'RuntimeDefault' }, { type: 'Localhost', localhostProfile: 'x' }, { type: 'Unconfined' }, { type: '' }];
const SYSCTLS = ['kernel.shm_rmid_forced', 'net.ipv4.ip_local_port_range', 'net.ipv4.tcp_syncookies', 'net.ipv4.ping_group_range', 'net.ipv4.ip_unprivileged_port_start', 'net.ipv4.ip_local_reserved_ports', 'net.ipv4.tcp_keepalive_time', 'net.ipv4.tcp_fin_timeout', 'net.ipv4.tcp_keepalive_intvl', 'net.ipv4.tcp_keepalive_probes', 'net.ipv4.tcp_rmem', 'net.ipv4.tcp_wmem', 'net.ipv4.tcp_slow_start_after_idle', 'net.ipv4.tcp_notsent_lowat', 'kernel.msgmax', 'vm.swappiness', 'net.core.somaxconn'];
const VOLUMES: Obj[] = [{ emptyDir: {} }, { hostPath: { path: '/x' } }, { nfs: { server: 's', path: '/' } }, { configMap: { name: 'c' } }, {}, { image: { reference: 'r' } }, { gitRepo: { repository: 'r' } }, { csi: { driver: 'd' } }, { ephemeral: {} }, { hostPath: { path: '/x' }, emptyDir: {} }, { azureDisk: { diskName: 'd', diskURI: 'u' } }];

export function randomPods(count: number, seed: number): Obj[] {
  let state = seed >>> 0;
  const rnd = (): number => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const chance = (p: number): boolean => rnd() < p;

  const container = (name: string): Obj => ({ name, image: 'i', securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } } });
  const all = (p: Obj): Obj[] => [...(p.spec.initContainers ?? []), ...p.spec.containers, ...(p.spec.ephemeralContainers ?? [])];
  const some = (p: Obj): Obj => pick(all(p));
  const sc = (c: Obj): Obj => (c.securityContext ??= {});
  const podSc = (p: Obj): Obj => (p.spec.securityContext ??= {});
  const podOrContainer = (p: Obj, field: string, value: unknown): void => {
    if (chance(0.5)) podSc(p)[field] = value;
    else sc(some(p))[field] = value;
  };

  const mutations: ((p: Obj) => void)[] = [
    (p) => { sc(some(p)).privileged = pick([true, false, null]); },
    (p) => { sc(some(p)).capabilities = pick([undefined, {}, { add: ['NET_BIND_SERVICE'] }, { add: ['CHOWN'], drop: ['ALL'] }, { add: ['NET_RAW'], drop: ['ALL'] }, { add: ['SYS_ADMIN'] }, { drop: ['NET_RAW'] }, { drop: ['all'] }, { add: ['NET_BIND_SERVICE'], drop: ['ALL'] }]); },
    (p) => { p.spec[pick(['hostNetwork', 'hostPID', 'hostIPC'])] = pick([true, false]); },
    (p) => { (p.spec.volumes ??= []).push({ name: `v${p.spec.volumes.length}`, ...pick(VOLUMES) }); },
    (p) => { some(p).ports = [pick([{ containerPort: 80 }, { containerPort: 80, hostPort: 0 }, { containerPort: 80, hostPort: 8080 }])]; },
    (p) => {
      const c = some(p);
      const host = pick(['', 'x', undefined]);
      const handler = pick([{ httpGet: { port: 80, host } }, { tcpSocket: { port: 80, host } }]);
      const where = pick(['livenessProbe', 'readinessProbe', 'startupProbe', 'postStart', 'preStop']);
      if (where === 'postStart' || where === 'preStop') c.lifecycle = { [where]: handler };
      else c[where] = handler;
    },
    (p) => { podOrContainer(p, 'appArmorProfile', pick(PROFILES)); },
    (p) => { (p.metadata.annotations ??= {})[`container.apparmor.security.beta.kubernetes.io/${chance(0.8) ? some(p).name : 'other'}`] = pick(['', 'runtime/default', 'localhost/x', 'unconfined', 'foo']); },
    (p) => {
      const o: Obj = {};
      if (chance(0.7)) o.type = pick(['', 'container_t', 'container_init_t', 'container_kvm_t', 'container_engine_t', 'spc_t']);
      if (chance(0.2)) o.user = pick(['', 'u']);
      if (chance(0.2)) o.role = pick(['', 'r']);
      if (chance(0.3)) o.level = 's0';
      podOrContainer(p, 'seLinuxOptions', o);
    },
    (p) => { sc(some(p)).procMount = pick(['Default', 'Unmasked', null]); },
    (p) => { p.spec.hostUsers = pick([true, false]); },
    (p) => { podOrContainer(p, 'seccompProfile', pick(PROFILES)); },
    (p) => { (p.metadata.annotations ??= {})[chance(0.5) ? 'seccomp.security.alpha.kubernetes.io/pod' : `container.seccomp.security.alpha.kubernetes.io/${some(p).name}`] = pick(['', 'runtime/default', 'docker/default', 'localhost/x', 'unconfined']); },
    (p) => { podSc(p).sysctls = Array.from({ length: 1 + Math.floor(rnd() * 2) }, () => ({ name: pick(SYSCTLS), value: '1' })); },
    (p) => { podOrContainer(p, 'windowsOptions', { hostProcess: pick([true, false]) }); },
    (p) => { p.spec.os = { name: pick(['windows', 'linux']) }; },
    (p) => { sc(some(p)).allowPrivilegeEscalation = pick([true, undefined, null]); },
    (p) => { if (chance(0.5)) podSc(p).runAsNonRoot = pick([false, undefined, null]); else sc(some(p)).runAsNonRoot = pick([true, false, undefined]); },
    (p) => { podOrContainer(p, 'runAsUser', pick([0, 1000])); },
    (p) => { delete some(p).securityContext; },
    (p) => { delete p.spec.securityContext; },
  ];

  const pods: Obj[] = [];
  for (let i = 0; i < count; i++) {
    const p: Obj = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [container('c0')], securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } } } };
    if (chance(0.3)) p.spec.initContainers = [container('i0')];
    if (chance(0.2)) p.spec.ephemeralContainers = [container('e0')];
    if (chance(0.3)) p.spec.containers.push(container('c1'));
    const k = Math.floor(rnd() * 4);
    for (let j = 0; j < k; j++) pick(mutations)(p);
    pods.push(JSON.parse(JSON.stringify(p)) as Obj); // drops undefined values, as a manifest would
  }
  return pods;
}

/** What the API server does before admission that matters here: a volume without a source becomes emptyDir. */
export function withApiDefaults(pod: Obj): Obj {
  const copy = JSON.parse(JSON.stringify(pod)) as Obj;
  for (const v of copy.spec?.volumes ?? []) if (Object.keys(v).every((k) => k === 'name')) v.emptyDir = {};
  return copy;
}
