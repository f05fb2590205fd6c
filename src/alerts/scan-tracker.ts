/**
 * New and resolved findings of the live controller, per object uid. The first complete picture of
 * the cluster is the baseline: what is already there when the controller starts is remembered but
 * not announced. Afterwards a finding that appears fires once, and one that disappears (fixed, or
 * its object deleted) resolves once. Pure: results and time are passed in.
 */
import type { Alert } from './model.js';

export interface TrackerChange {
  fired: Alert[];
  resolved: Alert[];
}

export class ScanTracker {
  private readonly byUid = new Map<string, Map<string, Alert>>();
  private baselined = false;

  /** Stops counting findings as baseline: from now on, appearances are announced. */
  endBaseline(): void {
    this.baselined = true;
  }

  get baselineDone(): boolean {
    return this.baselined;
  }

  /** The object's current alerts (empty when it is gone or clean). */
  update(uid: string, alerts: readonly Alert[], now: number): TrackerChange {
    const before = this.byUid.get(uid) ?? new Map<string, Alert>();
    const after = new Map<string, Alert>();
    const fired: Alert[] = [];
    for (const a of alerts) {
      const old = before.get(a.fingerprint);
      if (old !== undefined) {
        // Still active: keep when it started; take the latest wording.
        after.set(a.fingerprint, { ...a, firstSeen: old.firstSeen, lastSeen: now, isNew: false });
      } else {
        const alert = { ...a, firstSeen: now, lastSeen: now, isNew: true };
        after.set(a.fingerprint, alert);
        if (this.baselined) fired.push(alert);
      }
    }
    const resolved: Alert[] = [];
    for (const [fp, old] of before) {
      if (after.has(fp)) continue;
      if (!this.baselined) continue;
      // Alertmanager knows one alert per (policy, object): another field of the same policy still firing keeps it open.
      const samePolicyActive = [...after.values()].some((a) => a.policyId === old.policyId);
      resolved.push({ ...old, status: 'resolved', lastSeen: now, isNew: false, ...(samePolicyActive ? { samePolicyActive } : {}) });
    }
    if (after.size > 0) this.byUid.set(uid, after);
    else this.byUid.delete(uid);
    return { fired, resolved };
  }

  /** Every active finding (for re-sending to sinks that expect it, Alertmanager). */
  active(): Alert[] {
    const all: Alert[] = [];
    for (const m of this.byUid.values()) for (const a of m.values()) all.push(a);
    return all;
  }

  get activeCount(): number {
    let n = 0;
    for (const m of this.byUid.values()) n += m.size;
    return n;
  }
}
