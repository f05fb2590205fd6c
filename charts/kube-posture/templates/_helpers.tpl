{{/* Names and labels. */}}
{{- define "kube-posture.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "kube-posture.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "kube-posture.selectorLabels" -}}
app.kubernetes.io/name: {{ include "kube-posture.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "kube-posture.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "kube-posture.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: kube-posture
{{- end -}}

{{- define "kube-posture.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "kube-posture.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "kube-posture.image" -}}
{{- if .Values.image.digest -}}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}
{{- end -}}

{{- define "kube-posture.tlsSecretName" -}}
{{- if eq .Values.certificates.mode "provided" -}}
{{- required "certificates.provided.secretName is required when certificates.mode is provided" .Values.certificates.provided.secretName -}}
{{- else -}}
{{- printf "%s-tls" (include "kube-posture.fullname" .) -}}
{{- end -}}
{{- end -}}

{{- define "kube-posture.certificateName" -}}
{{- printf "%s-serving" (include "kube-posture.fullname" .) -}}
{{- end -}}

{{/* The configuration file, as the server reads it with --config. */}}
{{- define "kube-posture.configFile" -}}
{{- $cfg := deepCopy .Values.config -}}
{{- $_ := set $cfg "profile" .Values.profile -}}
{{- $_ := set $cfg "mode" .Values.mode -}}
{{- if include "kube-posture.hasUserPolicies" . -}}
{{- $_ := set $cfg "policyDirectories" (list "/etc/kube-posture/user-policies") -}}
{{- end -}}
{{- toYaml $cfg -}}
{{- end -}}

{{- define "kube-posture.hasUserPolicies" -}}
{{- if or .Values.userPolicies.files .Values.userPolicies.existingConfigMap -}}true{{- end -}}
{{- end -}}

{{/*
The namespace selector of every webhook. The release namespace and kube-system are excluded whatever
the values say: a webhook that can deny its own pods (or the control plane's) cannot recover from an
outage. User expressions are ANDed after the exclusion, so they can narrow the selection, never widen it.
*/}}
{{- define "kube-posture.namespaceSelector" -}}
{{- $root := index . 0 -}}
{{- $extra := index . 1 -}}
{{- $excluded := concat (list $root.Release.Namespace "kube-system") ($root.Values.webhook.excludedNamespaces | default list) | uniq -}}
{{- $sel := $root.Values.webhook.namespaceSelector | default dict -}}
{{- $exprs := list (dict "key" "kubernetes.io/metadata.name" "operator" "NotIn" "values" $excluded) -}}
{{- if $root.Values.webhook.namespaceOptOutLabel -}}
{{- /* Break glass per namespace: `<prefix>/webhook=disabled` takes it out of both webhooks at once. */ -}}
{{- $prefix := $root.Values.config.namespaceLabels.prefix | default "kube-posture.io" -}}
{{- $exprs = append $exprs (dict "key" (printf "%s/webhook" $prefix) "operator" "NotIn" "values" (list "disabled")) -}}
{{- end -}}
{{- $exprs = concat $exprs ($sel.matchExpressions | default list) $extra -}}
{{- $out := dict "matchExpressions" $exprs -}}
{{- if $sel.matchLabels -}}
{{- $_ := set $out "matchLabels" $sel.matchLabels -}}
{{- end -}}
{{- toYaml $out -}}
{{- end -}}

{{/*
Whether a policy runs: [in the profile, its config.policies settings]. A policy outside the profile is
switched on by an action; `enabled` wins over both. Returns "true" or "".
*/}}
{{- define "kube-posture.policyEnabled" -}}
{{- $inProfile := index . 0 -}}
{{- $s := index . 1 -}}
{{- $on := or $inProfile (hasKey $s "action") -}}
{{- if hasKey $s "enabled" -}}{{- $on = $s.enabled -}}{{- end -}}
{{- if $on -}}true{{- end -}}
{{- end -}}

{{/*
Admission rules, computed from files/rules.json (generated from the policy library by
`npm run gen:manifests`) the same way `webhookRules()` computes them in TypeScript:

  denySet  = resources of enabled deny-action policies, plus every Pod Security Standards check
             (namespace labels can enforce any of them without a redeploy);
  otherSet = resources of enabled warn/audit-action policies.

Returns JSON {"deny": [rules], "warn": [rules]}:
  mode enforce:      deny = denySet;                   warn = otherSet minus denySet
  mode warn/audit:   deny = namespaced part of denySet  (only for namespaces labelled <prefix>/mode: enforce);
                     warn = denySet plus otherSet
The deny and warn rule sets are disjoint under enforce, so no request is evaluated twice.
*/}}
{{- define "kube-posture.ruleSets" -}}
{{- $raw := .Files.Get "files/rules.json" -}}
{{- if not $raw -}}{{- fail "files/rules.json is missing: run npm run gen:manifests" -}}{{- end -}}
{{- $data := $raw | fromJson -}}
{{- if not (hasKey $data.profiles .Values.profile) -}}
{{- fail (printf "profile %q is not a built-in profile; known: %s" .Values.profile (keys $data.profiles | sortAlpha | join ", ")) -}}
{{- end -}}
{{- $profile := index $data.profiles .Values.profile -}}
{{- $settings := .Values.config.policies | default dict -}}
{{- $entries := dict -}}
{{- $denySet := dict -}}
{{- $otherSet := dict -}}
{{- range $id, $p := $data.policies -}}
{{- $s := index $settings $id | default dict -}}
{{- $inProfile := hasKey $profile $id -}}
{{- $on := include "kube-posture.policyEnabled" (list $inProfile $s) -}}
{{- $action := $p.defaultAction -}}
{{- if $inProfile -}}{{- $action = index $profile $id -}}{{- end -}}
{{- if hasKey $s "action" -}}{{- $action = $s.action -}}{{- end -}}
{{- $target := "" -}}
{{- if or $p.pss (and $on (eq $action "deny")) -}}{{- $target = "deny" -}}{{- else if $on -}}{{- $target = "other" -}}{{- end -}}
{{- if $target -}}
{{- $set := $denySet -}}
{{- if eq $target "other" -}}{{- $set = $otherSet -}}{{- end -}}
{{- range $e := index $data.resourceSets $p.resources -}}
{{- $_ := set $entries $e.key $e -}}
{{- $ops := index $set $e.key | default (dict) -}}
{{- range $e.operations -}}{{- $_ := set $ops . true -}}{{- end -}}
{{- $_ := set $set $e.key $ops -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- $deny := dict -}}
{{- $warn := dict -}}
{{- if eq .Values.mode "enforce" -}}
{{- $deny = $denySet -}}
{{- range $k, $ops := $otherSet -}}
{{- $left := dict -}}
{{- $taken := index $denySet $k | default (dict) -}}
{{- range $op, $_ := $ops -}}{{- if not (hasKey $taken $op) -}}{{- $_ := set $left $op true -}}{{- end -}}{{- end -}}
{{- if $left -}}{{- $_ := set $warn $k $left -}}{{- end -}}
{{- end -}}
{{- else -}}
{{- range $k, $ops := $denySet -}}
{{- if eq (index $entries $k).scope "Namespaced" -}}{{- $_ := set $deny $k $ops -}}{{- end -}}
{{- end -}}
{{- range $k, $ops := $denySet -}}{{- $_ := set $warn $k (deepCopy $ops) -}}{{- end -}}
{{- range $k, $ops := $otherSet -}}
{{- $all := index $warn $k | default (dict) -}}
{{- range $op, $_ := $ops -}}{{- $_ := set $all $op true -}}{{- end -}}
{{- $_ := set $warn $k $all -}}
{{- end -}}
{{- end -}}
{{- $result := dict -}}
{{- range $name, $set := dict "deny" $deny "warn" $warn -}}
{{- $rules := list -}}
{{- $byGroup := dict -}}
{{- range $k := keys $set | sortAlpha -}}
{{- $e := index $entries $k -}}
{{- $ops := list -}}
{{- range $op := list "CREATE" "UPDATE" "DELETE" "CONNECT" -}}{{- if hasKey (index $set $k) $op -}}{{- $ops = append $ops $op -}}{{- end -}}{{- end -}}
{{- $gk := printf "%s|%s|%s" $e.apiGroup (join "," $ops) $e.scope -}}
{{- if not (hasKey $byGroup $gk) -}}
{{- $_ := set $byGroup $gk (len $rules) -}}
{{- $rules = append $rules (dict "apiGroups" (list $e.apiGroup) "apiVersions" list "operations" $ops "resources" list "scope" $e.scope) -}}
{{- end -}}
{{- $rule := index $rules (index $byGroup $gk) -}}
{{- $_ := set $rule "resources" (append $rule.resources $e.resource) -}}
{{- range $v := $e.apiVersions -}}{{- if not (has $v $rule.apiVersions) -}}{{- $_ := set $rule "apiVersions" (append $rule.apiVersions $v) -}}{{- end -}}{{- end -}}
{{- end -}}
{{- $_ := set $result $name (concat $rules (index $.Values.webhook.extraRules $name | default list)) -}}
{{- end -}}
{{- toJson $result -}}
{{- end -}}

{{/*
Pod parts shared by the webhook and the scanner Deployments: one definition, so that the two cannot
drift apart in what they mount or in how tightly they are locked down.
*/}}

{{/* Annotations that roll the pods when the configuration they read changes. */}}
{{- define "kube-posture.configChecksums" -}}
checksum/config: {{ include "kube-posture.configFile" . | sha256sum }}
{{- if .Values.userPolicies.files }}
checksum/user-policies: {{ toJson .Values.userPolicies.files | sha256sum }}
{{- end }}
{{- end -}}

{{/* The restricted Pod Security Standard, and then some: what every pod of the chart runs with. */}}
{{- define "kube-posture.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: 65532
runAsGroup: 65532
fsGroup: 65532
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{- define "kube-posture.containerSecurityContext" -}}
runAsNonRoot: true
runAsUser: 65532
runAsGroup: 65532
allowPrivilegeEscalation: false
privileged: false
readOnlyRootFilesystem: true
capabilities:
  drop: ["ALL"]
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{/*
Memory limit in MiB of a resources block (a Kubernetes quantity: 256Mi, 1Gi, 300M, 268435456).
Values read from YAML or JSON may arrive as float64: a plain number is bytes.
*/}}
{{- define "kube-posture.memoryLimitMiB" -}}
{{- $q := required "resources.limits.memory is required" (.limits | default dict).memory -}}
{{- $bytes := 0.0 -}}
{{- if or (kindIs "float64" $q) (kindIs "int" $q) (kindIs "int64" $q) -}}
{{- $bytes = float64 $q -}}
{{- else -}}
{{- $s := toString $q -}}
{{- $num := regexFind "^[0-9]+(\\.[0-9]+)?" $s -}}
{{- $suffix := trimPrefix $num $s -}}
{{- $factors := dict "" 1.0 "m" 0.001 "k" 1e3 "M" 1e6 "G" 1e9 "T" 1e12 "Ki" 1024.0 "Mi" 1048576.0 "Gi" 1073741824.0 "Ti" 1099511627776.0 -}}
{{- if not (hasKey $factors $suffix) -}}{{- fail (printf "memory limit %q: unknown unit %q" $s $suffix) -}}{{- end -}}
{{- $bytes = mulf (float64 $num) (index $factors $suffix) -}}
{{- end -}}
{{- divf $bytes 1048576.0 -}}
{{- end -}}

{{/*
NODE_OPTIONS for a container with these resources. V8 sizes its old-generation heap from the host's
memory, not the container's limit: on a 256Mi container its default heap limit is about 259 MiB, over
the limit, so the kernel OOM-kills the pod before V8 ever collects garbage hard or fails an
allocation. Capping the heap at 5/8 of the limit (160 MiB for 256Mi) leaves the rest for the young
generation, code, buffers and native memory: under pressure the process collects garbage instead.
*/}}
{{- define "kube-posture.nodeOptionsEnv" -}}
{{- $heap := floor (mulf (include "kube-posture.memoryLimitMiB" .) 0.625) | int -}}
{{- if lt $heap 16 -}}{{- fail (printf "resources.limits.memory is too small for Node.js (heap %d MiB)" $heap) -}}{{- end -}}
- name: NODE_OPTIONS
  value: {{ printf "--max-old-space-size=%d" $heap | quote }}
{{- end -}}

{{/* The pod's namespace and name, from the downward API. */}}
{{- define "kube-posture.podIdentityEnv" -}}
- name: POD_NAMESPACE
  valueFrom:
    fieldRef:
      fieldPath: metadata.namespace
- name: POD_NAME
  valueFrom:
    fieldRef:
      fieldPath: metadata.name
{{- end -}}

{{/* Mounts of the policy configuration (and the user policies, when there are any) and /tmp. */}}
{{- define "kube-posture.policyVolumeMounts" -}}
- name: config
  mountPath: /etc/kube-posture/config
  readOnly: true
{{- if include "kube-posture.hasUserPolicies" . }}
- name: user-policies
  mountPath: /etc/kube-posture/user-policies
  readOnly: true
{{- end }}
{{- if .Values.alerts.secretName }}
# Alert sink secrets (webhook URLs, tokens): config.alerts refers to them as {fromFile: /etc/kube-posture/alerts/<key>}.
- name: alert-secrets
  mountPath: /etc/kube-posture/alerts
  readOnly: true
{{- end }}
{{- end -}}

{{- define "kube-posture.configVolume" -}}
- name: config
  configMap:
    name: {{ include "kube-posture.fullname" . }}-config
{{- if .Values.alerts.secretName }}
- name: alert-secrets
  secret:
    secretName: {{ .Values.alerts.secretName }}
    # 0440: readable by the pod's fsGroup (the non-root user), nobody else. Decimal: YAML 1.1 and 1.2 read 0440 differently.
    defaultMode: 288
{{- end }}
{{- end -}}

{{- /* "true" when config.alerts has a Kubernetes Events sink: the pods then need `create` on events. */ -}}
{{- define "kube-posture.eventsSink" -}}
{{- range (((.Values.config).alerts).sinks | default list) }}
{{- if eq .type "events" }}true{{- end }}
{{- end }}
{{- end -}}

{{- define "kube-posture.userPoliciesVolume" -}}
{{- if .Values.userPolicies.files -}}
- name: user-policies
  configMap:
    name: {{ include "kube-posture.fullname" . }}-user-policies
    items:
      {{- range $path, $_ := .Values.userPolicies.files }}
      - key: {{ $path | replace "/" "__" }}
        path: {{ $path }}
      {{- end }}
{{- else if .Values.userPolicies.existingConfigMap -}}
- name: user-policies
  configMap:
    name: {{ .Values.userPolicies.existingConfigMap }}
    {{- with .Values.userPolicies.items }}
    items:
      {{- toYaml . | nindent 6 }}
    {{- end }}
{{- end }}
{{- end -}}

{{- define "kube-posture.tmpVolume" -}}
- name: tmp
  emptyDir:
    medium: Memory
    sizeLimit: 16Mi
{{- end -}}

{{/* topologySpreadConstraints: [root, constraints, selector labels]; labelSelector defaults to the pods. */}}
{{- define "kube-posture.topologySpread" -}}
{{- $selector := index . 2 -}}
{{- range $i, $c := index . 1 }}
{{- if $i }}{{ "\n" }}{{ end -}}
- {{ toYaml $c | nindent 2 | trim }}
  {{- if not $c.labelSelector }}
  labelSelector:
    matchLabels:
      {{- $selector | nindent 6 }}
  {{- end }}
{{- end }}
{{- end -}}


{{/* The scanner (`kube-posture controller`): names and labels of its own, so that no selector of the
webhook (Deployment, Service, PDB, NetworkPolicy, ServiceMonitor) ever picks its pods, nor the reverse. */}}
{{- define "kube-posture.scannerFullname" -}}
{{- printf "%s-scanner" (include "kube-posture.fullname" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "kube-posture.scannerSelectorLabels" -}}
app.kubernetes.io/name: {{ printf "%s-scanner" (include "kube-posture.name" .) | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: scanner
{{- end -}}

{{- define "kube-posture.scannerLabels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "kube-posture.scannerSelectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: kube-posture
{{- end -}}

{{- define "kube-posture.scannerServiceAccountName" -}}
{{- if .Values.scanner.serviceAccount.create -}}
{{- default (include "kube-posture.scannerFullname" .) .Values.scanner.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.scanner.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* The Lease the scanner replicas elect their leader with (one per release). */}}
{{- define "kube-posture.scannerLeaseName" -}}
{{- include "kube-posture.scannerFullname" . -}}
{{- end -}}

{{/*
The scanner's read rules (get, list, watch), computed from files/scanner-rules.json (generated from the
policy library by `npm run gen:manifests`): the union, over the policies the profile and config.policies
enable, of the kinds each one reads, plus what is read whatever is enabled (namespaces; the pod kinds,
since namespace labels can switch on any Pod Security Standards check). Returns a YAML list of rules,
one per API group, in the library's kind order. The generator refuses Secrets: never granted.
*/}}
{{- define "kube-posture.scannerReadRules" -}}
{{- $raw := .Files.Get "files/scanner-rules.json" -}}
{{- if not $raw -}}{{- fail "files/scanner-rules.json is missing: run npm run gen:manifests" -}}{{- end -}}
{{- $data := $raw | fromJson -}}
{{- if not (hasKey $data.profiles .Values.profile) -}}
{{- fail (printf "profile %q is not a built-in profile; known: %s" .Values.profile (keys $data.profiles | sortAlpha | join ", ")) -}}
{{- end -}}
{{- $members := dict -}}
{{- range index $data.profiles .Values.profile -}}{{- $_ := set $members . true -}}{{- end -}}
{{- $settings := .Values.config.policies | default dict -}}
{{- $wanted := dict -}}
{{- range $data.always -}}{{- $_ := set $wanted . true -}}{{- end -}}
{{- range $id, $set := $data.policies -}}
{{- if include "kube-posture.policyEnabled" (list (hasKey $members $id) (index $settings $id | default dict)) -}}
{{- range index $data.kindSets $set -}}{{- $_ := set $wanted . true -}}{{- end -}}
{{- end -}}
{{- end -}}
{{- $rules := list -}}
{{- $byGroup := dict -}}
{{- range $k := keys $wanted | sortAlpha -}}
{{- $kind := index $data.kinds $k -}}
{{- if eq $kind.resource "secrets" -}}{{- fail "files/scanner-rules.json grants secrets: the scanner never reads them" -}}{{- end -}}
{{- if not (hasKey $byGroup $kind.apiGroup) -}}
{{- $_ := set $byGroup $kind.apiGroup (len $rules) -}}
{{- $rules = append $rules (dict "apiGroups" (list $kind.apiGroup) "resources" list "verbs" (list "get" "list" "watch")) -}}
{{- end -}}
{{- $rule := index $rules (index $byGroup $kind.apiGroup) -}}
{{- $_ := set $rule "resources" (append $rule.resources $kind.resource) -}}
{{- end -}}
{{- toYaml $rules -}}
{{- end -}}

{{/* Egress of every pod of the chart: DNS and the API server, nothing else. */}}
{{- define "kube-posture.networkPolicyEgress" -}}
# DNS to any destination: cluster DNS may be a node-local cache outside every namespace.
- ports:
    - port: 53
      protocol: UDP
    - port: 53
      protocol: TCP
- to:
    {{- range .Values.networkPolicy.apiServer.cidrs }}
    - ipBlock:
        cidr: {{ . }}
    {{- end }}
  ports:
    {{- range .Values.networkPolicy.apiServer.ports }}
    - port: {{ . }}
      protocol: TCP
    {{- end }}
{{- with .Values.networkPolicy.alertsEgress }}
# Alert receivers (Alertmanager, Slack, a SIEM): networkPolicy.alertsEgress.
{{ toYaml . }}
{{- end }}
{{- end -}}
