import { asArray, asRecord, definePodPolicy, type Violation } from '../../../src/sdk.js';
import { isSet, pssControls } from '../pss-common.js';

/** Volume sources that carry no node or network storage of their own. */
const ALLOWED_SOURCES = ['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'image', 'persistentVolumeClaim', 'projected', 'secret'] as const;
/** Known restricted sources, in the order Pod Security Admission names them. */
const RESTRICTED_SOURCES = ['hostPath', 'gcePersistentDisk', 'awsElasticBlockStore', 'gitRepo', 'nfs', 'iscsi', 'glusterfs', 'rbd', 'flexVolume', 'cinder', 'cephfs', 'flocker', 'fc', 'azureFile', 'vsphereVolume', 'quobyte', 'azureDisk', 'photonPersistentDisk', 'portworxVolume', 'scaleIO', 'storageos'] as const;

/**
 * Pod Security Standards restricted `restrictedVolumes` (all versions): inline volumes are limited to
 * the sources that do not reach node or network storage directly. Replaces the baseline hostPath check
 * at the restricted level (hostPath is one of the restricted sources).
 */
export default definePodPolicy({
  id: 'pss-restricted-volumes',
  title: 'Only non-host, non-network inline volume types are allowed',
  description: `Every spec.volumes[*] must use one of ${ALLOWED_SOURCES.join(', ')}; any other source (${RESTRICTED_SOURCES.join(', ')}, or one this version does not know) is denied. A volume without a source is allowed: the API server defaults it to emptyDir.`,
  severity: 'medium',
  category: 'pod-security',
  controls: pssControls('restricted', 'restrictedVolumes', ['5.2.12']),
  remediation: 'Use a persistentVolumeClaim (or csi/ephemeral volume) instead of an inline node or network volume.',
  defaultAction: 'deny',
  recommended: 'warn',
  pss: { level: 'restricted', checkId: 'restrictedVolumes', supersedes: [{ policy: 'pss-host-path-volumes', since: 'v1.0' }] },
  check(pod) {
    const out: Violation[] = [];
    asArray((pod.spec as Record<string, unknown>).volumes).forEach((v, i) => {
      const volume = asRecord(v);
      if (!volume) return;
      if (ALLOWED_SOURCES.some((s) => isSet(volume[s]))) return;
      // The API server defaults a volume without any source to emptyDir before admission.
      const setKeys = Object.keys(volume).filter((k) => k !== 'name' && isSet(volume[k]));
      if (setKeys.length === 0) return;
      const name = typeof volume.name === 'string' ? volume.name : `volumes[${i}]`;
      const source = RESTRICTED_SOURCES.find((s) => isSet(volume[s]));
      out.push(source
        ? { path: ['spec', 'volumes', i, source], message: `volume "${name}": ${source} volumes are not allowed; use ${ALLOWED_SOURCES.join(', ')}` }
        : { path: ['spec', 'volumes', i, setKeys[0]!], message: `volume "${name}": volume source ${setKeys[0]!} is not allowed; use ${ALLOWED_SOURCES.join(', ')}` });
    });
    return out;
  },
});
