import { asArray, asRecord, asStringArray, isRecord } from './safe.js';

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

/**
 * A label selector with no requirements, which selects everything. Absent is not empty.
 * Total on any input, because policies ask it of selectors read straight from an object
 * (`podSelector`, `namespaceSelector`); for a well-formed LabelSelector it is the plain check.
 */
export function isEmptySelector(value: unknown): boolean {
  const sel = asRecord(value);
  if (sel === undefined) return false;
  return Object.keys(asRecord(sel.matchLabels) ?? {}).length === 0 && asArray(sel.matchExpressions).length === 0;
}

/** A label selector from an object, with every malformed part dropped rather than trusted. */
export function sanitizeSelector(value: unknown): LabelSelector | undefined {
  if (!isRecord(value)) return undefined;
  const out: LabelSelector = {};
  const ml = asRecord(value.matchLabels);
  if (ml !== undefined) {
    const labels: Record<string, string> = {};
    for (const [k, v] of Object.entries(ml)) if (typeof v === 'string') labels[k] = v;
    out.matchLabels = labels;
  }
  const exprs: NonNullable<LabelSelector['matchExpressions']> = [];
  for (const e of asArray(value.matchExpressions)) {
    const op = isRecord(e) ? e.operator : undefined;
    // Kubernetes rejects a malformed requirement, and a selector it cannot parse selects nothing:
    // `In` with no values is the requirement that never matches.
    if (!isRecord(e) || typeof e.key !== 'string' || (op !== 'In' && op !== 'NotIn' && op !== 'Exists' && op !== 'DoesNotExist')) {
      exprs.push({ key: '', operator: 'In', values: [] });
      continue;
    }
    exprs.push({ key: e.key, operator: op, values: asArray(e.values).filter((v): v is string => typeof v === 'string') });
  }
  if (exprs.length > 0) out.matchExpressions = exprs;
  return out;
}
