import { asArray, asRecord, definePodPolicy, type Violation } from '../../../src/sdk.js';
import { isSet, pssControls } from '../pss-common.js';

/** Pod Security Standards baseline `hostPathVolumes` (all versions): no hostPath volumes. */
export default definePodPolicy({
  id: 'pss-host-path-volumes',
  title: 'HostPath volumes are not allowed',
  description: 'Restricts spec.volumes[*].hostPath; allowed value: unset.',
  severity: 'high',
  category: 'pod-security',
  controls: pssControls('baseline', 'hostPathVolumes', ['5.2.12']),
  remediation: 'Replace hostPath volumes with persistentVolumeClaim, configMap, secret, emptyDir or another volume type that does not expose the node file system.',
  defaultAction: 'deny',
  recommended: 'deny',
  pss: { level: 'baseline', checkId: 'hostPathVolumes' },
  check(pod) {
    const out: Violation[] = [];
    asArray((pod.spec as Record<string, unknown>).volumes).forEach((v, i) => {
      const volume = asRecord(v);
      if (!volume || !isSet(volume.hostPath)) return;
      const name = typeof volume.name === 'string' ? volume.name : `volumes[${i}]`;
      out.push({ path: ['spec', 'volumes', i, 'hostPath'], message: `volume "${name}": hostPath volumes are not allowed` });
    });
    return out;
  },
});
