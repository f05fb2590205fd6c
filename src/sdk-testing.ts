/**
 * What a policy's tests may import (`kube-posture/policy/testing`), beside `kube-posture/policy`.
 * It runs policies the way kube-posture itself does (loaded from their folder, configured by a
 * profile, judged by the engine), so that a test proves what the webhook and the scanner will do,
 * not what a hand-rolled call of `check` does. The built-in library's tests are held to it
 * (test/architecture/import-boundaries.test.ts). Unlike `kube-posture/policy` this entry reads
 * files, so a policy module must never import it: only its tests.
 */

/**
 * Fixtures: `readFixtures(policyFile)` reads a policy's fixtures/pass and fixtures/fail cases,
 * `runFixture` runs one case against its policy alone, `runAllFixtures` runs every case of every
 * policy in a registry (what `kube-posture policies test` does).
 */
export { readFixtures, runFixture, runAllFixtures } from './testing/fixtures.js';
export type { FixtureCase, CaseResult } from './testing/fixtures.js';

/**
 * Loading: `loadLibrary({ builtinDir: false, userDirs: [dir] })` loads a policy directory as the
 * webhook does (user TypeScript bundled by esbuild); `loadPolicyDir` loads one directory without
 * building a registry, and `buildRegistry` combines what several calls loaded.
 */
export { loadLibrary, loadPolicyDir } from './loader/load-policies.js';
export type { LibraryLoadResult, LoadedPolicies } from './loader/load-policies.js';
export { buildRegistry } from './core/registry.js';
export type { Registry } from './core/registry.js';

/**
 * Evaluating: a configuration (`{ ...DEFAULT_POLICY_CONFIG, profile: 'recommended' }`, or per-policy
 * `policies: { id: { enabled, action, parameters } }`) resolved against a registry, an input built
 * from an object (`inputFromObject(object, { userInfo, namespaceLabels, operation, oldObject })`),
 * the engine's findings (`evaluate`) and the admission decision they make (`decide`).
 */
export { DEFAULT_POLICY_CONFIG, resolveEngineConfig } from './core/engine-config.js';
export type { PolicyConfig, EngineConfig } from './core/engine-config.js';
export { inputFromObject } from './core/input.js';
export { evaluate } from './core/engine.js';
export type { EngineResult } from './core/engine.js';
export { decide } from './core/decide.js';
export type { Decision, Finding, Policy, RegisteredPolicy } from './core/types.js';

/**
 * Calling a check directly: `defaultsOf(policy.parameters)` is the parameters a policy runs with when
 * nothing is configured, `LATEST_PSS_VERSION` the version `latest` means, and `POD_KINDS` every kind
 * that carries a pod (with the path to it), for trying a pod policy on every workload.
 */
export { defaultsOf } from './core/schema-policy.js';
export { LATEST_PSS_VERSION } from './core/version.js';
export { POD_KINDS } from './core/kinds.js';
export type { KnownKind } from './core/kinds.js';
