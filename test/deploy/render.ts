/**
 * Rendering the chart for tests, here and in the end-to-end suite (test/e2e reuses `renderChart` for
 * its server-side dry run), and the oracle the rendered webhook rules are compared with.
 */
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { EngineConfig } from '../../src/core/engine-config.js';
import type { Registry } from '../../src/core/registry.js';
import type { Mode } from '../../src/core/types.js';
import { webhookRules, type WebhookRule } from '../../src/core/webhook-rules.js';
import { CHART_DIR, findHelm, helmTemplate, PLAIN_RELEASE, type TemplateOptions } from '../../scripts/manifests/helm.js';
import { json, libraryRulesData, libraryScannerRulesData } from '../../scripts/manifests/generate.js';

export { findHelm, CHART_DIR, PLAIN_RELEASE };

/** A rendered Kubernetes object (loosely typed: tests read what they check). */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [key: string]: unknown;
}

/** Parses a multi-document YAML stream into objects, skipping empty documents. */
export function parseManifests(text: string): K8sObject[] {
  const out: K8sObject[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) throw new Error(`invalid YAML in rendered manifests: ${doc.errors[0]!.message}`);
    const o: unknown = doc.toJS();
    if (o !== null && o !== undefined) out.push(o as K8sObject);
  }
  return out;
}

/**
 * `helm template` of the chart with these values, parsed. Release `kube-posture` in namespace
 * `kube-posture` unless the options say otherwise. Rejects when helm rejects the values.
 */
export async function renderChart(values: unknown = {}, options: TemplateOptions = {}): Promise<K8sObject[]> {
  return parseManifests(await helmTemplate(values, options));
}

/** A copy of the chart whose rules (the webhook's and the scanner's) come from another policy directory (the test library). */
export async function chartWithLibrary(policyDir: string): Promise<{ chartDir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'kube-posture-chart-test-'));
  const chartDir = join(dir, 'kube-posture');
  await cp(CHART_DIR, chartDir, { recursive: true });
  await writeFile(join(chartDir, 'files', 'rules.json'), json(await libraryRulesData(false, [policyDir])));
  await writeFile(join(chartDir, 'files', 'scanner-rules.json'), json(await libraryScannerRulesData(false, [policyDir])));
  return { chartDir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

export function findObject(objects: readonly K8sObject[], kind: string, name?: string): K8sObject | undefined {
  return objects.find((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
}

export interface RenderedWebhook {
  name: string;
  failurePolicy: string;
  sideEffects: string;
  admissionReviewVersions: string[];
  matchPolicy: string;
  timeoutSeconds: number;
  namespaceSelector: { matchLabels?: Record<string, string>; matchExpressions?: { key: string; operator: string; values?: string[] }[] };
  objectSelector?: unknown;
  matchConditions?: { name: string; expression: string }[];
  clientConfig: { service?: { name: string; namespace: string; path: string; port: number }; caBundle?: string };
  rules: WebhookRule[];
}

export function webhooksOf(objects: readonly K8sObject[]): RenderedWebhook[] {
  const vwc = objects.filter((o) => o.kind === 'ValidatingWebhookConfiguration');
  return vwc.flatMap((o) => (o.webhooks as RenderedWebhook[] | undefined) ?? []);
}

/** Rules as a set of `group/version/resource operation scope` strings: equal sets mean equal matching. */
export function ruleTuples(rules: readonly WebhookRule[]): Set<string> {
  const out = new Set<string>();
  for (const r of rules) {
    for (const g of r.apiGroups) for (const v of r.apiVersions) for (const res of r.resources) for (const op of r.operations) out.add(`${g}/${v}/${res} ${op} ${r.scope ?? '*'}`);
  }
  return out;
}

export function sortedTuples(rules: readonly WebhookRule[]): string[] {
  return [...ruleTuples(rules)].sort();
}

/**
 * What the webhooks must match, from `webhookRules()` itself (docs/adr/0004-two-webhooks.md):
 *   enforce:    deny = rules of deny-action policies and namespace-label PSS checks;
 *               warn = rules of warn/audit policies not already in deny
 *   warn/audit: deny = the namespaced part of the enforce deny rules (label-enforced namespaces only);
 *               warn = everything
 */
export function expectedRuleTuples(registry: Registry, engine: EngineConfig, mode: Mode): { deny: string[]; warn: string[] } {
  const deny = ruleTuples(webhookRules(registry, engine, { actions: ['deny'] }));
  if (mode === 'enforce') {
    const others = ruleTuples(webhookRules(registry, engine, { actions: ['warn', 'audit'], includeLabelPolicies: false }));
    return { deny: [...deny].sort(), warn: [...others].filter((t) => !deny.has(t)).sort() };
  }
  return {
    deny: [...deny].filter((t) => t.endsWith(' Namespaced')).sort(),
    warn: [...ruleTuples(webhookRules(registry, engine))].sort(),
  };
}

/** The scanner's objects carry `app.kubernetes.io/component: scanner`; the webhook's do not. */
export function isScanner(o: K8sObject): boolean {
  return o.metadata.labels?.['app.kubernetes.io/component'] === 'scanner';
}

/** The webhook's object of a kind (the first one that is not the scanner's). */
export function webhookObject(objects: readonly K8sObject[], kind: string): K8sObject | undefined {
  return objects.find((o) => o.kind === kind && !isScanner(o));
}

/** The scanner's object of a kind. */
export function scannerObject(objects: readonly K8sObject[], kind: string): K8sObject | undefined {
  return objects.find((o) => o.kind === kind && isScanner(o));
}

export interface RbacRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  resourceNames?: string[];
}

/** Read rules as sorted `group/resource` strings. */
export function readResources(rules: readonly RbacRule[]): string[] {
  const out = new Set<string>();
  for (const r of rules) if (['get', 'list', 'watch'].every((v) => r.verbs.includes(v))) for (const g of r.apiGroups) for (const res of r.resources) out.add(`${g}/${res}`);
  return [...out].sort();
}
