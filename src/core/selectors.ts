import { isRecord, asStringArray } from './safe.js';

/** A Kubernetes label selector (matchLabels and matchExpressions), as used in config exemptions. */
export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist'; values?: string[] }[];
}

/** Kubernetes semantics: an empty selector matches everything; all terms must hold. */
export function matchesSelector(selector: LabelSelector, labels: unknown): boolean {
  const l: Record<string, unknown> = isRecord(labels) ? labels : {};
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (l[k] !== v) return false;
  for (const e of selector.matchExpressions ?? []) {
    const has = typeof l[e.key] === 'string';
    const values = asStringArray(e.values);
    switch (e.operator) {
      case 'In': if (!has || !values.includes(l[e.key] as string)) return false; break;
      case 'NotIn': if (has && values.includes(l[e.key] as string)) return false; break;
      case 'Exists': if (!has) return false; break;
      case 'DoesNotExist': if (has) return false; break;
      default: return false;
    }
  }
  return true;
}

export function isEmptySelector(selector: LabelSelector): boolean {
  return Object.keys(selector.matchLabels ?? {}).length === 0 && (selector.matchExpressions ?? []).length === 0;
}
