/**
 * What to fix first. A failing control's priority is its severity weight (the risk score's weights)
 * times the resources failing it: one critical control failing on 3 resources (30) comes before a low
 * one failing on 10 (20). Pure; reports rank controls with it, never with a rule of their own.
 */
import type { Severity } from '../core/types.js';
import { SEVERITY_WEIGHT } from './score.js';

export function controlPriority(severity: Severity | undefined, failed: number): number {
  return SEVERITY_WEIGHT[severity ?? 'info'] * failed;
}
