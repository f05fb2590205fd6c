/**
 * The built-in policy library compiled into the CLI's bundle. As written (in the source, and as tsc
 * compiles it) there is none, and the loader walks the policy folders and imports each module.
 * scripts/bundle.ts replaces this module's text, in the bundle only, with one that imports every
 * built-in policy module statically: a bundled CLI then finds the library without walking ~80 folders
 * and loads it as part of its own file instead of ~80 modules, each with its own reads, compile and link
 * (together most of a one-file scan's start-up). The schema policies' documents are read at build time
 * too (their YAML was a tenth of that start-up); the build still copies their files to dist/policies,
 * where they are named in messages and `policies test` finds their fixtures.
 */
export interface BuiltinBundle {
  /** Every policy file under the built-in folder, relative and '/'-separated, in findPolicyFiles' order, as built (`.js`). */
  files: readonly string[];
  /** The default export of each policy module, by its relative file. */
  modules: Readonly<Record<string, unknown>>;
  /** Each schema policy's document as read from its YAML or JSON at build time (checked and compiled at load, as from a file), by its relative file. */
  documents: Readonly<Record<string, unknown>>;
}

export const BUILTIN_BUNDLE: BuiltinBundle | undefined = undefined;
