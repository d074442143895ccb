#!/usr/bin/env bash
# Shared by lab.sh and test.sh: a project virtualenv in .venv with jaxscope installed (editable,
# which builds the JS bundle with npm). Usage: source scripts/setup.sh EXTRA   (EXTRA: lab | test)
set -euo pipefail
extra=${1:-lab}
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

need() { command -v "$1" >/dev/null 2>&1 || { echo "jaxscope: '$1' is required ($2)" >&2; exit 1; }; }
need python3 "Python >= 3.11"
need node "Node.js >= 20"
need npm "npm, shipped with Node.js"

apt_install() {  # Debian packages, only where we may install them
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
  else
    echo "jaxscope: please install the Debian package(s) $* (e.g. sudo apt-get install $*)" >&2; exit 1
  fi
}

if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv 2>/dev/null || { apt_install python3-venv; rm -rf .venv; python3 -m venv .venv; }
fi
.venv/bin/python -m pip install -q --upgrade pip
npm ci --no-audit --no-fund --loglevel=error
npm run --silent build
.venv/bin/python -m pip install -q -e ".[$extra]"
