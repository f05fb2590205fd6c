// Copies declarative policies (YAML/JSON) and every policy's fixtures next to the compiled modules, so
// that dist/policies is a complete library and `kube-posture policies test` can check the built-in
// policies where they are installed (the fixtures are about 170 KB; the loader skips fixtures/).
import { cpSync, existsSync } from 'node:fs';
import { join } from 'node:path';

const src = 'policies';
const out = join('dist', 'policies');
if (existsSync(src)) {
  cpSync(src, out, {
    recursive: true,
    filter: (path) => !path.endsWith('.ts') && !path.endsWith('.md'),
  });
}

// The HTML report's stylesheet and page script, read at run time beside src/reporters/html/render.ts.
const reportAssets = join('src', 'reporters', 'html', 'assets');
if (existsSync(reportAssets)) cpSync(reportAssets, join('dist', reportAssets), { recursive: true });
