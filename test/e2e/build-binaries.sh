#!/usr/bin/env bash
# Builds the binaries used by the end-to-end tests into test/e2e/.bin/:
#   kube-apiserver, kube-controller-manager, kubectl (k8s.io/kubernetes) and etcd (go.etcd.io/etcd/server/v3),
# from source, through the wrapper module in test/e2e/k8s (see docs/e2e.md).
#
# Idempotent: does nothing when the three binaries are present and their
# version stamp (.bin/VERSION) matches the wrapper module. Prints the time taken.
#
# Environment:
#   E2E_BUILD_PARALLELISM  go build -p (default 2; the link of kube-apiserver
#                          needs a few GiB of memory)
#   E2E_FORCE_BUILD=1      rebuild even if the stamp matches
#   GOCACHE / GOMODCACHE   honoured as usual (CI may cache them)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
MOD_DIR="$HERE/k8s"
BIN_DIR="$HERE/.bin"
START=$(date +%s)

modversion() { # version of a required module, read from the wrapper go.mod
  awk -v m="$1" '$1 == m && $2 ~ /^v/ { print $2; exit }' "$MOD_DIR/go.mod"
}
K8S_VERSION="$(modversion k8s.io/kubernetes)"
ETCD_VERSION="$(modversion go.etcd.io/etcd/server/v3)"
if [[ -z "$K8S_VERSION" || -z "$ETCD_VERSION" ]]; then
  echo "build-binaries: cannot read versions from $MOD_DIR/go.mod" >&2
  exit 1
fi
K8S_MINOR="$(echo "$K8S_VERSION" | cut -d. -f2)"

if ! command -v go >/dev/null 2>&1; then
  echo "build-binaries: the go command is required (Go >= 1.26)" >&2
  exit 1
fi

LDFLAGS="-s -w"
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  LDFLAGS+=" -X $pkg.gitVersion=$K8S_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$K8S_MINOR"
  LDFLAGS+=" -X $pkg.gitTreeState=clean"
done

SUM="$(cat "$MOD_DIR/go.mod" "$MOD_DIR/go.sum" | sha256sum | cut -c1-16)"
STAMP="kubernetes=$K8S_VERSION etcd=$ETCD_VERSION go=$(go env GOVERSION) modsum=$SUM ldflags=$(echo "$LDFLAGS" | sha256sum | cut -c1-8)"

# Alertmanager (the alerting scenario) has its own version and stamp.
E2E_BIN_DIR="$BIN_DIR" bash "$HERE/build-alertmanager.sh"

if [[ "${E2E_FORCE_BUILD:-0}" != 1 && -x "$BIN_DIR/kube-apiserver" && -x "$BIN_DIR/kube-controller-manager" && -x "$BIN_DIR/kubectl" && -x "$BIN_DIR/etcd" \
      && -f "$BIN_DIR/VERSION" && "$(cat "$BIN_DIR/VERSION")" == "$STAMP" ]]; then
  echo "build-binaries: warm, binaries present ($STAMP) in $(( $(date +%s) - START ))s"
  exit 0
fi

echo "build-binaries: building kube-apiserver, kube-controller-manager, kubectl $K8S_VERSION and etcd $ETCD_VERSION (cold or stale)"
mkdir -p "$BIN_DIR"
TMP_OUT="$(mktemp -d "$BIN_DIR/.build.XXXXXX")"
trap 'rm -rf "$TMP_OUT"' EXIT

(
  cd "$MOD_DIR"
  # -mod=readonly: go.mod/go.sum are committed and complete (go mod tidy);
  # a build never rewrites them.
  CGO_ENABLED=0 GOFLAGS="-mod=readonly -buildvcs=false" \
    go build -p "${E2E_BUILD_PARALLELISM:-2}" -trimpath -ldflags "$LDFLAGS" -o "$TMP_OUT/" \
      k8s.io/kubernetes/cmd/kube-apiserver \
      k8s.io/kubernetes/cmd/kube-controller-manager \
      k8s.io/kubernetes/cmd/kubectl \
      go.etcd.io/etcd/server/v3
)

# go build names the etcd binary after the path element before /v3.
for cand in server v3; do
  if [[ -f "$TMP_OUT/$cand" ]]; then mv "$TMP_OUT/$cand" "$TMP_OUT/etcd"; fi
done
for b in kube-apiserver kube-controller-manager kubectl etcd; do
  [[ -x "$TMP_OUT/$b" ]] || { echo "build-binaries: $b was not produced" >&2; ls -l "$TMP_OUT" >&2; exit 1; }
done

# Sanity: the stamped versions are what the binaries report. (Outputs are
# captured first: `cmd | grep -q` under pipefail fails when grep exits early.)
check_version() { # name, expected substring, command...
  local name=$1 want=$2 out
  shift 2
  out="$("$@" 2>&1)" || { echo "build-binaries: $name failed: $out" >&2; exit 1; }
  [[ "$out" == *"$want"* ]] || { echo "build-binaries: $name reports '$out', expected '$want'" >&2; exit 1; }
}
check_version kube-apiserver "Kubernetes $K8S_VERSION" "$TMP_OUT/kube-apiserver" --version
check_version kube-controller-manager "Kubernetes $K8S_VERSION" "$TMP_OUT/kube-controller-manager" --version
check_version kubectl "\"gitVersion\": \"$K8S_VERSION\"" "$TMP_OUT/kubectl" version --client -o json
check_version etcd "etcd Version: ${ETCD_VERSION#v}" "$TMP_OUT/etcd" --version

for b in kube-apiserver kube-controller-manager kubectl etcd; do mv -f "$TMP_OUT/$b" "$BIN_DIR/$b"; done
echo "$STAMP" > "$BIN_DIR/VERSION"
echo "build-binaries: built ($STAMP) in $(( $(date +%s) - START ))s"
