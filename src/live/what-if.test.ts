import t from 'tap';
import { labelPatch, parseWhatIf } from './what-if.js';

t.test('parseWhatIf: the four settings', async (t) => {
  t.same(parseWhatIf('profile=pss-restricted'), { kind: 'profile', profile: 'pss-restricted', text: 'profile=pss-restricted' });
  t.same(parseWhatIf('mode=enforce'), { kind: 'mode', mode: 'enforce', text: 'mode=enforce' });
  t.same(parseWhatIf('config=new.yaml'), { kind: 'config', file: 'new.yaml', text: 'config=new.yaml' });
  const ns = parseWhatIf('namespace=team-a,enforce=restricted,version=v1.30');
  t.same(ns, { kind: 'namespace', namespace: 'team-a', labels: { enforce: 'restricted', version: 'v1.30' }, text: 'namespace=team-a,enforce=restricted,version=v1.30' });
  if (ns.kind === 'namespace') t.same(Object.fromEntries(labelPatch(ns, 'kube-posture.io')), { 'team-a': { 'kube-posture.io/enforce': 'restricted', 'kube-posture.io/enforce-version': 'v1.30' } });
});

t.test('parseWhatIf: every malformed setting is a usage error naming the problem', async (t) => {
  t.throws(() => parseWhatIf('namespace=team-a'), /needs enforce=privileged\|baseline\|restricted/);
  t.throws(() => parseWhatIf('namespace=team-a,enforce=strict'), /needs enforce=/);
  t.throws(() => parseWhatIf('namespace=a,enforce=restricted,version=1.30'), /version must be/);
  t.throws(() => parseWhatIf('mode=block'), /mode must be/);
  t.throws(() => parseWhatIf('profile=x,mode=audit'), /cannot be combined/);
  t.throws(() => parseWhatIf('profile'), /not key=value/);
  t.throws(() => parseWhatIf('profile=a,profile=b'), /given twice/);
  t.throws(() => parseWhatIf('color=blue'), /use profile=NAME/);
});
