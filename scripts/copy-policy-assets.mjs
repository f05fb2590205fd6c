// Copies declarative policies (YAML/JSON) next to the compiled modules, so that dist/policies is a
// complete library. Fixtures stay in the source tree: they are for tests, not for the runtime.
import { cpSync, existsSync } from 'node:fs';
import { join } from 'node:path';

const src = 'policies';
const out = join('dist', 'policies');
if (existsSync(src)) {
  cpSync(src, out, {
    recursive: true,
    filter: (path) => !path.includes('/fixtures') && !path.endsWith('.ts') && !path.endsWith('.md'),
  });
}
