import type { ScanDocument } from './scan-document.js';

/** The saved scan as JSON (`scan -o json`, `audit -o json`), the input of `kube-posture report`. */
export function renderJson(doc: ScanDocument): string {
  return JSON.stringify(doc, null, 2) + '\n';
}
