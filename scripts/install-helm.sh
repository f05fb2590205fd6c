#!/usr/bin/env sh
# Builds Helm from source through the Go module proxy into .tools/bin (git-ignored), once.
#
# Why not a downloaded release binary: the project installs tools only from package registries, and the
# Go module proxy serves Helm's module (checksummed by sum.golang.org). The build is skipped when a helm
# binary built from the pinned module version is already there, so CI pays for it only on a cold cache.
#
# `npm test` runs it first (the `pretest` script), so the chart tests never depend on .ci/run.
#
# Usage: scripts/install-helm.sh            -> prints the path of the helm binary
#        HELM_VERSION=v3.22.0 scripts/install-helm.sh
set -eu

HELM_VERSION="${HELM_VERSION:-v3.21.4}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BIN_DIR="${KUBE_POSTURE_TOOLS_BIN:-$ROOT/.tools/bin}"
HELM="$BIN_DIR/helm"

# `go version -m` reads the module version recorded in the binary: a reliable "already built" check that
# does not depend on Helm's own ldflags-based version string (unset by `go install`).
if [ -x "$HELM" ] && command -v go >/dev/null 2>&1 \
  && go version -m "$HELM" 2>/dev/null | grep -Eq "^[[:space:]]+mod[[:space:]]+helm.sh/helm/v3[[:space:]]+$HELM_VERSION([[:space:]]|$)"; then
  echo "$HELM"
  exit 0
fi

if ! command -v go >/dev/null 2>&1; then
  echo "install-helm: Go is required to build helm $HELM_VERSION from the module proxy" >&2
  exit 1
fi

mkdir -p "$BIN_DIR"
echo "install-helm: building helm $HELM_VERSION (cold builds take minutes)" >&2
# Built into a private directory, then renamed into place: a run that is interrupted, or two runs at once
# (npm test in two terminals), never leave a half-written helm behind for the check above to find.
TMP_BIN="$(mktemp -d "$BIN_DIR/.helm-build.XXXXXX")"
trap 'rm -rf "$TMP_BIN"' EXIT
# CGO off: a static binary, and no C toolchain needed. -trimpath keeps local paths out of the binary.
CGO_ENABLED=0 GOBIN="$TMP_BIN" GOFLAGS="${GOFLAGS:-} -modcacherw" \
  go install -trimpath "helm.sh/helm/v3/cmd/helm@$HELM_VERSION" >&2
mv -f "$TMP_BIN/helm" "$HELM"
echo "$HELM"
