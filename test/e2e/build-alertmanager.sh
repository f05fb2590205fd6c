#!/usr/bin/env bash
# Builds Alertmanager from the Go module proxy into test/e2e/.bin (or E2E_BIN_DIR), once, for the
# alerting scenario (test/e2e/alerts.test.ts). Called by build-binaries.sh.
#
# Why a copy of the module: Alertmanager's web UI package embeds `ui/app/dist`, which its release
# process builds with npm and which is not part of the published module, so `go install
# github.com/prometheus/alertmanager/cmd/alertmanager@VERSION` fails ("pattern app/dist: no matching
# files found"). The module is downloaded (checksummed by the module proxy's sum database), copied, given
# a one-page placeholder UI, and built from that copy with its own go.mod and go.sum (-mod=readonly).
# The API (/api/v2), which is all the tests use, is untouched.
set -euo pipefail

AM_MODULE=github.com/prometheus/alertmanager
AM_VERSION="${ALERTMANAGER_VERSION:-v0.35.0}"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
BIN_DIR="${E2E_BIN_DIR:-$HERE/.bin}"
STAMP="alertmanager=$AM_VERSION go=$(go env GOVERSION)"
START=$(date +%s)

if [[ "${E2E_FORCE_BUILD:-0}" != 1 && -x "$BIN_DIR/alertmanager" && -f "$BIN_DIR/ALERTMANAGER_VERSION" && "$(cat "$BIN_DIR/ALERTMANAGER_VERSION")" == "$STAMP" ]]; then
  echo "build-alertmanager: warm, $STAMP in $BIN_DIR"
  exit 0
fi

echo "build-alertmanager: building $AM_MODULE $AM_VERSION (cold or stale)"
SRC_DIR="$(go mod download -json "$AM_MODULE@$AM_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
[[ -d "$SRC_DIR" ]] || { echo "build-alertmanager: cannot download $AM_MODULE@$AM_VERSION" >&2; exit 1; }
mkdir -p "$BIN_DIR"
WORK="$(mktemp -d)"
trap 'chmod -R u+w "$WORK" 2>/dev/null; rm -rf "$WORK"' EXIT
cp -R "$SRC_DIR" "$WORK/src"
chmod -R u+w "$WORK/src"
for ui in elm mantine; do
  mkdir -p "$WORK/src/ui/app/dist/$ui"
  echo '<!doctype html><title>Alertmanager</title><p>UI not built (kube-posture e2e): use the API, /api/v2.' > "$WORK/src/ui/app/dist/$ui/index.html"
done
(
  cd "$WORK/src"
  CGO_ENABLED=0 GOFLAGS="-mod=readonly -buildvcs=false" \
    go build -p "${E2E_BUILD_PARALLELISM:-2}" -trimpath -ldflags "-s -w" -o "$WORK/alertmanager" ./cmd/alertmanager
)
"$WORK/alertmanager" --help >/dev/null 2>&1 || { echo "build-alertmanager: the binary does not run" >&2; exit 1; }
mv -f "$WORK/alertmanager" "$BIN_DIR/alertmanager"
echo "$STAMP" > "$BIN_DIR/ALERTMANAGER_VERSION"
echo "build-alertmanager: built ($STAMP) in $(( $(date +%s) - START ))s"
