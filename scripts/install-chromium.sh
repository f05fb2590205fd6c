#!/usr/bin/env sh
# Installs Debian's chromium for the HTML report's browser tests (test/report/*.test.ts), once.
#
# Why Debian's package and not a browser download: the project installs tools only from package registries,
# and playwright-core drives any Chromium given its path (KP_CHROMIUM, default /usr/bin/chromium).
# `npm test` runs it first (the `pretest` script), so the browser tests never depend on .ci/run.
# Skipped when the browser is already there; needs root (apt-get) otherwise.
set -eu
CHROMIUM="${KP_CHROMIUM:-/usr/bin/chromium}"
if [ -x "$CHROMIUM" ]; then
  echo "$CHROMIUM"
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-chromium: no $CHROMIUM and no apt-get: install Chromium and set KP_CHROMIUM to its path" >&2
  exit 1
fi
SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >&2
$SUDO apt-get install -y -qq --no-install-recommends chromium >&2
echo "$CHROMIUM"
