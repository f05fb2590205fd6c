import { asArray, asRecord, asString, defineObjectPolicy, type Violation } from '../../../src/sdk.js';

/**
 * Requires TLS for every host an Ingress serves: `spec.tls` must be present, and each `spec.rules[].host`
 * must be listed in some `spec.tls[].hosts` (exactly, or by a `*.` wildcard covering one label, as
 * certificates match). A `tls` entry without hosts applies the controller's default certificate to all
 * hosts and counts as covering them. Rules without a host are left to `ingress-no-wildcard-hosts`.
 */
export default defineObjectPolicy({
  id: 'ingress-require-tls',
  title: 'Ingresses must serve every host over TLS',
  description:
    'An Ingress must have a `spec.tls` section, and every host in `spec.rules[].host` must be covered by a `spec.tls[].hosts` ' +
    'entry (the same name, or a `*.domain` wildcard one label deep). A `tls` entry without `hosts` covers all hosts. Without TLS, ' +
    'credentials and session cookies cross the network in clear text.',
  severity: 'medium',
  category: 'service',
  controls: ['nsa:network-separation'],
  remediation: 'Add a `spec.tls` entry listing every host with a certificate Secret (cert-manager can issue it from an annotation).',
  defaultAction: 'warn',
  recommended: 'warn',
  match: { kinds: ['Ingress.networking.k8s.io'] },
  check(object) {
    const spec = asRecord(object.spec) ?? {};
    const tls = asArray(spec.tls).map(asRecord).filter((t) => t !== undefined);
    if (tls.length === 0) {
      return [{ path: ['spec', 'tls'], message: 'Ingress has no spec.tls section, so its hosts are served over plain HTTP' }];
    }
    const tlsHosts: string[] = [];
    for (const entry of tls) {
      const hosts = asArray(entry.hosts).map(asString).filter((h): h is string => h !== undefined && h !== '');
      if (hosts.length === 0) return []; // the controller's default certificate covers every host
      tlsHosts.push(...hosts.map((h) => h.toLowerCase()));
    }
    const out: Violation[] = [];
    asArray(spec.rules).forEach((rule, i) => {
      const host = asString(asRecord(rule)?.host);
      if (host === undefined || host === '' || tlsHosts.some((t) => covers(t, host.toLowerCase()))) return;
      out.push({ path: ['spec', 'rules', i, 'host'], message: `host "${host}" is not listed in spec.tls[].hosts, so it is served over plain HTTP`, value: host });
    });
    return out;
  },
});

/** Certificate-style matching: `*.example.com` covers `a.example.com`, not `example.com` or `a.b.example.com`. */
function covers(tlsHost: string, host: string): boolean {
  if (tlsHost === host) return true;
  if (!tlsHost.startsWith('*.')) return false;
  const suffix = tlsHost.slice(1);
  return host.endsWith(suffix) && !host.slice(0, -suffix.length).includes('.') && host.length > suffix.length;
}
