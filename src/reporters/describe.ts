/** How reporters name an object and its source, whichever adapter produced it. */
import { isFileRef, type ObjectRef } from '../results/model.js';

/** `Kind namespace/name`, or `Kind name` for cluster-scoped objects. */
export function objectName(ref: ObjectRef): string {
  return `${ref.kind} ${ref.namespace ? `${ref.namespace}/` : ''}${ref.name}`;
}

/** `file:line` for manifests; `uid <uid> (resourceVersion <v>)` for objects read from a cluster. */
export function sourceText(ref: ObjectRef): string {
  return isFileRef(ref) ? `${ref.file}:${ref.line}` : `${ref.cluster ? `${ref.cluster} ` : ''}uid ${ref.uid}, resourceVersion ${ref.resourceVersion}`;
}

/** A group name for reports that group by source: the file, or the cluster. */
export function sourceGroup(ref: ObjectRef): string {
  return isFileRef(ref) ? ref.file : `cluster${ref.cluster ? ` ${ref.cluster}` : ''}`;
}
