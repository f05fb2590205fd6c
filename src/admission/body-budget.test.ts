import t from 'tap';
import { defaultBodyBudget, oldSpaceLimitMb } from './server.js';

t.test('the body budget follows the old-space flag, not V8\'s whole heap limit (which Node 24 sets far higher)', async (t) => {
  t.equal(oldSpaceLimitMb(['--max-old-space-size=160'], ''), 160);
  t.equal(oldSpaceLimitMb([], '--enable-source-maps --max-old-space-size=192'), 192, 'NODE_OPTIONS, as the chart sets it');
  t.equal(oldSpaceLimitMb(['--max-old-space-size=96'], '--max-old-space-size=192'), 96, 'a flag on the command line wins over NODE_OPTIONS, as in Node');
  t.ok(oldSpaceLimitMb([], '') > 0, 'without the flag: V8\'s limit');
  const body = 8 * 1024 * 1024;
  t.equal(Math.floor(defaultBodyBudget(body, 160) / 7_900_000), 3, 'three 7.9 MB reviews at once under the chart\'s 160 MB');
  t.equal(defaultBodyBudget(body, 16), body, 'never less than one body');
});
