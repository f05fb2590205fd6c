/**
 * Which Node.js runs the suite. `npm run test:lts` (scripts/node-lts.sh) puts the image's LTS first on
 * PATH and sets KUBE_POSTURE_EXPECT_NODE to its version: this file, run by tap in a worker process like
 * every other test file, must then really run on that version. Otherwise a runner or PATH change that
 * fell back to the machine's Node would make the LTS run a silent second copy of `npm test`.
 * Under plain `npm test` the Node in use must be one that package.json's engines admits.
 */
import t from 'tap';
import { enginesNode, satisfies } from '../helpers/node-runtime.js';

const expected = process.env.KUBE_POSTURE_EXPECT_NODE;
const engines = await enginesNode();

if (expected) {
  t.equal(process.versions.node, expected, `test workers run on the Node that npm run test:lts installed (${process.execPath})`);
}
t.ok(satisfies(process.versions.node, engines), `Node ${process.versions.node} is in the engines range ${engines}`);

t.test('the engines range parser', async (t) => {
  t.ok(satisfies('24.22.3', '^20.19.0 || ^22.12.0 || >=24'));
  t.ok(satisfies('20.20.2', '^20.19.0 || ^22.12.0 || >=24'));
  t.ok(satisfies('22.12.0', '^20.19.0 || ^22.12.0 || >=24'));
  t.notOk(satisfies('22.11.0', '^20.19.0 || ^22.12.0 || >=24'));
  t.notOk(satisfies('23.11.0', '^20.19.0 || ^22.12.0 || >=24'));
  t.notOk(satisfies('20.18.3', '^20.19.0 || ^22.12.0 || >=24'));
  t.ok(satisfies('20.19.0', '>=20.19 <21'));
  t.notOk(satisfies('21.0.0', '>=20.19 <21'));
  t.ok(satisfies('24.1.0', '24.1.0'));
  t.throws(() => satisfies('24.1.0', '24'), /partial version/);
  t.throws(() => satisfies('24.1.0', '~24.1.0'), /not a version/);
});
